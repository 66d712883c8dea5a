// tfjs's 2-D pools (NHWC) and their gradients on zeroconv. Two of tfjs's rules differ from
// zeroconv's defaults, and tfjs's are kept: max-pooling skips NaN (zeroconv's NaN wins), and the
// average's gradient divides by the whole window even where it covers padding (the forward
// average does not count padding).
import { backend_util, type TensorInfo } from "@tensorflow/tfjs-core";
import { avgPool2d, avgPool2dBackward } from "../ops/avg_pool2d.js";
import { maxPool2d, maxPool2dBackward } from "../ops/max_pool2d.js";
import type { PoolWindowOptions } from "../ops/pool_geometry.js";
import { type Input, withBuffers } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import type { Tensor } from "../tensor/tensor.js";
import { WasmTensor } from "../tensor/wasm_tensor.js";
import { output, resident, served, type KernelArgs, type ZeroconvKernel } from "./kernel.js";
import { windowOf, windowsCoverInput } from "./windows.js";

/** zeroconv's pool options for tfjs's attributes on x's shape, or null for the CPU kernel's cases. */
function poolWindow(xShape: readonly number[], attrs: KernelArgs["attrs"], rounding = true): PoolWindowOptions | null {
  const ci = backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    rounding ? attrs.dimRoundingMode : undefined,
  );
  // A 1x1 window that keeps x's shape is tfjs-backend-cpu's identity: it shares x's array, no copy.
  if (ci.filterHeight === 1 && ci.filterWidth === 1 && ci.outHeight === ci.inHeight && ci.outWidth === ci.inWidth) {
    return null;
  }
  const w = windowOf(ci);
  if (w === null || !windowsCoverInput(ci, w)) return null;
  return { window: [ci.filterHeight, ci.filterWidth], stride: w.stride, pad: w.pad, layout: "NHWC" };
}

const hasNaN = (a: ArrayLike<number>): boolean => {
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) return true;
  return false;
};

/**
 * Whether a result holds a NaN. One in WASM memory is summed there (a NaN makes the sum NaN; so
 * does inf - inf, which only sends the call to the CPU kernel, which is right for any input):
 * a loop over it in JS took as long as the pool.
 */
function resultHasNaN(y: Tensor | WasmTensor): boolean {
  if (!(y instanceof WasmTensor)) return hasNaN(y.data);
  const rt = getRuntime();
  return withBuffers(rt, "MaxPool", [1], ([sum]) => {
    rt.kernels.bias_grad(y.address("MaxPool", "y"), 1, 1, y.size, sum);
    return Number.isNaN(new Float32Array(rt.kernels.memory.buffer, sum, 1)[0]);
  });
}

export const maxPool: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const x = inputs.x;
  const o = served(x) ? poolWindow(x.shape, attrs) : null;
  if (o === null) return null;
  const y = maxPool2d((resident(backend, x) as Input[])[0], o);
  // A window holding a NaN is NaN here and its largest number in tfjs: such calls run on the CPU kernel.
  if (!resultHasNaN(y)) return output(backend, y);
  if (y instanceof WasmTensor) y.dispose();
  return null;
};

export const maxPoolGrad: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const { dy, input, output: y } = inputs;
  if (!served(dy) || !served(input) || !served(y)) return null;
  const o = poolWindow(input.shape, attrs);
  // The forward result shows whether a window held a NaN, where tfjs's argmax and zeroconv's differ.
  if (o === null || resultHasNaN(backend.resident(y))) return null;
  const [d, x] = resident(backend, dy, input) as Input[];
  return output(backend, maxPool2dBackward(d, x, o));
};

export const avgPool: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const x = inputs.x;
  const o = served(x) ? poolWindow(x.shape, attrs) : null;
  if (o === null) return null;
  return output(backend, avgPool2d((resident(backend, x) as Input[])[0], { ...o, countIncludePad: false }));
};

export const avgPoolGrad: ZeroconvKernel = ({ inputs, backend, attrs }): TensorInfo | null => {
  const { dy, input } = inputs;
  // tfjs's AvgPoolGrad takes no dimRoundingMode: its window is the default rounding's.
  if (!served(dy) || !served(input)) return null;
  const o = poolWindow(input.shape, attrs, false);
  if (o === null) return null;
  return output(backend, avgPool2dBackward(backend.resident(dy), input.shape, { ...o, countIncludePad: true }));
};
