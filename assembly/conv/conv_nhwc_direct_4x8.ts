import { madd } from "../gemm/madd";
import {
  activate,
  clearEpilogue,
  epilogueBias,
  epilogueBias4,
  epilogueClampHi,
  epilogueClampLo,
  epilogueIsClamp,
  epilogueSlope,
  storeActivatedAcrossChannels,
} from "../elementwise/epilogue";
import { endInside, endTap, firstInside, firstTap, tapOffsets } from "../window/taps";

// Direct convolution of one NHWC image x [h, w, c] for few input channels (a network's first
// layer: 1 channel in the MNIST net, 3 in MobileNet), output pixels [p0, p0 + np) of y [outH, outW,
// fn], with the epilogue's bias and activation. There a GEMM's K = fh*fw*c is too short for its
// packing to pay (im2row + SGEMM ran the MNIST net's 5x5 at 4 GFLOP/s). The filter comes packed by
// sgemm_pack_b_8 (8-filter panels of K rows, zeros past fn), so the output is C [P, fn] = A B with
// A's rows read straight from the image. A register tile is 4 neighbouring pixels of a row x 8
// filters (8 accumulators): each tap loads the panel's two weight vectors and broadcasts one input
// value per pixel. Windows cut by the image's left or right edge go pixel by pixel, skipping the
// taps outside; every output sums its taps in the same order (fy, fx, c) either way, so results do
// not depend on how the pixels are shared out.
// Byte offsets of the window's taps from its first pixel's first channel, as in group_conv_nhwc:
// one loop of taps instead of three short nested ones. Static data: in the threaded builds every
// thread of one call writes the same values from the same geometry.
const MAX_TAPS = 1024;
const TAPS = memory.data(MAX_TAPS * 4, 16);

export function conv_nhwc_direct_4x8(
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  packed: usize,
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
  y: usize,
): void {
  const taps = fh * fw * c;
  const table = taps <= MAX_TAPS;
  if (table) tapOffsets(TAPS, fh, fw, c, w, dh, dw);
  // Outputs [oxa, oxb) of a row have every tap inside the image across.
  const oxa = firstInside(left, sx, outW);
  const oxb = endInside(oxa, w, fw, dw, left, sx, outW);
  const panelBytes = (<usize>taps) << 5;
  const step = (<usize>(sx * c)) << 2;
  const end = p0 + np;
  let p = p0;
  while (p < end) {
    const oy = p / outW;
    const row = oy * outW;
    const oxEnd = min(outW, end - row);
    const tileEnd = min(oxb, oxEnd);
    const iy0 = oy * sy - top;
    const fy0 = firstTap(iy0, dh);
    const fy1 = endTap(iy0, dh, fh, h);
    let ox = p - row;
    while (ox < oxEnd) {
      const ix0 = ox * sx - left;
      const out = y + ((<usize>((row + ox) * fn)) << 2);
      if (table && ox >= oxa && ox + 4 <= tileEnd) {
        // Rows cut by the top or bottom edge drop whole fy rows: a contiguous range of taps.
        const px = x + ((<usize>((iy0 * w + ix0) * c)) << 2);
        if (step == 4) tileUnitStep(px, w, packed, panelBytes, fn, fw, dh, dw, fy0, fy1, out);
        else tile(px, step, packed, panelBytes, fn, fy0 * fw * c, fy1 * fw * c, out);
        ox += 4;
      } else {
        const fx0 = firstTap(ix0, dw);
        const fx1 = endTap(ix0, dw, fw, w);
        pixel(x, w, c, packed, panelBytes, fn, fw, dh, dw, iy0, ix0, fy0, fy1, fx0, fx1, out);
        ox++;
      }
    }
    p = row + oxEnd;
  }
  clearEpilogue();
}

// Four pixels px, px + step, px + 2*step, px + 3*step, taps [t0, t1).
function tile(px: usize, step: usize, packed: usize, panelBytes: usize, fn: i32, t0: i32, t1: i32, out: usize): void {
  const q1 = px + step;
  const q2 = q1 + step;
  const q3 = q2 + step;
  const fnBytes = (<usize>fn) << 2;
  const clamp = epilogueIsClamp();
  for (let o = 0; o < fn; o += 8) {
    const b0 = biasLanes(o, fn);
    const b1 = biasLanes(o + 4, fn);
    let a00 = b0,
      a01 = b1,
      a10 = b0,
      a11 = b1,
      a20 = b0,
      a21 = b1,
      a30 = b0,
      a31 = b1;
    let pw = packed + <usize>(o >> 3) * panelBytes + ((<usize>t0) << 5);
    for (let t = t0; t < t1; t++) {
      const off = <usize>load<u32>(TAPS + ((<usize>t) << 2));
      const w0 = v128.load(pw);
      const w1 = v128.load(pw, 16);
      let s = v128.load32_splat(px + off);
      a00 = madd(s, w0, a00);
      a01 = madd(s, w1, a01);
      s = v128.load32_splat(q1 + off);
      a10 = madd(s, w0, a10);
      a11 = madd(s, w1, a11);
      s = v128.load32_splat(q2 + off);
      a20 = madd(s, w0, a20);
      a21 = madd(s, w1, a21);
      s = v128.load32_splat(q3 + off);
      a30 = madd(s, w0, a30);
      a31 = madd(s, w1, a31);
      pw += 32;
    }
    storeTile(out + ((<usize>o) << 2), fnBytes, a00, a01, a10, a11, a20, a21, a30, a31, o, fn, clamp);
  }
}

// tile() where the four pixels' inputs of a tap are adjacent (one channel, stride 1: the MNIST
// net): one load and four lane broadcasts instead of four broadcast loads, as in conv_direct_4x8
// with the roles of inputs and weights swapped, and the window's rows walked by pointer, with no
// tap table.
function tileUnitStep(
  px: usize,
  w: i32,
  packed: usize,
  panelBytes: usize,
  fn: i32,
  fw: i32,
  dh: i32,
  dw: i32,
  fy0: i32,
  fy1: i32,
  out: usize,
): void {
  const rowBytes = (<usize>(dh * w)) << 2;
  const tapBytes = (<usize>dw) << 2;
  const fnBytes = (<usize>fn) << 2;
  const clamp = epilogueIsClamp();
  for (let o = 0; o < fn; o += 8) {
    const b0 = biasLanes(o, fn);
    const b1 = biasLanes(o + 4, fn);
    let a00 = b0,
      a01 = b1,
      a10 = b0,
      a11 = b1,
      a20 = b0,
      a21 = b1,
      a30 = b0,
      a31 = b1;
    let pw = packed + <usize>(o >> 3) * panelBytes + ((<usize>(fy0 * fw)) << 5);
    let row = px + <usize>fy0 * rowBytes;
    for (let fy = fy0; fy < fy1; fy++) {
      let src = row;
      for (let fx = 0; fx < fw; fx++) {
        const v = v128.load(src);
        const w0 = v128.load(pw);
        const w1 = v128.load(pw, 16);
        let s = v128.shuffle<f32>(v, v, 0, 0, 0, 0);
        a00 = madd(s, w0, a00);
        a01 = madd(s, w1, a01);
        s = v128.shuffle<f32>(v, v, 1, 1, 1, 1);
        a10 = madd(s, w0, a10);
        a11 = madd(s, w1, a11);
        s = v128.shuffle<f32>(v, v, 2, 2, 2, 2);
        a20 = madd(s, w0, a20);
        a21 = madd(s, w1, a21);
        s = v128.shuffle<f32>(v, v, 3, 3, 3, 3);
        a30 = madd(s, w0, a30);
        a31 = madd(s, w1, a31);
        pw += 32;
        src += tapBytes;
      }
      row += rowBytes;
    }
    storeTile(out + ((<usize>o) << 2), fnBytes, a00, a01, a10, a11, a20, a21, a30, a31, o, fn, clamp);
  }
}

// A tile's four pixels, fnBytes apart, channels o .. o + 7 of each.
@inline function storeTile(
  q: usize,
  fnBytes: usize,
  a00: v128,
  a01: v128,
  a10: v128,
  a11: v128,
  a20: v128,
  a21: v128,
  a30: v128,
  a31: v128,
  o: i32,
  fn: i32,
  clamp: bool,
): void {
  store8(q, a00, a01, o, fn, clamp);
  store8(q + fnBytes, a10, a11, o, fn, clamp);
  store8(q + 2 * fnBytes, a20, a21, o, fn, clamp);
  store8(q + 3 * fnBytes, a30, a31, o, fn, clamp);
}

// One pixel, the taps (fy, fx) in [fy0, fy1) x [fx0, fx1) that lie inside the image.
function pixel(
  x: usize,
  w: i32,
  c: i32,
  packed: usize,
  panelBytes: usize,
  fn: i32,
  fw: i32,
  dh: i32,
  dw: i32,
  iy0: i32,
  ix0: i32,
  fy0: i32,
  fy1: i32,
  fx0: i32,
  fx1: i32,
  out: usize,
): void {
  const clamp = epilogueIsClamp();
  for (let o = 0; o < fn; o += 8) {
    let a0 = biasLanes(o, fn);
    let a1 = biasLanes(o + 4, fn);
    const panel = packed + <usize>(o >> 3) * panelBytes;
    for (let fy = fy0; fy < fy1; fy++) {
      for (let fx = fx0; fx < fx1; fx++) {
        let px = x + ((<usize>(((iy0 + fy * dh) * w + ix0 + fx * dw) * c)) << 2);
        let pw = panel + ((<usize>((fy * fw + fx) * c)) << 5);
        for (let ci = 0; ci < c; ci++) {
          const s = v128.load32_splat(px);
          a0 = madd(s, v128.load(pw), a0);
          a1 = madd(s, v128.load(pw, 16), a1);
          px += 4;
          pw += 32;
        }
      }
    }
    store8(out + ((<usize>o) << 2), a0, a1, o, fn, clamp);
  }
}

// The bias of channels ch .. ch + 3, zero past fn: never read beyond the bias vector.
@inline function biasLanes(ch: i32, fn: i32): v128 {
  if (ch + 4 <= fn) return epilogueBias4(ch);
  let v = f32x4.splat(0);
  if (ch < fn) v = f32x4.replace_lane(v, 0, epilogueBias(ch));
  if (ch + 1 < fn) v = f32x4.replace_lane(v, 1, epilogueBias(ch + 1));
  if (ch + 2 < fn) v = f32x4.replace_lane(v, 2, epilogueBias(ch + 2));
  return v;
}

// Channels ch .. ch + 7 of one pixel at q (the filters of a panel past fn are not stored).
@inline function store8(q: usize, lo: v128, hi: v128, ch: i32, fn: i32, clamp: bool): void {
  if (clamp) {
    const l = f32x4.splat(epilogueClampLo());
    const u = f32x4.splat(epilogueClampHi());
    const n = fn - ch;
    storeFirst(q, f32x4.pmin(f32x4.pmax(lo, l), u), n);
    storeFirst(q + 16, f32x4.pmin(f32x4.pmax(hi, l), u), n - 4);
  } else if (ch + 8 <= fn) {
    storeActivatedAcrossChannels(q, lo, ch);
    storeActivatedAcrossChannels(q + 16, hi, ch + 4);
  } else {
    storeLanes(q, lo, ch, fn - ch);
    storeLanes(q + 16, hi, ch + 4, fn - ch - 4);
  }
}

// The first n lanes of v (all four for n >= 4).
@inline function storeFirst(q: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(q, v);
    return;
  }
  if (n > 0) store<f32>(q, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(q, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(q, f32x4.extract_lane(v, 2), 8);
}

// The first n (up to 4) of v's lanes, channels ch, ch + 1, ..., each activated as the vector path
// would (activate is scalarAct, which vectorAct matches value for value): leaky relu, prelu, elu
// and sigmoid on a panel's last, partial filters.
function storeLanes(q: usize, v: v128, ch: i32, n: i32): void {
  if (n > 0) store<f32>(q, activate(f32x4.extract_lane(v, 0), epilogueSlope(ch)));
  if (n > 1) store<f32>(q, activate(f32x4.extract_lane(v, 1), epilogueSlope(ch + 1)), 4);
  if (n > 2) store<f32>(q, activate(f32x4.extract_lane(v, 2), epilogueSlope(ch + 2)), 8);
  if (n > 3) store<f32>(q, activate(f32x4.extract_lane(v, 3), epilogueSlope(ch + 3)), 12);
}
