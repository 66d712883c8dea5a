import { madd } from "../gemm/madd";
import { storeTile4x8 } from "../elementwise/store_tile_4x8";

// C[0:mr, 0:nr] = act(A_panel x B + bias) over the whole of K at once, the epilogue in the store
// (store_tile_4x8.ts): A_panel is 4 rows packed by sgemm_pack_a_4, B's eight columns are read in
// place, row p at b + p*ldb bytes. A 1x1 NCHW convolution's B is the image, already the [C, P]
// row-major matrix, so no panel of it is packed but the ragged last one. row0 is the tile's first
// channel. The SGEMM's 4x8 loop, one k-step per iteration for the same register reasons.
export function pointwise_nchw_4x8(
  k: i32,
  a: usize,
  b: usize,
  ldb: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  row0: i32,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const va = v128.load(a);
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let ai = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
    c00 = madd(ai, b0, c00);
    c01 = madd(ai, b1, c01);
    ai = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
    c10 = madd(ai, b0, c10);
    c11 = madd(ai, b1, c11);
    ai = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
    c20 = madd(ai, b0, c20);
    c21 = madd(ai, b1, c21);
    ai = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
    c30 = madd(ai, b0, c30);
    c31 = madd(ai, b1, c31);
    a += 16;
    b += ldb;
  }
  storeTile4x8(c, ldc, mr, nr, row0, 0, 1, c00, c01, c10, c11, c20, c21, c30, c31);
}
