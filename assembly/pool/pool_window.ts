// What the pooling kernels share: the average's divisor along one axis, for a window that starts
// at i0 (in input coordinates, negative in the leading padding), and the sixteen-lane maximum.
// Which taps land inside is ../window/taps.ts; the callers guarantee every window has one
// (src/ops/pool_geometry.ts refuses padding that would leave one empty).

// The elements of a k-wide window at i0 that an average divides by: those inside [0, size), or
// with includePad those inside the padded extent, which ends `after` past the input. A ceil-mode
// window that hangs past that extent never counts the overhang (PyTorch's rule); windows never
// start before the leading padding, so its side needs no clamp.
export function divisor(i0: i32, k: i32, size: i32, after: i32, includePad: bool): i32 {
  if (includePad) return min(i0 + k, size + after) - i0;
  return min(i0 + k, size) - max(i0, 0);
}

// q[0..16) = the maximum of the sixteen floats at p, p + step, ..., p + (count - 1)*step, lane by
// lane, by the windowed kernels' rules: pmax keeps the first maximum, and a NaN anywhere wins
// (its lanes OR'd in at the end).
export function max16(p: usize, step: usize, count: i32, q: usize): void {
  let b0 = v128.load(p),
    b1 = v128.load(p, 16),
    b2 = v128.load(p, 32),
    b3 = v128.load(p, 48);
  let n0 = f32x4.ne(b0, b0),
    n1 = f32x4.ne(b1, b1),
    n2 = f32x4.ne(b2, b2),
    n3 = f32x4.ne(b3, b3);
  for (let i = 1; i < count; i++) {
    p += step;
    const v0 = v128.load(p),
      v1 = v128.load(p, 16),
      v2 = v128.load(p, 32),
      v3 = v128.load(p, 48);
    b0 = f32x4.pmax(b0, v0);
    b1 = f32x4.pmax(b1, v1);
    b2 = f32x4.pmax(b2, v2);
    b3 = f32x4.pmax(b3, v3);
    n0 = v128.or(n0, f32x4.ne(v0, v0));
    n1 = v128.or(n1, f32x4.ne(v1, v1));
    n2 = v128.or(n2, f32x4.ne(v2, v2));
    n3 = v128.or(n3, f32x4.ne(v3, v3));
  }
  v128.store(q, v128.or(b0, n0));
  v128.store(q, v128.or(b1, n1), 16);
  v128.store(q, v128.or(b2, n2), 32);
  v128.store(q, v128.or(b3, n3), 48);
}
