import { loadPixel } from "./winograd_io";

// F(4x4, 3x3)'s input transform V = B^T d B (Lavin and Gray's points 0, +-1, +-2, infinity) of
// one 6x6 tile d at input row iy0, column ix0, for the channels at p (see winograd_io's loads),
// into its 36 points at out + (6*i + j) * slot: the rows' pass stores into those slots and the
// columns' pass transforms them in place. winograd_input_transform runs it over tiles and channels.
@inline export function f43InputPoints(
  p: usize, iy0: i32, ix0: i32, h: i32, w: i32, rs: usize, ps: usize, step: usize, n: i32,
  out: usize, slot: usize, whole: bool, checked: bool,
): void {
  for (let r = 0; r < 6; r++) {
    const iy = iy0 + r;
    transform6(
      loadPixel(p, iy, ix0, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 1, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 2, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 3, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 4, h, w, rs, ps, step, n, whole, checked),
      loadPixel(p, iy, ix0 + 5, h, w, rs, ps, step, n, whole, checked),
      out + <usize>(r * 6) * slot,
      slot,
    );
  }
  const s6 = slot * 6;
  for (let j = 0; j < 6; j++) {
    const q = out + <usize>j * slot;
    transform6(
      v128.load(q), v128.load(q + s6), v128.load(q + 2 * s6),
      v128.load(q + 3 * s6), v128.load(q + 4 * s6), v128.load(q + 5 * s6), q, s6,
    );
  }
}

// One row or column of B^T d: six values in, six out at dst + i*stride.
@inline function transform6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, stride: usize): void {
  const four = f32x4.splat(4);
  const a = f32x4.sub(d4, d2);
  const b = f32x4.sub(d3, d1);
  const b2 = f32x4.add(b, b);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(f32x4.splat(5), d2)), d4));
  v128.store(dst + stride, f32x4.sub(f32x4.add(d3, d4), f32x4.mul(four, f32x4.add(d1, d2))));
  v128.store(dst + 2 * stride, f32x4.add(f32x4.sub(d4, d3), f32x4.mul(four, f32x4.sub(d1, d2))));
  v128.store(dst + 3 * stride, f32x4.add(a, b2));
  v128.store(dst + 4 * stride, f32x4.sub(a, b2));
  v128.store(dst + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(f32x4.splat(5), d3)), d5));
}
