import { formatShape, Tensor, type TensorLike } from "./tensor.js";
import { checkTensor } from "./validate.js";
import { readTensor, sgemmWorkspaceFloats, withBuffers, writeFloats } from "./memory.js";
import { getRuntime } from "./wasm.js";

/** Matrix product [M, K] x [K, N] -> [M, N] in float32 (SIMD SGEMM). */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const fn = "matmul";
  const rt = getRuntime();
  const [M, K] = checkTensor(fn, "a", a, ["M", "K"]);
  const [K2, N] = checkTensor(fn, "b", b, ["K", "N"]);
  if (K2 !== K) {
    throw new RangeError(`${fn}: b must have ${K} rows to match a's columns; a is ${formatShape([M, K])}, b is ${formatShape([K2, N])}`);
  }
  return withBuffers(rt, fn, [M * K, K * N, M * N, sgemmWorkspaceFloats(rt)], ([pa, pb, pc, work]) => {
    writeFloats(rt, pa, a.data);
    writeFloats(rt, pb, b.data);
    rt.kernels.sgemm(M, N, K, pa, K, 1, pb, N, 1, 0, pc, N, work);
    return readTensor(rt, pc, [M, N]);
  });
}
