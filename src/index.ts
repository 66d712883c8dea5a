export { init, type InitOptions, type InitResult } from "./wasm.js";
export { Tensor, type TensorLike } from "./tensor.js";
export { im2col, col2im, type SliceOrder } from "./im2col.js";
export { matmul } from "./matmul.js";
export { conv2d, Convolution, type ConvOptions } from "./convolution.js";
export { maxPool2d, Pooling, type MaxPoolOptions } from "./pooling.js";
export { memoryStats, type MemoryStats } from "./stats.js";
