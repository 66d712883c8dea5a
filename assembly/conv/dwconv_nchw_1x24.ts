import { madd } from "../gemm/madd";
import {
  activate,
  clearEpilogue,
  epilogueBias,
  epilogueIsClamp,
  setTileClamp,
  tileClamp,
  tileClampOne,
  epilogueSlope,
  storeActivatedOfChannel,
} from "../elementwise/epilogue";

// Depthwise convolution of `planes` NCHW planes with stride 1 across and no dilation (MobileNet's
// 3x3 and 5x5 stride-1 layers; the row stride sy is free), m output planes per input plane: output
// plane o = p*m + j, filter [fh][fw] at wts + o*fh*fw floats, epilogue channel ch0*m + o. A strip
// of each input plane is first copied into `scratch` with its padding around it, then its outputs
// go 24 of a row at a time, six vectors loaded at constant offsets from one pointer per tap, with
// the tap's weight broadcast once for all six. Six accumulators and seven loads fit V8's 15 vector
// registers with nothing held across the tap loop (see dwconv_nhwc_4x6.ts). Stride 2 across is
// dwconv_nchw_s2_1x28's, which deals the padded rows into even and odd columns first.
export function dwconv_nchw_1x24(
  x: usize,
  planes: i32,
  h: i32,
  w: i32,
  wts: usize,
  m: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  top: i32,
  left: i32,
  outH: i32,
  outW: i32,
  ch0: i32,
  y: usize,
  scratch: usize,
): void {
  const clamp = epilogueIsClamp();
  setTileClamp();
  const wp = outW + fw - 1;
  const strip = stripRows(outH, wp, fh, sy);
  const hp = (strip - 1) * sy + fh;
  const planeBytes = (<usize>(h * w)) << 2;
  const outBytes = (<usize>(outH * outW)) << 2;
  const filterBytes = (<usize>(fh * fw)) << 2;
  // Rows narrower than a tile would run single vectors, each one chain of dependent multiply-adds,
  // and scalars (14x14 and 7x7 planes: 2-3x NHWC's time). At stride 1 down, a strip's rows are
  // one run of the padded strip, wp floats apart: tiles then run along the run, into `runs`,
  // and the outputs in the padding columns between rows are computed and dropped.
  const flat = flatRuns(outH, outW, fw, sy, strip);
  const runs = scratch + ((<usize>(hp * wp)) << 2);
  // The left and right padding is the same for every strip of every plane: zeroed once here.
  memory.fill(scratch, 0, (<usize>(hp * wp)) << 2);
  for (let p = 0; p < planes; p++) {
    for (let oy0 = 0; oy0 < outH; oy0 += strip) {
      const rows = min(strip, outH - oy0);
      padStrip(x + <usize>p * planeBytes, h, w, top - oy0 * sy, left, (rows - 1) * sy + fh, wp, scratch);
      for (let j = 0; j < m; j++) {
        const o = p * m + j;
        const ch = ch0 * m + o;
        const wo = wts + <usize>o * filterBytes;
        const yo = y + <usize>o * outBytes;
        if (flat > 0) {
          // The strip's rows as one run: outputs at every padded column, those past outW dropped.
          const n = (rows - 1) * wp + outW;
          outputRow(scratch, wp, wo, fh, fw, n, ch, runs);
          for (let oy = oy0; oy < oy0 + rows; oy++) {
            const out = yo + ((<usize>(oy * outW)) << 2);
            memory.copy(out, runs + ((<usize>((oy - oy0) * wp)) << 2), (<usize>outW) << 2);
            if (!clamp) activateRow(out, outW, ch);
          }
          continue;
        }
        for (let oy = oy0; oy < oy0 + rows; oy++) {
          const row = scratch + ((<usize>((oy - oy0) * sy * wp)) << 2);
          const out = yo + ((<usize>(oy * outW)) << 2);
          outputRow(row, wp, wo, fh, fw, outW, ch, out);
          if (!clamp) activateRow(out, outW, ch);
        }
      }
    }
  }
  clearEpilogue();
}

// Output rows per strip: as many as keep the strip's padded rows within 16 KiB (half of L1).
function stripRows(outH: i32, wp: i32, fh: i32, sy: i32): i32 {
  const fit = 4096 / wp;
  return fit <= fh ? 1 : min(outH, (fit - fh) / sy + 1);
}

// Whether a strip's rows run as one (1), for rows narrower than a tile whose run holds one.
function flatRuns(outH: i32, outW: i32, fw: i32, sy: i32, strip: i32): i32 {
  const wp = outW + fw - 1;
  return sy === 1 && outW < 24 && (min(strip, outH) - 1) * wp + outW >= 24 ? 1 : 0;
}

// Floats of scratch dwconv_nchw_1x24 needs: one strip of a padded plane, and its run's outputs.
export function dwconv_nchw_1x24_scratch_floats(outH: i32, outW: i32, fh: i32, fw: i32, sy: i32): i32 {
  const wp = outW + fw - 1;
  const strip = stripRows(outH, wp, fh, sy);
  return ((strip - 1) * sy + fh) * wp + flatRuns(outH, outW, fw, sy, strip) * strip * wp;
}

// Rows [0, hp) of the padded plane, wp floats each: row i is image row i - top (top is negative
// past the first strip), zeros above and below the image.
function padStrip(x: usize, h: i32, w: i32, top: i32, left: i32, hp: i32, wp: i32, scratch: usize): void {
  // A strip can lie wholly in the top padding (pads larger than the window, short strips).
  const r0 = min(max(top, 0), hp);
  const r1 = max(r0, min(top + h, hp));
  const rowBytes = (<usize>wp) << 2;
  memory.fill(scratch, 0, <usize>r0 * rowBytes);
  memory.fill(scratch + <usize>r1 * rowBytes, 0, <usize>(hp - r1) * rowBytes);
  const q1 = min(wp, w + left);
  for (let r = r0; r < r1; r++) {
    const src = x + ((<usize>((r - top) * w - left)) << 2);
    const dst = scratch + <usize>r * rowBytes;
    let q = left;
    for (; q + 4 <= q1; q += 4) v128.store(dst + ((<usize>q) << 2), v128.load(src + ((<usize>q) << 2)));
    for (; q < q1; q++) store<f32>(dst + ((<usize>q) << 2), load<f32>(src + ((<usize>q) << 2)));
  }
}

// One output row: 24 outputs at a time, or where the row is narrower 4, then one by one. `row` is
// the window's first padded row.
function outputRow(row: usize, wp: i32, wts: usize, fh: i32, fw: i32, outW: i32, ch: i32, out: usize): void {
  const b = epilogueBias(ch);
  const rowBytes = (<usize>wp) << 2;
  let ox = 0;
  // A row of at least 24 ends with a tile overlapping the one before it rather than with single
  // vectors, whose one chain of dependent multiply-adds each cost as much as a tile; the outputs
  // computed twice come out the same.
  for (let more = outW >= 24; more; ) {
    let a0 = f32x4.splat(b);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let a4 = a0;
    let a5 = a0;
    let r = row + ((<usize>ox) << 2);
    let k = wts;
    for (let fy = 0; fy < fh; fy++) {
      let q = r;
      for (let fx = 0; fx < fw; fx++) {
        const wv = v128.load32_splat(k);
        a0 = madd(v128.load(q), wv, a0);
        a1 = madd(v128.load(q, 16), wv, a1);
        a2 = madd(v128.load(q, 32), wv, a2);
        a3 = madd(v128.load(q, 48), wv, a3);
        a4 = madd(v128.load(q, 64), wv, a4);
        a5 = madd(v128.load(q, 80), wv, a5);
        q += 4;
        k += 4;
      }
      r += rowBytes;
    }
    const o = out + ((<usize>ox) << 2);
    v128.store(o, tileClamp(a0));
    v128.store(o, tileClamp(a1), 16);
    v128.store(o, tileClamp(a2), 32);
    v128.store(o, tileClamp(a3), 48);
    v128.store(o, tileClamp(a4), 64);
    v128.store(o, tileClamp(a5), 80);
    more = ox + 24 < outW;
    ox = more ? min(ox + 24, outW - 24) : outW;
  }
  for (; ox + 4 <= outW; ox += 4) {
    let a = f32x4.splat(b);
    let r = row + ((<usize>ox) << 2);
    let k = wts;
    for (let fy = 0; fy < fh; fy++) {
      let q = r;
      for (let fx = 0; fx < fw; fx++) {
        a = madd(v128.load(q), v128.load32_splat(k), a);
        q += 4;
        k += 4;
      }
      r += rowBytes;
    }
    v128.store(out + ((<usize>ox) << 2), tileClamp(a));
  }
  for (; ox < outW; ox++) {
    let a = b;
    let r = row + ((<usize>ox) << 2);
    let k = wts;
    for (let fy = 0; fy < fh; fy++) {
      for (let fx = 0; fx < fw; fx++) {
        a += load<f32>(r + ((<usize>fx) << 2)) * load<f32>(k);
        k += 4;
      }
      r += rowBytes;
    }
    store<f32>(out + ((<usize>ox) << 2), tileClampOne(a));
  }
}

// The activations other than a clamp, on a row outputRow stored (still in L1); dwconv_nchw_s2_1x28's too.
export function activateRow(out: usize, n: i32, ch: i32): void {
  const slope = epilogueSlope(ch);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = out + ((<usize>i) << 2);
    storeActivatedOfChannel(q, v128.load(q), ch);
  }
  for (; i < n; i++) store<f32>(out + ((<usize>i) << 2), activate(load<f32>(out + ((<usize>i) << 2)), slope));
}
