import { f23InputPoints } from "./winograd_f23_input_transform";
import { f43InputPoints } from "./winograd_f43_input_transform";

// Winograd's input transform for tiles [t0, t0 + nt) of one image: F(4x4, 3x3) for tile = 4
// (6x6 input tiles, 36 points), F(2x2, 3x3) for tile = 2 (4x4, 16). Output tile t covers rows
// tile*ty - top, columns tile*tx - left (t = ty*tilesW + tx). Pixel (iy, ix) of channel ch is at
// x + (iy*rs + ix*ps + ch*cs) floats: NCHW and NHWC are strides. V is [nt, points, ldv] (tile,
// point, channel; ldv >= c, a multiple of 4): each point's [nt, ldv] matrix is the A of one GEMM,
// rows points*ldv apart. Channels c .. ldv - 1 are written as zero. Vectorised along channels.
export function winograd_input_transform(
  tile: i32,
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  cs: i32,
  ps: i32,
  rs: i32,
  top: i32,
  left: i32,
  tilesW: i32,
  t0: i32,
  nt: i32,
  v: usize,
  ldv: i32,
): void {
  const whole = cs == 1 && (c & 3) == 0;
  const span = tile + 2;
  const points = span * span;
  for (let t = t0; t < t0 + nt; t++) {
    const iy0 = (t / tilesW) * tile - top;
    const ix0 = (t % tilesW) * tile - left;
    const inside = iy0 >= 0 && ix0 >= 0 && iy0 + span <= h && ix0 + span <= w;
    const out = v + ((<usize>(t - t0) * points * ldv) << 2);
    if (whole && inside) tileOf(tile, x, h, w, c, cs, ps, rs, iy0, ix0, out, ldv, points, true, false);
    else if (whole) tileOf(tile, x, h, w, c, cs, ps, rs, iy0, ix0, out, ldv, points, true, true);
    else if (inside) tileOf(tile, x, h, w, c, cs, ps, rs, iy0, ix0, out, ldv, points, false, false);
    else tileOf(tile, x, h, w, c, cs, ps, rs, iy0, ix0, out, ldv, points, false, true);
  }
}

// `whole` and `checked` are constants at each call, so each of the four copies keeps one kind of
// load: a v128 or four lanes, with or without the image's bounds.
@inline function tileOf(
  tile: i32, x: usize, h: i32, w: i32, c: i32, cs: i32, ps: i32, rs: i32, iy0: i32, ix0: i32,
  out: usize, ldv: i32, points: i32, whole: bool, checked: bool,
): void {
  const step = (<usize>cs) << 2;
  const psB = (<usize>ps) << 2;
  const rsB = (<usize>rs) << 2;
  const slot = (<usize>ldv) << 2;
  for (let ch = 0; ch < ldv; ch += 4) {
    const n = c - ch;
    const q = out + ((<usize>ch) << 2);
    const p = x + <usize>ch * step;
    if (n <= 0) {
      for (let i = 0; i < points; i++) v128.store(q + <usize>i * slot, f32x4.splat(0));
    } else if (tile == 4) {
      f43InputPoints(p, iy0, ix0, h, w, rsB, psB, step, n, q, slot, whole, checked);
    } else {
      f23InputPoints(p, iy0, ix0, h, w, rsB, psB, step, n, q, slot, whole, checked);
    }
  }
}
