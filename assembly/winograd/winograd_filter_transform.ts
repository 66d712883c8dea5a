import { f23FilterPoints } from "./winograd_f23_filter_transform";
import { f43FilterPoints } from "./winograd_f43_filter_transform";
import { loadLanes } from "./winograd_io";

// Winograd's filter transform (tile = 4: F(4x4, 3x3), 36 points; 2: F(2x2, 3x3), 16) of each
// 3x3 filter, written as the B operands of winograd_gemm: for each point, a [ldu, fn] matrix
// (input channel, filter) packed in 8-filter panels as sgemm_pack_b_8 packs it, the points
// ldu * ceil(fn / 8) * 8 floats apart. Tap (ky, kx) of filter f, channel ch is at
// w + (f*fs + ch*cs + ky*ys + kx*xs) floats, so OIHW and HWIO are strides. Channels c .. ldu - 1
// and the panels' filters past fn are zero. Vectorised along filters.
export function winograd_filter_transform(
  tile: i32,
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
  const points = (tile + 2) * (tile + 2);
  const panels = (fn + 7) >> 3;
  const point = (<usize>ldu * panels) << 5;
  const step = (<usize>fs) << 2;
  const whole = fs == 1 && (fn & 3) == 0;
  for (let f = 0; f < panels << 3; f += 4) {
    const n = fn - f;
    for (let ch = 0; ch < ldu; ch++) {
      const out = u + ((<usize>((f >> 3) * ldu + ch) << 5) + ((<usize>(f & 7)) << 2));
      if (n <= 0 || ch >= c) {
        for (let i = 0; i < points; i++) v128.store(out + <usize>i * point, f32x4.splat(0));
        continue;
      }
      const g = w + ((<usize>f * fs + <usize>ch * cs) << 2);
      if (whole) filterOf(tile, g, ys, xs, step, n, out, point, true);
      else filterOf(tile, g, ys, xs, step, n, out, point, false);
    }
  }
}

@inline function filterOf(tile: i32, g: usize, ys: i32, xs: i32, step: usize, n: i32, out: usize, point: usize, whole: bool): void {
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
  if (tile == 4) f43FilterPoints(a0, a1, a2, b0, b1, b2, c0, c1, c2, out, point);
  else f23FilterPoints(a0, a1, a2, b0, b1, b2, c0, c1, c2, out, point);
}
