import { madd } from "../gemm/madd";
import { storeTile4x8 } from "../elementwise/store_tile_4x8";

// C[0:mr, 0:nr] = act(A x B_panel + bias) over the whole of K at once, the epilogue in the store
// (store_tile_4x8.ts): A's rows are read in place, row r at a + r*lda bytes with its K values
// contiguous -- a 1x1 NHWC convolution's pixels, each broadcast straight from memory, so the image
// is never packed -- and B_panel is 8 columns packed by sgemm_pack_b_8. col0 is the tile's first
// channel. Rows past mr repeat row 0 (read, never stored), so no load leaves the image.
export function pointwise_nhwc_4x8(
  k: i32,
  a: usize,
  lda: usize,
  b: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  col0: i32,
): void {
  let a0 = a;
  let a1 = mr > 1 ? a + lda : a;
  let a2 = mr > 2 ? a + 2 * lda : a;
  let a3 = mr > 3 ? a + 3 * lda : a;
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let ai = v128.load32_splat(a0);
    c00 = madd(ai, b0, c00);
    c01 = madd(ai, b1, c01);
    ai = v128.load32_splat(a1);
    c10 = madd(ai, b0, c10);
    c11 = madd(ai, b1, c11);
    ai = v128.load32_splat(a2);
    c20 = madd(ai, b0, c20);
    c21 = madd(ai, b1, c21);
    ai = v128.load32_splat(a3);
    c30 = madd(ai, b0, c30);
    c31 = madd(ai, b1, c31);
    a0 += 4;
    a1 += 4;
    a2 += 4;
    a3 += 4;
    b += 32;
  }
  storeTile4x8(c, ldc, mr, nr, 0, col0, 2, c00, c01, c10, c11, c20, c21, c30, c31);
}
