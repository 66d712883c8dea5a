import { sgemm_pack_a_4 } from "./sgemm_pack_a_4";
import { sgemm_pack_b_8 } from "./sgemm_pack_b_8";
import { sgemm_ukernel_4x8 } from "./sgemm_ukernel_4x8";

// Cache blocking (BLIS loop order): a KC x NR micro-panel of B (8 KiB) stays in L1 while the
// MC x KC block of A (128 KiB) streams from L2; the KC x NC panel of B lives in L2/L3.
const MC: i32 = 128;
const KC: i32 = 256;
const NC: i32 = 1024;

// Bytes of scratch sgemm needs for its packed panels; the caller owns that memory.
export function sgemm_workspace_bytes(): i32 {
  return (MC * KC + KC * NC) << 2;
}

// C[m x n] = A[m x k] * B[k x n] + beta * C, where A(i, p) = a[i*rsA + p*csA] and
// B(p, j) = b[p*rsB + j*csB] (floats), so transposed operands cost nothing extra. C has row
// stride ldc. beta = 0 overwrites C without reading it (NaN in C does not leak through).
export function sgemm(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  beta: f32, c: usize, ldc: i32,
  work: usize,
): void {
  if (k == 0) {
    scaleC(m, n, beta, c, ldc);
    return;
  }
  const packedA = work;
  const packedB = work + (<usize>(MC * KC) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      sgemm_pack_b_8(b + (<usize>pc * rsB + <usize>jc * csB << 2), rsB, csB, kc, nc, packedB);
      const betaStep: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        sgemm_pack_a_4(a + (<usize>ic * rsA + <usize>pc * csA << 2), rsA, csA, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += 8) {
          const nr = min(8, nc - jr);
          const bPanel = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += 4) {
            sgemm_ukernel_4x8(
              kc, packedA + (<usize>(ir * kc) << 2), bPanel,
              c + ((<usize>(ic + ir) * ldc + jc + jr) << 2), ldc, betaStep, min(4, mc - ir), nr,
            );
          }
        }
      }
    }
  }
}

function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < n; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta != 0 ? beta * load<f32>(p) : 0);
    }
  }
}
