// F(2x2, 3x3)'s filter transform U = G g G^T of four filters' 3x3 taps, point (i, j) at
// out + (4*i + j) * point: f43FilterPoints's scheme.
@inline export function f23FilterPoints(
  a0: v128, a1: v128, a2: v128, b0: v128, b1: v128, b2: v128, c0: v128, c1: v128, c2: v128, out: usize, point: usize,
): void {
  transform3(gRow(0, a0, b0, c0), gRow(0, a1, b1, c1), gRow(0, a2, b2, c2), out + point * 0, point);
  transform3(gRow(1, a0, b0, c0), gRow(1, a1, b1, c1), gRow(1, a2, b2, c2), out + point * 4, point);
  transform3(gRow(2, a0, b0, c0), gRow(2, a1, b1, c1), gRow(2, a2, b2, c2), out + point * 8, point);
  transform3(gRow(3, a0, b0, c0), gRow(3, a1, b1, c1), gRow(3, a2, b2, c2), out + point * 12, point);
}

// G times three values (a filter column's or row's taps), 4 out at dst + i*stride.
@inline function transform3(g0: v128, g1: v128, g2: v128, dst: usize, stride: usize): void {
  v128.store(dst + stride * 0, gRow(0, g0, g1, g2));
  v128.store(dst + stride * 1, gRow(1, g0, g1, g2));
  v128.store(dst + stride * 2, gRow(2, g0, g1, g2));
  v128.store(dst + stride * 3, gRow(3, g0, g1, g2));
}

// Row i of G (points 0, +-1, infinity) times (g0, g1, g2); i is a constant at each call.
@inline function gRow(i: i32, g0: v128, g1: v128, g2: v128): v128 {
  if (i == 0) return g0;
  if (i == 3) return g2;
  const even = f32x4.add(g0, g2);
  return f32x4.mul(f32x4.splat(0.5), i == 1 ? f32x4.add(even, g1) : f32x4.sub(even, g1));
}
