import { loadLanes } from "./winograd_io";

// F(2x2, 3x3)'s filter transform U = G g G^T, laid out as winograd_f43_filter_transform's with
// 16 points.
export function winograd_f23_filter_transform(
  w: usize,
  fn: i32,
  c: i32,
  fs: i32,
  cs: i32,
  ys: i32,
  xs: i32,
  ldu: i32,
  u: usize,
): void {
  const panels = (fn + 7) >> 3;
  const point = (<usize>ldu * panels) << 5;
  const step = (<usize>fs) << 2;
  const whole = fs == 1 && (fn & 3) == 0;
  for (let f = 0; f < panels << 3; f += 4) {
    const n = fn - f;
    for (let ch = 0; ch < ldu; ch++) {
      const out = u + ((<usize>((f >> 3) * ldu + ch) << 5) + ((<usize>(f & 7)) << 2));
      if (n <= 0 || ch >= c) {
        for (let i = 0; i < 16; i++) v128.store(out + <usize>i * point, f32x4.splat(0));
        continue;
      }
      const g = w + ((<usize>f * fs + <usize>ch * cs) << 2);
      if (whole) filterOf(g, ys, xs, step, n, out, point, true);
      else filterOf(g, ys, xs, step, n, out, point, false);
    }
  }
}

// In registers: a row of G g (three values, from the nine taps) at a time, each transformed and
// stored at once. Reading back points stored far apart (a filter's points lie one
// [ldu, fn] matrix apart) thrashed a cache set: W4's transform took 0.36 ms that way.
@inline function filterOf(g: usize, ys: i32, xs: i32, step: usize, n: i32, out: usize, point: usize, whole: bool): void {
  const ysB = (<usize>ys) << 2;
  const xsB = (<usize>xs) << 2;
  const a0 = loadLanes(g, step, n, whole);
  const a1 = loadLanes(g + xsB, step, n, whole);
  const a2 = loadLanes(g + 2 * xsB, step, n, whole);
  const b0 = loadLanes(g + ysB, step, n, whole);
  const b1 = loadLanes(g + ysB + xsB, step, n, whole);
  const b2 = loadLanes(g + ysB + 2 * xsB, step, n, whole);
  const c0 = loadLanes(g + 2 * ysB, step, n, whole);
  const c1 = loadLanes(g + 2 * ysB + xsB, step, n, whole);
  const c2 = loadLanes(g + 2 * ysB + 2 * xsB, step, n, whole);
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
