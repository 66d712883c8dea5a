// The package's browser entry ("default" export condition): everything but what reads files.
// No module reachable from here imports a node: module statically; the few Node-only paths
// (file names for weights, worker_threads) reach Node through process.getBuiltinModule at the call.
export { init, type InitOptions, type InitResult } from "./wasm.js";
export { Tensor, type TensorLike } from "./tensor.js";
export { FileFormatError } from "./errors.js";
export { im2col, col2im, type SliceOrder } from "./im2col.js";
export { matmul, type MatmulOptions } from "./matmul.js";
export { conv2d, Convolution, type ConvOptions } from "./convolution.js";
export { maxPool2d, Pooling, type MaxPoolOptions } from "./pooling.js";
export { Relu } from "./relu.js";
export { Affine } from "./affine.js";
export { SoftmaxWithLoss } from "./softmax_with_loss.js";
export { type Labels } from "./labels.js";
export { SGD } from "./sgd.js";
export { Adam, type AdamOptions } from "./adam.js";
export { Random } from "./random.js";
export {
  SimpleConvNet, PARAM_NAMES, type SimpleConvNetOptions, type ConvParam, type Params, type ParamName,
} from "./simple_convnet.js";
export { train, type TrainOptions, type TrainResult, type StepInfo, type EpochInfo } from "./trainer.js";
export { memoryStats, type MemoryStats } from "./stats.js";
