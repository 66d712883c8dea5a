import { sgemm_pack_a_4 } from "./sgemm_pack_a_4";
import { sgemm_ukernel_4x8 } from "./sgemm_ukernel_4x8";
import { applyEpilogue, clearEpilogue, epilogueActive } from "../elementwise/epilogue";

// Cache blocking (BLIS loop order): a KC x NR micro-panel of B (8 KiB) stays in L1 while the
// MC x KC block of A (128 KiB) streams from L2; the KC x NC panel of B lives in L2/L3.
const MC: i32 = 128;
const KC: i32 = 256;
const NC: i32 = 1024;

// Bytes of scratch the blocked GEMM needs for its packed panels; the caller owns that memory.
export function sgemm_workspace_bytes(): i32 {
  return (MC * KC + KC * NC) << 2;
}

/**
 * Packs rows [pc, pc + kc) and columns [jc, jc + nc) of B into NR = 8 column panels at dst (the
 * layout of sgemm_pack_b_8). What B is -- a matrix, or an image read as its im2col matrix -- is
 * the packer's business: BLIS's split of packing from the micro-kernel, so one driver serves both.
 */
export type PackB = (pc: i32, kc: i32, jc: i32, nc: i32, dst: usize) => void;

// Equal blocks of at most `max` (a multiple of `align`): K = 576 runs as 3 x 192 rather than
// 256 + 256 + 64, whose short last block pays a full C read-modify-write for a quarter of the work.
@inline function blockSize(total: i32, max: i32, align: i32): i32 {
  const blocks = (total + max - 1) / max;
  const even = (total + blocks - 1) / blocks;
  return min(max, (even + align - 1) / align * align);
}

// C[m x n] = A[m x k] * B[k x n] + beta * C, with A(i, p) = a[i*rsA + p*csA] (floats), B packed
// by packB and C of row stride ldc. beta = 0 overwrites C without reading it.
export function gemmBlocked(
  m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, packB: PackB,
  beta: f32, c: usize, ldc: i32, work: usize, packedWhole: usize = 0,
): void {
  const packedA = work;
  const packedB = work + (<usize>(MC * KC) << 2);
  const ncBlock = blockSize(n, NC, 8), kcBlock = blockSize(k, KC, 1);
  const epilogue = epilogueActive();
  for (let jc = 0; jc < n; jc += ncBlock) {
    const nc = min(ncBlock, n - jc);
    for (let pc = 0; pc < k; pc += kcBlock) {
      const kc = min(kcBlock, k - pc);
      if (packedWhole == 0) packB(pc, kc, jc, nc, packedB);
      const betaStep: f32 = pc == 0 ? beta : 1;
      const last = epilogue && pc + kc == k;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        sgemm_pack_a_4(a + (<usize>ic * rsA + <usize>pc * csA << 2), rsA, csA, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += 8) {
          const nr = min(8, nc - jr);
          // A B packed whole holds each 8-column panel for all k: this block's part starts at row pc.
          const bPanel = packedWhole != 0
            ? packedWhole + ((<usize>(jc + jr) * k + <usize>(pc << 3)) << 2)
            : packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += 4) {
            sgemm_ukernel_4x8(
              kc, packedA + (<usize>(ir * kc) << 2), bPanel,
              c + ((<usize>(ic + ir) * ldc + jc + jr) << 2), ldc, betaStep, min(4, mc - ir), nr,
            );
            if (last) applyEpilogue(c + ((<usize>(ic + ir) * ldc + jc + jr) << 2), ldc, min(4, mc - ir), nr, ic + ir, jc + jr);
          }
        }
      }
    }
  }
  clearEpilogue();
}
