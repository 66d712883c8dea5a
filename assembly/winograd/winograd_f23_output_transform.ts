// F(2x2, 3x3)'s output transform Y = A^T M A of one tile's 4x4 products, in place: output (i, j)
// is then in slot 4*i + j (f43OutputPoints's scheme).
@inline export function f23OutputPoints(q: usize, slot: usize): void {
  const s4 = slot * 4;
  for (let r = 0; r < 4; r++) {
    const p = q + <usize>r * s4;
    transform2(v128.load(p), v128.load(p + slot), v128.load(p + 2 * slot), v128.load(p + 3 * slot), p, slot);
  }
  for (let j = 0; j < 2; j++) {
    const p = q + <usize>j * slot;
    transform2(v128.load(p), v128.load(p + s4), v128.load(p + 2 * s4), v128.load(p + 3 * s4), p, s4);
  }
}

// One row of M A (or column of A^T M): four values in, two out at dst + i*stride.
@inline function transform2(m0: v128, m1: v128, m2: v128, m3: v128, dst: usize, stride: usize): void {
  v128.store(dst, f32x4.add(f32x4.add(m0, m1), m2));
  v128.store(dst + stride, f32x4.sub(f32x4.sub(m1, m2), m3));
}
