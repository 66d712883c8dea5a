// F(4x4, 3x3)'s output transform Y = A^T M A of one tile's 6x6 products at q + (6*i + j) * slot,
// in place: output (i, j) of the tile is then in slot 6*i + j. winograd_output_transform runs it
// over tiles and channels and stores the outputs.
@inline export function f43OutputPoints(q: usize, slot: usize): void {
  const s6 = slot * 6;
  // Rows: M A, each row's six points to four values in its first four slots.
  for (let r = 0; r < 6; r++) {
    const p = q + <usize>r * s6;
    transform4(
      v128.load(p), v128.load(p + slot), v128.load(p + 2 * slot),
      v128.load(p + 3 * slot), v128.load(p + 4 * slot), v128.load(p + 5 * slot), p, slot,
    );
  }
  // Columns: A^T (M A).
  for (let j = 0; j < 4; j++) {
    const p = q + <usize>j * slot;
    transform4(
      v128.load(p), v128.load(p + s6), v128.load(p + 2 * s6),
      v128.load(p + 3 * s6), v128.load(p + 4 * s6), v128.load(p + 5 * s6), p, s6,
    );
  }
}

// One row of M A (or column of A^T M): six values in, four out at dst + i*stride.
@inline function transform4(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, stride: usize): void {
  const a = f32x4.add(m1, m2);
  const b = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4);
  const d = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, a), c));
  v128.store(dst + stride, f32x4.add(b, f32x4.add(d, d)));
  v128.store(dst + 2 * stride, f32x4.add(a, f32x4.mul(f32x4.splat(4), c)));
  v128.store(dst + 3 * stride, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5));
}
