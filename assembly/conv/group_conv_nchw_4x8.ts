import { madd } from "../gemm/madd";
import { storeTile4x8 } from "../elementwise/store_tile_4x8";

// Four output channels x eight output pixels of one row of a grouped NCHW convolution at stride 1,
// from the group's padded input planes (group_conv_nchw.ts): out[r][0..8] = sum over the k taps t
// of wts[r][t] * src[taps[t] + 0..8], where taps[t] is tap t's byte offset (its input plane, row
// and column) and wts[r] is channel r's filter, filterBytes after channel r - 1's. Each tap's
// eight inputs are loaded once for the four channels, its four weights broadcast straight from the
// filter (no packing, no shuffle), two vectors of pixels in four channels' chains: 8 accumulators,
// as in the SGEMM's 4x8. y's channel planes are `plane` floats apart; ch is its first channel.
export function group_conv_nchw_4x8(
  src: usize,
  taps: usize,
  k: i32,
  wts: usize,
  filterBytes: usize,
  y: usize,
  plane: i32,
  nr: i32,
  ch: i32,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  let wt = wts;
  for (let t = 0; t < k; t++) {
    const p = src + <usize>load<u32>(taps + ((<usize>t) << 2));
    const x0 = v128.load(p);
    const x1 = v128.load(p, 16);
    let wv = v128.load32_splat(wt);
    c00 = madd(wv, x0, c00);
    c01 = madd(wv, x1, c01);
    wv = v128.load32_splat(wt + filterBytes);
    c10 = madd(wv, x0, c10);
    c11 = madd(wv, x1, c11);
    wv = v128.load32_splat(wt + 2 * filterBytes);
    c20 = madd(wv, x0, c20);
    c21 = madd(wv, x1, c21);
    wv = v128.load32_splat(wt + 3 * filterBytes);
    c30 = madd(wv, x0, c30);
    c31 = madd(wv, x1, c31);
    wt += 4;
  }
  storeTile4x8(y, plane, 4, nr, ch, 0, 1, c00, c01, c10, c11, c20, c21, c30, c31);
}
