import { Tensor, type TensorLike } from "./tensor.js";

/** A Tensor as it is (so in-place updates by an optimiser stay shared), or a float32 copy of any TensorLike. */
export function asTensor(v: TensorLike): Tensor {
  return v instanceof Tensor ? v : new Tensor(Float32Array.from(v.data), Array.from(v.shape));
}
