import { clearEpilogue } from "../elementwise/epilogue";
import { sgemm_pack_a_4 } from "../gemm/sgemm_pack_a_4";
import { sgemm_pack_b_8 } from "../gemm/sgemm_pack_b_8";
import { pointwise_nchw_4x8 } from "./pointwise_nchw_4x8";

// y[m x n] = act(W[m x k] x[k x n] + bias) for one NCHW image's 1x1 stride-1 convolution (or a
// range of its pixels): W row-major, x's rows ldx floats apart (the image's P), y's ldy apart.
// Where K is small (MobileNet's 16 to 160) the blocked SGEMM's packing of x and its second pass
// of the epilogue over C cost as much as the multiply-adds; here only W (m*k floats) is packed,
// and x is read in place. Pixels go in blocks whose k rows of x (16 KB) stay in L1 while every
// 4-row panel of W sweeps them, storing four rows of y in long runs (1.17 -> 1.19x the SGEMM on
// W10, 1.26 -> 1.34x on 16 -> 96 at 112x112, against eight columns outer). `work` holds W packed,
// ((m + 3) & ~3) * k floats, and x's ragged last panel, 8 * k.
export function pointwise_nchw(
  m: i32,
  n: i32,
  k: i32,
  w: usize,
  x: usize,
  ldx: i32,
  y: usize,
  ldy: i32,
  work: usize,
): void {
  sgemm_pack_a_4(w, k, 1, m, k, work);
  const edge = work + ((<usize>(((m + 3) & ~3) * k)) << 2);
  const full = n & ~7;
  // The last, ragged panel would read past the image's rows: it alone is packed, zero-filled.
  if (full < n) sgemm_pack_b_8(x + ((<usize>full) << 2), ldx, 1, k, n - full, edge);
  const ldxBytes = (<usize>ldx) << 2;
  const block = max(8, min(512, (4096 / k) & ~7));
  for (let j0 = 0; j0 < n; j0 += block) {
    const j1 = min(n, j0 + block);
    for (let i = 0; i < m; i += 4) {
      const a = work + ((<usize>(i * k)) << 2);
      const mr = min(4, m - i);
      for (let j = j0; j < j1; j += 8) {
        const nr = min(8, n - j);
        const b = nr == 8 ? x + ((<usize>j) << 2) : edge;
        const ldb: usize = nr == 8 ? ldxBytes : 32;
        pointwise_nchw_4x8(k, a, b, ldb, y + ((<usize>i * ldy + j) << 2), ldy, mr, nr, i);
      }
    }
  }
  clearEpilogue();
}
