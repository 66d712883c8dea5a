// zeroconv as a TensorFlow.js backend, the package's "zeroconv/tfjs" entry: a backend named
// "zeroconv" that is tfjs-backend-cpu's (tensors are plain typed arrays, every CPU kernel works
// unchanged) with its convolutions, pools and matmuls run on zeroconv's WebAssembly kernels.
// tfjs's gradient registry calls kernels by name, so tf.grad and model.fit reach the backprop
// kernels below with no code of their own. tfjs re-creates a backend whenever its engine is reset
// (its test suites do between files); the WebAssembly runtime under it is created once. Tensors
// stay in WASM memory between zeroconv's kernels (backend.ts).
import "@tensorflow/tfjs-backend-cpu";
import {
  findBackendFactory,
  getKernel,
  getKernelsForBackend,
  registerBackend as registerTfjsBackend,
  registerKernel,
} from "@tensorflow/tfjs-core";
import { describe } from "../tensor/tensor.js";
import { checkOptions } from "../ops/options.js";
import { init, type InitOptions, type InitResult } from "../runtime/wasm.js";
import { ZeroconvBackend } from "./backend.js";
import { conv2D, conv2DBackpropFilter, conv2DBackpropInput, fusedConv2D } from "./conv_kernels.js";
import {
  depthwiseConv2dNative,
  depthwiseConv2dNativeBackpropFilter,
  depthwiseConv2dNativeBackpropInput,
  fusedDepthwiseConv2D,
} from "./depthwise_kernels.js";
import { BACKEND_NAME, kernelConfig, type ZeroconvKernel } from "./kernel.js";
import { add, mean, multiply, realDiv, relu, sqrt, square, step, sub, sum } from "./elementwise_kernels.js";
import { batchMatMul, fusedMatMul } from "./matmul_kernels.js";
import { avgPool, avgPoolGrad, maxPool, maxPoolGrad } from "./pool_kernels.js";

export { BACKEND_NAME, kernelStats, type KernelStats } from "./kernel.js";
export { ZeroconvBackend } from "./backend.js";

/** The kernels zeroconv runs, by tfjs's kernel names; every other kernel is tfjs-backend-cpu's. */
const KERNELS: Record<string, ZeroconvKernel> = {
  Conv2D: conv2D,
  FusedConv2D: fusedConv2D,
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNative: depthwiseConv2dNative,
  FusedDepthwiseConv2D: fusedDepthwiseConv2D,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
  AvgPool: avgPool,
  AvgPoolGrad: avgPoolGrad,
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  Add: add,
  Sub: sub,
  Multiply: multiply,
  RealDiv: realDiv,
  Relu: relu,
  Step: step,
  Sqrt: sqrt,
  Square: square,
  Sum: sum,
  Mean: mean,
};

export const ZEROCONV_KERNELS: readonly string[] = Object.freeze(Object.keys(KERNELS));

export interface ZeroconvBackendOptions extends InitOptions {
  /**
   * tfjs's backend priority (default 1.5): above "cpu" (1), below "webgl" and "wasm" (2), so that
   * without tf.setBackend tfjs picks zeroconv over its CPU backend and a GPU over zeroconv.
   */
  priority?: number;
}

const KEYS = ["threads", "build", "warmUp", "wasmUrl", "wasmBinary", "priority"] as const;

/**
 * Initialises zeroconv (`init`'s options) and registers the "zeroconv" backend with tfjs; then
 * `await tf.setBackend("zeroconv")`. Later calls return the same result.
 */
export async function registerBackend(options?: ZeroconvBackendOptions): Promise<InitResult> {
  const fn = "registerBackend";
  const { priority = 1.5, ...initOptions } = checkOptions<ZeroconvBackendOptions>(fn, options, KEYS, "{ threads: 2 }");
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new TypeError(`${fn}: options.priority must be a finite number; got ${describe(priority)}`);
  }
  const info = await init(initOptions);
  // Kernels outlive their backend in tfjs's registry (tf.removeBackend leaves them): each is registered once.
  if (!findBackendFactory(BACKEND_NAME)) registerTfjsBackend(BACKEND_NAME, () => new ZeroconvBackend(), priority);
  for (const config of getKernelsForBackend("cpu")) {
    const name = config.kernelName;
    if (getKernel(name, BACKEND_NAME) !== undefined) continue;
    registerKernel(
      Object.hasOwn(KERNELS, name) ? kernelConfig(name, KERNELS[name]) : { ...config, backendName: BACKEND_NAME },
    );
  }
  return info;
}
