import { loadLanes } from "./winograd_io";

// F(4x4, 3x3)'s filter transform U = G g G^T of each 3x3 filter g, written as the B operands of
// winograd_gemm: for each of the 36 points, a [ldu, fn] matrix (input channel, filter) packed in
// 8-filter panels as sgemm_pack_b_8 packs it, the points ldu * ceil(fn / 8) * 8 floats apart.
// Tap (ky, kx) of filter f, channel ch is at w + (f*fs + ch*cs + ky*ys + kx*xs) floats, so OIHW
// and HWIO are strides. Channels c .. ldu - 1 and the panels' filters past fn are zero.
// Vectorised along filters.
export function winograd_f43_filter_transform(
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
        for (let i = 0; i < 36; i++) v128.store(out + <usize>i * point, f32x4.splat(0));
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
  const row = point * 6;
  // Columns: G g, each filter column's three taps to six values in slots 6*i + kx.
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
  // Rows: (G g) G^T in place, point (i, j) in slot 6*i + j.
  for (let i = 0; i < 6; i++) {
    const p = out + <usize>i * row;
    transform3(v128.load(p), v128.load(p + point), v128.load(p + 2 * point), p, point);
  }
}

// G times three values, six out at dst + i*stride.
@inline function transform3(g0: v128, g1: v128, g2: v128, dst: usize, stride: usize): void {
  const even = f32x4.add(g0, g2);
  const sixth = f32x4.splat(<f32>(1.0 / 6.0));
  const outer = f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 24.0)), g0), f32x4.mul(sixth, g2));
  const middle = f32x4.mul(f32x4.splat(<f32>(1.0 / 12.0)), g1);
  v128.store(dst, f32x4.mul(f32x4.splat(0.25), g0));
  v128.store(dst + stride, f32x4.neg(f32x4.mul(sixth, f32x4.add(even, g1))));
  v128.store(dst + 2 * stride, f32x4.neg(f32x4.mul(sixth, f32x4.sub(even, g1))));
  v128.store(dst + 3 * stride, f32x4.add(outer, middle));
  v128.store(dst + 4 * stride, f32x4.sub(outer, middle));
  v128.store(dst + 5 * stride, g2);
}
