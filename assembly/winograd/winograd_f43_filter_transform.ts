// F(4x4, 3x3)'s filter transform U = G g G^T of four filters' 3x3 taps (a = row 0, b = row 1,
// c = row 2; 0-2 the columns), point (i, j) stored at out + (6*i + j) * point. In registers, a row of G g at
// a time: reading back points stored a whole [ldu, fn] matrix apart thrashed a cache set (W4's
// transform took 0.36 ms that way, 0.17 ms so). winograd_filter_transform loads the taps.
@inline export function f43FilterPoints(
  a0: v128, a1: v128, a2: v128, b0: v128, b1: v128, b2: v128, c0: v128, c1: v128, c2: v128, out: usize, point: usize,
): void {
  transform3(gRow(0, a0, b0, c0), gRow(0, a1, b1, c1), gRow(0, a2, b2, c2), out + point * 0, point);
  transform3(gRow(1, a0, b0, c0), gRow(1, a1, b1, c1), gRow(1, a2, b2, c2), out + point * 6, point);
  transform3(gRow(2, a0, b0, c0), gRow(2, a1, b1, c1), gRow(2, a2, b2, c2), out + point * 12, point);
  transform3(gRow(3, a0, b0, c0), gRow(3, a1, b1, c1), gRow(3, a2, b2, c2), out + point * 18, point);
  transform3(gRow(4, a0, b0, c0), gRow(4, a1, b1, c1), gRow(4, a2, b2, c2), out + point * 24, point);
  transform3(gRow(5, a0, b0, c0), gRow(5, a1, b1, c1), gRow(5, a2, b2, c2), out + point * 30, point);
}

// G times three values (a filter column's or row's taps), 6 out at dst + i*stride.
@inline function transform3(g0: v128, g1: v128, g2: v128, dst: usize, stride: usize): void {
  v128.store(dst + stride * 0, gRow(0, g0, g1, g2));
  v128.store(dst + stride * 1, gRow(1, g0, g1, g2));
  v128.store(dst + stride * 2, gRow(2, g0, g1, g2));
  v128.store(dst + stride * 3, gRow(3, g0, g1, g2));
  v128.store(dst + stride * 4, gRow(4, g0, g1, g2));
  v128.store(dst + stride * 5, gRow(5, g0, g1, g2));
}

// Row i of G (Lavin and Gray's points 0, +-1, +-2, infinity) times (g0, g1, g2); i is a constant at each call.
@inline function gRow(i: i32, g0: v128, g1: v128, g2: v128): v128 {
  if (i == 0) return f32x4.mul(f32x4.splat(0.25), g0);
  if (i == 5) return g2;
  const even = f32x4.add(g0, g2);
  if (i == 1) return f32x4.mul(f32x4.splat(<f32>(-1.0 / 6.0)), f32x4.add(even, g1));
  if (i == 2) return f32x4.mul(f32x4.splat(<f32>(-1.0 / 6.0)), f32x4.sub(even, g1));
  const outer = f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 24.0)), g0), f32x4.mul(f32x4.splat(<f32>(1.0 / 6.0)), g2));
  const middle = f32x4.mul(f32x4.splat(<f32>(1.0 / 12.0)), g1);
  return i == 3 ? f32x4.add(outer, middle) : f32x4.sub(outer, middle);
}
