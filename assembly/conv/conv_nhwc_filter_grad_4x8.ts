import { madd } from "../gemm/madd";
import { endInside, firstInside, tapOffsets } from "../window/taps";

// The filter gradient of a convolution of one NHWC image x [h, w, c] with few input channels:
// dW [fh*fw*c, fn] (HWIO) = (accumulate ? dW : 0) + sum over output pixels p in [p0, p0 + np) of x's taps at p
// times dy [p, 0:fn]. The adjoint of conv_nhwc_direct_4x8, for the same first layers: im2row +
// SGEMM would multiply [K, 128] by [128, fn] blocks with K = 25 (the MNIST net), too short for the
// GEMM's packing to pay. A register tile is 4 taps x 8 filters (8 accumulators) summed over every
// pixel: each pixel loads 8 of dy's values and broadcasts its 4 input values. Taps outside the
// image count as zeros. Each dW value sums its pixels in order, whoever calls for which pixels.
// The taps' byte offsets from a window's first pixel, and their (row, column) offsets in pixels as
// two u16, as in group_conv_nhwc: static data that every thread of one call writes alike.
const MAX_TAPS = 1024;
const TAPS = memory.data(MAX_TAPS * 4, 16);
const TAP_YX = memory.data(MAX_TAPS * 4, 16);

export function conv_nhwc_filter_grad_4x8(
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  dy: usize,
  fn: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
  outW: i32,
  p0: i32,
  np: i32,
  accumulate: bool,
  dW: usize,
): void {
  const taps = fh * fw * c;
  if (taps > MAX_TAPS) unreachable(); // the caller (src/ops/conv_forward.ts's fewChannelsNhwc) keeps it in
  tapOffsets(TAPS, fh, fw, c, w, dh, dw);
  let t = 0;
  for (let fy = 0; fy < fh; fy++)
    for (let fx = 0; fx < fw; fx++)
      for (let ci = 0; ci < c; ci++) {
        store<u32>(TAP_YX + ((<usize>t) << 2), ((fy * dh) << 16) | (fx * dw));
        t++;
      }
  gx = x;
  gh = h;
  gw = w;
  gc = c;
  gdy = dy;
  gfn = fn;
  gfh = fh;
  gsy = sy;
  gsx = sx;
  gdh = dh;
  gtop = top;
  gleft = left;
  goutW = outW;
  gp0 = p0;
  gnp = np;
  goxa = firstInside(left, sx, outW);
  goxb = endInside(goxa, w, fw, dw, left, sx, outW);
  for (let t0 = 0; t0 < taps; t0 += 4) {
    for (let o = 0; o < fn; o += 8) tile(t0, min(4, taps - t0), o, accumulate, dW);
  }
}

// The call's sizes for tile(), which would otherwise take twenty arguments. Globals, as the
// epilogue's: each thread's instance has its own.
let gx: usize = 0;
let gh: i32 = 0;
let gw: i32 = 0;
let gc: i32 = 0;
let gdy: usize = 0;
let gfn: i32 = 0;
let gfh: i32 = 0;
let gsy: i32 = 0;
let gsx: i32 = 0;
let gdh: i32 = 0;
let gtop: i32 = 0;
let gleft: i32 = 0;
let goutW: i32 = 0;
let gp0: i32 = 0;
let gnp: i32 = 0;
// Outputs [goxa, goxb) of a row have every tap inside the image across.
let goxa: i32 = 0;
let goxb: i32 = 0;

// Taps [t0, t0 + live) x filters [o, o + 8) over every pixel, into dW.
function tile(t0: i32, live: i32, o: i32, accumulate: bool, dW: usize): void {
  // Taps past the last read offset 0 (the pixel itself) and are never stored.
  const off0 = <usize>load<u32>(TAPS + ((<usize>t0) << 2));
  const off1 = live > 1 ? <usize>load<u32>(TAPS + ((<usize>(t0 + 1)) << 2)) : 0;
  const off2 = live > 2 ? <usize>load<u32>(TAPS + ((<usize>(t0 + 2)) << 2)) : 0;
  const off3 = live > 3 ? <usize>load<u32>(TAPS + ((<usize>(t0 + 3)) << 2)) : 0;
  const fnBytes = (<usize>gfn) << 2;
  const step = (<usize>(gsx * gc)) << 2;
  const dyEnd = gdy + <usize>(gp0 + gnp) * fnBytes;
  const zero = f32x4.splat(0);
  let a00 = zero,
    a01 = zero,
    a10 = zero,
    a11 = zero,
    a20 = zero,
    a21 = zero,
    a30 = zero,
    a31 = zero;
  const end = gp0 + gnp;
  let p = gp0;
  while (p < end) {
    const oy = p / goutW;
    const row = oy * goutW;
    const oxEnd = min(goutW, end - row);
    const iy0 = oy * gsy - gtop;
    const rowInside = iy0 >= 0 && iy0 + (gfh - 1) * gdh < gh;
    let ox = p - row;
    // Pixels [ox, fastFrom) and [fastTo, oxEnd) check each tap; [fastFrom, fastTo) have them all inside.
    const fastFrom = rowInside ? max(ox, goxa) : oxEnd;
    const fastTo = rowInside ? max(fastFrom, min(oxEnd, goxb)) : oxEnd;
    while (ox < oxEnd) {
      const ix0 = ox * gsx - gleft;
      const px = gx + ((<usize>((iy0 * gw + ix0) * gc)) << 2);
      let q = gdy + <usize>(row + ox) * fnBytes + ((<usize>o) << 2);
      if (ox >= fastFrom && ox < fastTo && q + 32 <= dyEnd) {
        // The run of pixels whose taps are all inside, up to the one whose 8 filters would read past dy.
        let a = px;
        for (; ox < fastTo && q + 32 <= dyEnd; ox++) {
          const d0 = v128.load(q);
          const d1 = v128.load(q, 16);
          let s = v128.load32_splat(a + off0);
          a00 = madd(s, d0, a00);
          a01 = madd(s, d1, a01);
          s = v128.load32_splat(a + off1);
          a10 = madd(s, d0, a10);
          a11 = madd(s, d1, a11);
          s = v128.load32_splat(a + off2);
          a20 = madd(s, d0, a20);
          a21 = madd(s, d1, a21);
          s = v128.load32_splat(a + off3);
          a30 = madd(s, d0, a30);
          a31 = madd(s, d1, a31);
          a += step;
          q += fnBytes;
        }
        continue;
      }
      const d0 = dyLanes(q, gfn - o);
      const d1 = dyLanes(q + 16, gfn - o - 4);
      let s = f32x4.splat(tapValue(px, iy0, ix0, t0));
      a00 = madd(s, d0, a00);
      a01 = madd(s, d1, a01);
      s = f32x4.splat(live > 1 ? tapValue(px, iy0, ix0, t0 + 1) : 0);
      a10 = madd(s, d0, a10);
      a11 = madd(s, d1, a11);
      s = f32x4.splat(live > 2 ? tapValue(px, iy0, ix0, t0 + 2) : 0);
      a20 = madd(s, d0, a20);
      a21 = madd(s, d1, a21);
      s = f32x4.splat(live > 3 ? tapValue(px, iy0, ix0, t0 + 3) : 0);
      a30 = madd(s, d0, a30);
      a31 = madd(s, d1, a31);
      ox++;
    }
    p = row + oxEnd;
  }
  const dst = dW + ((<usize>(t0 * gfn + o)) << 2);
  const n = gfn - o;
  store8(dst, a00, a01, n, accumulate);
  if (live > 1) store8(dst + fnBytes, a10, a11, n, accumulate);
  if (live > 2) store8(dst + 2 * fnBytes, a20, a21, n, accumulate);
  if (live > 3) store8(dst + 3 * fnBytes, a30, a31, n, accumulate);
}

// x at tap t of the window whose first pixel is (iy0, ix0), at px; 0 outside the image.
function tapValue(px: usize, iy0: i32, ix0: i32, t: i32): f32 {
  const yx = load<u32>(TAP_YX + ((<usize>t) << 2));
  const iy = iy0 + <i32>(yx >> 16);
  const ix = ix0 + <i32>(yx & 0xffff);
  if (<u32>iy >= <u32>gh || <u32>ix >= <u32>gw) return 0;
  return load<f32>(px + <usize>load<u32>(TAPS + ((<usize>t) << 2)));
}

// The first n (up to 4) floats at q, zeros after: never read past dy.
function dyLanes(q: usize, n: i32): v128 {
  if (n >= 4) return v128.load(q);
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(q));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(q, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(q, 8));
  return v;
}

// dW's filters [o, o + n) of one tap (n up to 8): the sums, added to dW's values or not.
function store8(q: usize, lo: v128, hi: v128, n: i32, accumulate: bool): void {
  storeFirst(q, lo, n, accumulate);
  storeFirst(q + 16, hi, n - 4, accumulate);
}

function storeFirst(q: usize, v: v128, n: i32, accumulate: bool): void {
  if (n >= 4) {
    v128.store(q, accumulate ? f32x4.add(v128.load(q), v) : v);
    return;
  }
  if (n > 0) store<f32>(q, accumulate ? load<f32>(q) + f32x4.extract_lane(v, 0) : f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(q, accumulate ? load<f32>(q, 4) + f32x4.extract_lane(v, 1) : f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(q, accumulate ? load<f32>(q, 8) + f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 2), 8);
}
