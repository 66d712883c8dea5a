import { formatShape, Tensor, type TensorLike } from "./tensor.js";
import { checkTensor } from "./validate.js";
import { readTensor, sgemmWorkspaceFloats, withBuffers, writeFloats } from "./memory.js";
import { getRuntime } from "./wasm.js";
import { forShares, threadsFor } from "./parallel.js";

/** Matrix product [M, K] x [K, N] -> [M, N] in float32 (SIMD SGEMM). */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const fn = "matmul";
  const rt = getRuntime();
  const [M, K] = checkTensor(fn, "a", a, ["M", "K"]);
  const [K2, N] = checkTensor(fn, "b", b, ["K", "N"]);
  if (K2 !== K) {
    throw new RangeError(`${fn}: b must have ${K} rows to match a's columns; a is ${formatShape([M, K])}, b is ${formatShape([K2, N])}`);
  }
  // Rows of A (whole 4-row panels) are shared out across threads, each with its own scratch.
  const threads = threadsFor(rt, Math.ceil(M / 4));
  const works = Array<number>(threads).fill(sgemmWorkspaceFloats(rt));
  return withBuffers(rt, fn, [M * K, K * N, M * N, ...works], ([pa, pb, pc, ...work]) => {
    writeFloats(rt, pa, a.data);
    writeFloats(rt, pb, b.data);
    forShares(rt, M, threads, (k, first, rows, t) => {
      k.sgemm(rows, N, K, pa + first * K * 4, K, 1, pb, N, 1, 0, pc + first * N * 4, N, work[t]);
    }, 4);
    return readTensor(rt, pc, [M, N]);
  });
}
