import { loadPixel } from "./winograd_io";

// F(2x2, 3x3)'s input transform V = B^T d B (points 0, +-1, infinity) of one 4x4 tile, into its
// 16 points at out + (4*i + j) * slot: f43InputPoints's scheme with 4x4 tiles.
@inline export function f23InputPoints(
  p: usize, iy0: i32, ix0: i32, h: i32, w: i32, rs: usize, ps: usize, step: usize, n: i32,
  out: usize, slot: usize, whole: bool, checked: bool,
): void {
  for (let r = 0; r < 4; r++) {
    const iy = iy0 + r;
    transform4(
      loadPixel(p, iy, ix0, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 1, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 2, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 3, h, w, rs, ps, step, n, whole, checked),
      out + <usize>(r * 4) * slot,
      slot,
    );
  }
  const s4 = slot * 4;
  for (let j = 0; j < 4; j++) {
    const q = out + <usize>j * slot;
    transform4(v128.load(q), v128.load(q + s4), v128.load(q + 2 * s4), v128.load(q + 3 * s4), q, s4);
  }
}

// One row or column of B^T d: four values in, four out at dst + i*stride.
@inline function transform4(d0: v128, d1: v128, d2: v128, d3: v128, dst: usize, stride: usize): void {
  v128.store(dst, f32x4.sub(d0, d2));
  v128.store(dst + stride, f32x4.add(d1, d2));
  v128.store(dst + 2 * stride, f32x4.sub(d2, d1));
  v128.store(dst + 3 * stride, f32x4.sub(d1, d3));
}
