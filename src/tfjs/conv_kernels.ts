// Conv2D, FusedConv2D and their two gradients on zeroconv. tfjs's filter is HWIO in both data
// formats; zeroconv's NHWC takes it as it is, and its NCHW wants [FN, C, FH, FW], so an NCHW call
// transposes the filter (weights: small next to the images, which are never transposed).
import { backend_util, type TensorInfo } from "@tensorflow/tfjs-core";
import type { TensorLike } from "../tensor/tensor.js";
import { conv2d } from "../ops/conv2d.js";
import { conv2dBackpropFilter as backpropFilter, conv2dBackpropInput as backpropInput } from "../ops/conv2d_grad.js";
import type { Layout } from "../ops/options.js";
import type { Input } from "../runtime/memory.js";
import { floats, output, resident, served, type KernelArgs, type ZeroconvKernel } from "./kernel.js";
import { fusedOf, NONE } from "./fused.js";
import { layoutOf, windowOf, type Window } from "./windows.js";

type Shape4 = [number, number, number, number];

/** [FH, FW, C, FN] -> [FN, C, FH, FW], or back (`toHwio`). */
function transposeFilter(w: TensorLike, toHwio: boolean): TensorLike {
  const s = w.shape;
  const [FH, FW, C, FN] = toHwio ? [s[2], s[3], s[1], s[0]] : [s[0], s[1], s[2], s[3]];
  const out = new Float32Array(w.data.length);
  for (let h = 0; h < FH; h++)
    for (let x = 0; x < FW; x++)
      for (let c = 0; c < C; c++)
        for (let f = 0; f < FN; f++) {
          const hwio = ((h * FW + x) * C + c) * FN + f;
          const oihw = ((f * C + c) * FH + h) * FW + x;
          if (toHwio) out[hwio] = w.data[oihw];
          else out[oihw] = w.data[hwio];
        }
  return { shape: toHwio ? [FH, FW, C, FN] : [FN, C, FH, FW], data: out };
}

/**
 * The forward window of a conv of x (its shape) by an HWIO filter, or null where zeroconv's sizes
 * differ, or a gradient's dy has not the result's shape.
 */
function convWindow(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: KernelArgs["attrs"],
  layout: Layout,
  dy?: { shape: readonly number[] },
): Window | null {
  const ci = backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    layout === "NHWC" ? "channelsLast" : "channelsFirst",
  );
  return windowOf(ci, dy);
}

function conv(args: KernelArgs, fused: boolean): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const layout = layoutOf(attrs.dataFormat);
  const x = inputs.x;
  const filter = inputs.filter;
  if (layout === null || !served(x) || !served(filter)) return null;
  const win = convWindow(x.shape, filter.shape, attrs, layout);
  if (win === null) return null;
  const FN = filter.shape[3];
  const f = fused ? fusedOf(args, FN, 4, layout === "NHWC" ? 0 : 2) : NONE;
  if (f === null) return null;
  // NCHW's filter is transposed here at each call: that layout is rare in tfjs, and its copy is the filter's.
  const t = layout === "NHWC" ? resident(backend, x, filter) : resident(backend, x);
  const w = layout === "NHWC" ? t : floats(backend, filter);
  if (t === null || w === null) return null;
  const W = layout === "NHWC" ? w[1] : transposeFilter(w[0] as TensorLike, false);
  const y = conv2d(t[0], W, f.bias, { ...win, layout, activation: f.activation, alpha: f.alpha });
  return output(backend, y);
}

export const conv2D: ZeroconvKernel = (args) => conv(args, false);
export const fusedConv2D: ZeroconvKernel = (args) => conv(args, true);

export const conv2DBackpropInput: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const layout = layoutOf(attrs.dataFormat);
  const { dy, filter } = inputs;
  if (layout === null || !served(dy) || !served(filter)) return null;
  const win = convWindow(attrs.inputShape, filter.shape, attrs, layout, dy);
  if (win === null) return null;
  const opts = { ...win, layout };
  if (layout === "NHWC") {
    const [d, W] = resident(backend, dy, filter) as Input[];
    return output(backend, backpropInput(d, W, attrs.inputShape, opts));
  }
  const [d, W] = floats(backend, dy, filter) as TensorLike[];
  return output(backend, backpropInput(d, transposeFilter(W, false), attrs.inputShape, opts));
};

export const conv2DBackpropFilter: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const layout = layoutOf(attrs.dataFormat);
  const { x, dy } = inputs;
  if (layout === null || !served(x) || !served(dy)) return null;
  const hwio = attrs.filterShape as Shape4;
  const win = convWindow(x.shape, hwio, attrs, layout, dy);
  if (win === null) return null;
  if (layout === "NHWC") {
    const [rx, d] = resident(backend, x, dy) as Input[];
    return output(backend, backpropFilter(rx, d, hwio, { ...win, layout }));
  }
  // NCHW's gradient is transposed back to HWIO in JS: its operands are read as arrays.
  const [fx, d] = floats(backend, x, dy) as TensorLike[];
  const [FH, FW, C, FN] = hwio;
  const dW = backpropFilter(fx, d, [FN, C, FH, FW], { ...win, layout });
  const back = transposeFilter(dW, true);
  return backend.makeTensorInfo(hwio, "float32", back.data as Float32Array);
};
