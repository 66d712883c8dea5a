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

// Depthwise convolution of `planes` NCHW planes without dilation (MobileNet's 3x3 and 5x5, stride 1
// and 2), m output planes per input plane: output plane o = p*m + j, filter [fh][fw] at
// wts + o*fh*fw floats, epilogue channel ch0*m + o. Each input plane is first copied into
// `scratch` with its padding around it and its columns dealt into sx phases (column q of phase r is
// padded column q*sx + r), so that every tap of every stride is a contiguous run of the row: the
// outputs then go 24 at a time, six vectors loaded at constant offsets from one pointer per tap,
// with the tap's weight broadcast once for all six. Six accumulators and seven loads fit V8's 15
// vector registers with nothing held across the tap loop (see dwconv_nhwc_4x6.ts).

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
  sx: i32,
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
  const wq = phaseWidth(outW, fw, sx);
  const strip = stripRows(outH, wq, fh, sy, sx);
  const hp = (strip - 1) * sy + fh;
  const phaseBytes = (<usize>(hp * wq)) << 2;
  const planeBytes = (<usize>(h * w)) << 2;
  const outBytes = (<usize>(outH * outW)) << 2;
  const filterBytes = (<usize>(fh * fw)) << 2;
  // The left and right padding is the same for every strip of every plane: zeroed once here.
  memory.fill(scratch, 0, <usize>sx * phaseBytes);
  for (let p = 0; p < planes; p++) {
    for (let oy0 = 0; oy0 < outH; oy0 += strip) {
      const rows = min(strip, outH - oy0);
      deal(x + <usize>p * planeBytes, h, w, top - oy0 * sy, left, (rows - 1) * sy + fh, wq, sx, scratch, phaseBytes);
      for (let j = 0; j < m; j++) {
        const o = p * m + j;
        const ch = ch0 * m + o;
        const wo = wts + <usize>o * filterBytes;
        const yo = y + <usize>o * outBytes;
        for (let oy = oy0; oy < oy0 + rows; oy++) {
          const row = scratch + ((<usize>((oy - oy0) * sy * wq)) << 2);
          const out = yo + ((<usize>(oy * outW)) << 2);
          outputRow(row, wq, phaseBytes, wo, fh, fw, sx, outW, ch, out);
          if (!clamp) activateRow(out, outW, ch);
        }
      }
    }
  }
  clearEpilogue();
}

// Output rows per strip: as many as keep the strip's padded rows, all phases, within 16 KiB (half
// of L1): W9's whole 112 x 112 plane dealt at once (51 KB) was read back from L2.
function stripRows(outH: i32, wq: i32, fh: i32, sy: i32, sx: i32): i32 {
  const fit = 4096 / (sx * wq);
  return fit <= fh ? 1 : min(outH, (fit - fh) / sy + 1);
}

// Floats of scratch dwconv_nchw_1x24 needs: one strip's sx phases.
export function dwconv_nchw_1x24_scratch_floats(outH: i32, outW: i32, fh: i32, fw: i32, sy: i32, sx: i32): i32 {
  const wq = phaseWidth(outW, fw, sx);
  return sx * ((stripRows(outH, wq, fh, sy, sx) - 1) * sy + fh) * wq;
}

// Columns of a phase: output ox reads column ox + fx / sx of phase fx % sx.
function phaseWidth(outW: i32, fw: i32, sx: i32): i32 {
  return outW + (fw - 1) / sx;
}

// Rows [0, hp) of the padded plane, phase r of row i at scratch + r*phaseBytes + i*wq floats; row i
// is image row i - top (top is negative past the first strip), zeros above and below the image.
function deal(
  x: usize,
  h: i32,
  w: i32,
  top: i32,
  left: i32,
  hp: i32,
  wq: i32,
  sx: i32,
  scratch: usize,
  phaseBytes: usize,
): void {
  const r0 = max(top, 0);
  const r1 = max(r0, min(top + h, hp));
  const rowBytes = (<usize>wq) << 2;
  for (let ph = 0; ph < sx; ph++) {
    const d = scratch + <usize>ph * phaseBytes;
    memory.fill(d, 0, <usize>r0 * rowBytes);
    memory.fill(d + <usize>r1 * rowBytes, 0, <usize>(hp - r1) * rowBytes);
  }
  for (let r = r0; r < r1; r++) {
    const src = x + ((<usize>((r - top) * w)) << 2);
    const dst = scratch + ((<usize>(r * wq)) << 2);
    if (sx == 1) {
      dealRow1(src, w, left, wq, dst);
      continue;
    }
    // Stride 2 deals columns [q0, q1) of both phases with vectors, the rest one by one.
    const q0 = sx == 2 ? (left + 1) / 2 : 0;
    const q1 = sx == 2 ? dealRow2(src, w, left, wq, q0, dst, dst + phaseBytes) : 0;
    for (let ph = 0; ph < sx; ph++) {
      // Phase column q is image column q*sx + ph - left.
      const qa = left > ph ? (left - ph + sx - 1) / sx : 0;
      const qb = w - 1 + left - ph < 0 ? 0 : min(wq, (w - 1 + left - ph) / sx + 1);
      const d = dst + <usize>ph * phaseBytes;
      for (let q = qa; q < min(qb, q0); q++)
        store<f32>(d + ((<usize>q) << 2), load<f32>(src + ((<usize>(q * sx + ph - left)) << 2)));
      for (let q = max(qa, q1); q < qb; q++)
        store<f32>(d + ((<usize>q) << 2), load<f32>(src + ((<usize>(q * sx + ph - left)) << 2)));
    }
  }
}

function dealRow1(src: usize, w: i32, left: i32, wq: i32, dst: usize): void {
  const q1 = min(wq, w + left);
  let q = left;
  for (; q + 4 <= q1; q += 4) v128.store(dst + ((<usize>q) << 2), v128.load(src + ((<usize>(q - left)) << 2)));
  for (; q < q1; q++) store<f32>(dst + ((<usize>q) << 2), load<f32>(src + ((<usize>(q - left)) << 2)));
}

// Stride 2: eight image columns from 2q - left give four columns of each phase, lanes 0, 2, 4, 6
// and 1, 3, 5, 7, from q0 on while they lie inside the image; returns where that stopped.
function dealRow2(src: usize, w: i32, left: i32, wq: i32, q0: i32, d0: usize, d1: usize): i32 {
  let q = q0;
  for (; q + 4 <= wq && q * 2 - left + 8 <= w; q += 4) {
    const s = src + ((<usize>(q * 2 - left)) << 2);
    const a = v128.load(s);
    const b = v128.load(s, 16);
    v128.store(d0 + ((<usize>q) << 2), v128.shuffle<f32>(a, b, 0, 2, 4, 6));
    v128.store(d1 + ((<usize>q) << 2), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
  }
  return q;
}

// One output row: 24 outputs at a time, or where the row is narrower 4, then one by one. `row` is the window's first row
// in phase 0.
function outputRow(
  row: usize,
  wq: i32,
  phaseBytes: usize,
  wts: usize,
  fh: i32,
  fw: i32,
  sx: i32,
  outW: i32,
  ch: i32,
  out: usize,
): void {
  const b = epilogueBias(ch);
  const rowBytes = (<usize>wq) << 2;
  const phases = min(sx, fw);
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
    for (let fy = 0; fy < fh; fy++) {
      for (let ph = 0; ph < phases; ph++) {
        let q = r + <usize>ph * phaseBytes;
        let k = wts + ((<usize>(fy * fw + ph)) << 2);
        for (let fx = ph; fx < fw; fx += sx) {
          const wv = v128.load32_splat(k);
          a0 = madd(v128.load(q), wv, a0);
          a1 = madd(v128.load(q, 16), wv, a1);
          a2 = madd(v128.load(q, 32), wv, a2);
          a3 = madd(v128.load(q, 48), wv, a3);
          a4 = madd(v128.load(q, 64), wv, a4);
          a5 = madd(v128.load(q, 80), wv, a5);
          q += 4;
          k += (<usize>sx) << 2;
        }
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
    for (let fy = 0; fy < fh; fy++) {
      for (let ph = 0; ph < phases; ph++) {
        let q = r + <usize>ph * phaseBytes;
        let k = wts + ((<usize>(fy * fw + ph)) << 2);
        for (let fx = ph; fx < fw; fx += sx) {
          a = madd(v128.load(q), v128.load32_splat(k), a);
          q += 4;
          k += (<usize>sx) << 2;
        }
      }
      r += rowBytes;
    }
    v128.store(out + ((<usize>ox) << 2), tileClamp(a));
  }
  for (; ox < outW; ox++) {
    let a = b;
    let r = row + ((<usize>ox) << 2);
    for (let fy = 0; fy < fh; fy++) {
      for (let ph = 0; ph < phases; ph++) {
        let q = r + <usize>ph * phaseBytes;
        for (let fx = ph; fx < fw; fx += sx) {
          a += load<f32>(q) * load<f32>(wts + ((<usize>(fy * fw + fx)) << 2));
          q += 4;
        }
      }
      r += rowBytes;
    }
    store<f32>(out + ((<usize>ox) << 2), tileClampOne(a));
  }
}

// The activations other than a clamp, on a row outputRow stored (still in L1).
function activateRow(out: usize, n: i32, ch: i32): void {
  const slope = epilogueSlope(ch);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = out + ((<usize>i) << 2);
    storeActivatedOfChannel(q, v128.load(q), ch);
  }
  for (; i < n; i++) store<f32>(out + ((<usize>i) << 2), activate(load<f32>(out + ((<usize>i) << 2)), slope));
}
