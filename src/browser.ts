// The layers' `[Symbol.dispose]` needs this lib in a consumer's program too: without it, a
// TypeScript app on the default ES2022 lib (and skipLibCheck off) fails on our .d.ts files.
/// <reference lib="esnext.disposable" preserve="true" />
// The package's browser entry ("default" export condition): everything but what reads files.
// No module reachable from here imports a node: module statically; the few Node-only paths
// (file names for weights, worker_threads) reach Node through process.getBuiltinModule at the call.
export { init, type InitOptions, type InitResult } from "./runtime/wasm.js";
export { Tensor, type TensorLike } from "./tensor/tensor.js";
export { WasmTensor } from "./tensor/wasm_tensor.js";
export { toWasm, type Input } from "./runtime/memory.js";
export { FileFormatError } from "./formats/file_format_error.js";
export { im2col, col2im, type SliceOrder } from "./ops/im2col.js";
export {
  matmul,
  matmulBackward,
  type MatmulBackwardOptions,
  type MatmulGradients,
  type MatmulOptions,
} from "./ops/matmul.js";
export { conv2d, depthwiseConv2d, type ConvOptions, type DepthwiseConvOptions } from "./ops/conv2d.js";
export {
  conv2dBackpropBias,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  type ConvGradOptions,
  type DepthwiseGradOptions,
} from "./ops/conv2d_grad.js";
export { conv2dTranspose, type ConvTransposeOptions } from "./ops/conv2d_transpose.js";
export type { Activation } from "./ops/activation.js";
export type { Layout, Padding, Pair } from "./ops/options.js";
export { Convolution } from "./layers/convolution.js";
export { maxPool2d, maxPool2dBackward, type MaxPoolOptions } from "./ops/max_pool2d.js";
export { avgPool2d, avgPool2dBackward, type AvgPoolOptions } from "./ops/avg_pool2d.js";
export { add, type AddOptions } from "./ops/add.js";
export { globalAvgPool2d, globalMaxPool2d, type GlobalPoolOptions } from "./ops/global_pool2d.js";
export type { PoolWindowOptions } from "./ops/pool_geometry.js";
export { Pooling } from "./layers/pooling.js";
export { Relu } from "./layers/relu.js";
export { Affine } from "./layers/affine.js";
export { SoftmaxWithLoss } from "./layers/softmax_with_loss.js";
export type { Labels } from "./layers/labels.js";
export { SGD } from "./optimizers/sgd.js";
export { Adam, type AdamOptions } from "./optimizers/adam.js";
export { Random } from "./network/random.js";
export {
  SimpleConvNet,
  PARAM_NAMES,
  type SimpleConvNetOptions,
  type ConvParam,
  type Params,
  type ParamName,
} from "./network/simple_convnet.js";
export { train, type TrainOptions, type TrainResult, type StepInfo, type EpochInfo } from "./network/trainer.js";
export { memoryStats, type MemoryStats } from "./runtime/memory_stats.js";
