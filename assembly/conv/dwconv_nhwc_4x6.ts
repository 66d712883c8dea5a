import { madd } from "../gemm/madd";
import { endInside, endTap, firstInside, firstTap } from "../window/taps";
import {
  clearEpilogue,
  epilogueBias4,
  epilogueIsClamp,
  setTileClamp,
  tileClamp,
  storeActivatedAcrossChannels,
} from "../elementwise/epilogue";
import { dwconv_nhwc, pixelChannels } from "./dwconv_nhwc";

// dwconv_nhwc for a multiplier of 1 (MobileNet's depthwise layers, 3x3 and 5x5, stride 1 and 2):
// where six neighbouring output pixels have every tap inside the image, they are computed four
// channels at a time, a loop over the taps loading each tap's weights once for all six. Six
// accumulators and the seven loads of a tap fit V8's 15 vector registers, with nothing held across
// the tap loop (the clamp's bounds are splatted from globals after it): unrolled taps, or a filter
// held in registers, had V8 hoist every load of the loop body to its top and spill.
// The four-channel blocks run inside the six pixels, so the image is read in memory order: a
// block's pass along a whole row, 16 bytes of each pixel, left the prefetchers behind (1.2 against
// 2.3 G multiply-adds a second on W8 out of and in L2). Border pixels, the last few of a row and
// the channels beyond a multiple of 4 take dwconv_nhwc's per-pixel path, which sums in the same
// order (bias, then the taps row by row), so every output is the general kernel's to the bit.
const TILE = 6;

export function dwconv_nhwc_4x6(
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  wts: usize,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
  outW: i32,
  oy0: i32,
  rows: i32,
  y: usize,
): void {
  const cBytes = (<usize>c) << 2;
  const blocks = c >> 2;
  const spanY = (fh - 1) * dh + 1;
  // Outputs [oxa, oxb) have every tap inside the image across.
  const oxa = firstInside(left, sx, outW);
  const oxb = endInside(oxa, w, fw, dw, left, sx, outW);
  // With six or more, the last tile overlaps the one before it (the outputs computed twice come
  // out the same) rather than leave pixels to the per-pixel path, several times slower.
  const oxt = oxb - oxa >= TILE ? oxb : oxa;
  // Rows with no tile (7x7 images) run faster in the general kernel's pixel pairs.
  if (oxt == oxa) {
    dwconv_nhwc(x, h, w, c, 1, wts, fh, fw, sy, sx, dh, dw, top, left, outW, oy0, rows, y);
    return;
  }
  const clamp = epilogueIsClamp();
  setTileClamp();
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    const iy0 = oy * sy - top;
    const out = y + <usize>(oy * outW) * cBytes;
    if (iy0 < 0 || iy0 + spanY > h) {
      border(x, h, w, c, wts, fh, fw, dh, dw, iy0, 0, outW, sx, left, out);
      continue;
    }
    border(x, h, w, c, wts, fh, fw, dh, dw, iy0, 0, oxa, sx, left, out);
    for (let ox = oxa; ox < oxt; ox = ox + TILE >= oxt ? oxt : min(ox + TILE, oxt - TILE)) {
      const px = x + <usize>(iy0 * w + ox * sx - left) * cBytes;
      const o = out + <usize>ox * cBytes;
      tile(px, <usize>w * cBytes, cBytes, <usize>sx * cBytes, wts, fh, fw, dh, dw, blocks, o);
      if (!clamp) activate(o, cBytes, blocks);
      if (blocks << 2 < c) {
        for (let i = 0; i < TILE; i++) {
          const ix0 = (ox + i) * sx - left;
          pixelChannels(x, w, c, blocks << 2, wts, fw, dh, dw, iy0, ix0, 0, fh, 0, fw, o + <usize>i * cBytes);
        }
      }
    }
    border(x, h, w, c, wts, fh, fw, dh, dw, iy0, oxt, outW, sx, left, out);
  }
  clearEpilogue();
}

// Outputs [ox0, ox1) of one row, one by one, each with the taps of it that lie inside the image.
function border(
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  wts: usize,
  fh: i32,
  fw: i32,
  dh: i32,
  dw: i32,
  iy0: i32,
  ox0: i32,
  ox1: i32,
  sx: i32,
  left: i32,
  out: usize,
): void {
  const fy0 = firstTap(iy0, dh);
  const fy1 = endTap(iy0, dh, fh, h);
  for (let ox = ox0; ox < ox1; ox++) {
    const ix0 = ox * sx - left;
    const o = out + ((<usize>(ox * c)) << 2);
    pixelChannels(x, w, c, 0, wts, fw, dh, dw, iy0, ix0, fy0, fy1, firstTap(ix0, dw), endTap(ix0, dw, fw, w), o);
  }
}

// Channels [0, 4 * blocks) of six output pixels, `step` bytes apart in x, whose first window's
// top-left tap is at p; the bias, the taps, then the clamp.
function tile(
  p: usize,
  rowBytes: usize,
  cBytes: usize,
  step: usize,
  pw: usize,
  fh: i32,
  fw: i32,
  dh: i32,
  dw: i32,
  blocks: i32,
  out: usize,
): void {
  const tapX = <usize>dw * cBytes;
  const nextRow = <usize>dh * rowBytes - <usize>fw * tapX;
  const s3 = <usize>3 * step;
  for (let b = 0; b < blocks; b++) {
    const bias = epilogueBias4(b << 2);
    let a0 = bias;
    let a1 = bias;
    let a2 = bias;
    let a3 = bias;
    let a4 = bias;
    let a5 = bias;
    let q = p;
    let k = pw;
    for (let fy = 0; fy < fh; fy++) {
      for (let fx = 0; fx < fw; fx++) {
        const wv = v128.load(k);
        const q3 = q + s3;
        a0 = madd(v128.load(q), wv, a0);
        a1 = madd(v128.load(q + step), wv, a1);
        a2 = madd(v128.load(q + 2 * step), wv, a2);
        a3 = madd(v128.load(q3), wv, a3);
        a4 = madd(v128.load(q3 + step), wv, a4);
        a5 = madd(v128.load(q3 + 2 * step), wv, a5);
        q += tapX;
        k += cBytes;
      }
      q += nextRow;
    }
    const o3 = out + 3 * cBytes;
    v128.store(out, tileClamp(a0));
    v128.store(out + cBytes, tileClamp(a1));
    v128.store(out + 2 * cBytes, tileClamp(a2));
    v128.store(o3, tileClamp(a3));
    v128.store(o3 + cBytes, tileClamp(a4));
    v128.store(o3 + 2 * cBytes, tileClamp(a5));
    p += 16;
    pw += 16;
    out += 16;
  }
}

// The activations other than a clamp, applied to what tile() stored while it is still in L1.
function activate(out: usize, cBytes: usize, blocks: i32): void {
  for (let i = 0; i < TILE; i++) {
    for (let b = 0; b < blocks; b++) {
      const q = out + ((<usize>b) << 4);
      storeActivatedAcrossChannels(q, v128.load(q), b << 2);
    }
    out += cBytes;
  }
}
