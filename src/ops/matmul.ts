import { describe, formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkTensor } from "../tensor/validate.js";
import {
  checkOut,
  readResult,
  sgemmWorkspaceFloats,
  withBuffers,
  writeFloats,
  type OutTensor,
} from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { forShares, threadsFor } from "../runtime/parallel.js";

export interface MatmulOptions {
  /**
   * Where to write the result, [M, N] exactly: a Tensor or any { shape, data } with Float32Array
   * data, which is returned (or wrapped in a Tensor) instead of a new array, so a caller can reuse
   * its buffers and skip a fresh array's page faults. It may be a's or b's array.
   */
  out?: OutTensor | null;
}

/** Matrix product [M, K] x [K, N] -> [M, N] in float32 (SIMD SGEMM). */
export function matmul(a: TensorLike, b: TensorLike, opts: MatmulOptions = {}): Tensor {
  const fn = "matmul";
  const rt = getRuntime();
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`${fn}: opts must be an object like { out }; got ${describe(opts)}`);
  }
  const [M, K] = checkTensor(fn, "a", a, ["M", "K"]);
  const [K2, N] = checkTensor(fn, "b", b, ["K", "N"]);
  if (K2 !== K) {
    throw new RangeError(
      `${fn}: b must have ${K} rows to match a's columns; a is ${formatShape([M, K])}, b is ${formatShape([K2, N])}`,
    );
  }
  const out = checkOut(fn, opts.out, [M, N], ["M", "N"]);
  // Rows of A (whole 4-row panels) are shared out across threads, each with its own scratch.
  const threads = threadsFor(rt, Math.ceil(M / 4));
  const works = Array<number>(threads).fill(sgemmWorkspaceFloats(rt));
  return withBuffers(rt, fn, [M * K, K * N, M * N, ...works], ([pa, pb, pc, ...work]) => {
    writeFloats(rt, pa, a.data);
    writeFloats(rt, pb, b.data);
    forShares(
      rt,
      M,
      threads,
      (k, first, rows, t) => {
        k.sgemm(rows, N, K, pa + first * K * 4, K, 1, pb, N, 1, 0, pc + first * N * 4, N, work[t]);
      },
      4,
    );
    return readResult(rt, pc, [M, N], out);
  });
}
