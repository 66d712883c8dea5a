import { gemmBlocked } from "./gemm_blocked";
import { clearEpilogue } from "../elementwise/epilogue";
import { sgemm_pack_b_8 } from "./sgemm_pack_b_8";

// Where packMatrixB reads B. Globals because a packer is a function reference without a closure;
// each thread has its own instance, hence its own copies.
let bBase: usize = 0;
let bRs: i32 = 0;
let bCs: i32 = 0;

function packMatrixB(pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  sgemm_pack_b_8(bBase + ((<usize>pc * bRs + <usize>jc * bCs) << 2), bRs, bCs, kc, nc, dst);
}

// C[m x n] = A[m x k] * B[k x n] + beta * C, where A(i, p) = a[i*rsA + p*csA] and
// B(p, j) = b[p*rsB + j*csB] (floats), so transposed operands cost nothing extra. C has row
// stride ldc. beta = 0 overwrites C without reading it (NaN in C does not leak through).
export function sgemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsA: i32,
  csA: i32,
  b: usize,
  rsB: i32,
  csB: i32,
  beta: f32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (k == 0) {
    scaleC(m, n, beta, c, ldc);
    return;
  }
  bBase = b;
  bRs = rsB;
  bCs = csB;
  gemmBlocked(m, n, k, a, rsA, csA, packMatrixB, beta, c, ldc, work);
}

// C[m x n] = A[m x k] * B[k x n] for a B already packed whole by sgemm_pack_b_8 (all k rows,
// all n columns): for a B that several calls or threads share, packed once instead of per call.
export function sgemm_packed_b(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsA: i32,
  csA: i32,
  packedB: usize,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (k == 0) {
    scaleC(m, n, 0, c, ldc);
    return;
  }
  gemmBlocked(m, n, k, a, rsA, csA, packMatrixB, 0, c, ldc, work, packedB); // the packer goes unused
}

function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  clearEpilogue(); // k = 0 never reaches gemmBlocked, which otherwise clears it
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>(i * ldc)) << 2);
    for (let j = 0; j < n; j++) {
      const p = row + ((<usize>j) << 2);
      store<f32>(p, beta != 0 ? beta * load<f32>(p) : 0);
    }
  }
}
