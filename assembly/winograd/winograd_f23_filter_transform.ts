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

@inline function filterOf(g: usize, ys: i32, xs: i32, step: usize, n: i32, out: usize, point: usize, whole: bool): void {
  const ysB = (<usize>ys) << 2;
  const xsB = (<usize>xs) << 2;
  const row = point * 4;
  for (let kx = 0; kx < 3; kx++) {
    const p = g + <usize>kx * xsB;
    transform3(
      loadLanes(p, step, n, whole),
      loadLanes(p + ysB, step, n, whole),
      loadLanes(p + 2 * ysB, step, n, whole),
      out + <usize>kx * point,
      row,
    );
  }
  for (let i = 0; i < 4; i++) {
    const p = out + <usize>i * row;
    transform3(v128.load(p), v128.load(p + point), v128.load(p + 2 * point), p, point);
  }
}

// G times three values, four out at dst + i*stride.
@inline function transform3(g0: v128, g1: v128, g2: v128, dst: usize, stride: usize): void {
  const half = f32x4.splat(0.5);
  const even = f32x4.add(g0, g2);
  v128.store(dst, g0);
  v128.store(dst + stride, f32x4.mul(half, f32x4.add(even, g1)));
  v128.store(dst + 2 * stride, f32x4.mul(half, f32x4.sub(even, g1)));
  v128.store(dst + 3 * stride, g2);
}
