import { madd } from "../gemm/madd";
import {
  clearEpilogue,
  epilogueBias,
  epilogueIsClamp,
  setTileClamp,
  tileClamp,
  tileClampOne,
} from "../elementwise/epilogue";
import { activateRow } from "./dwconv_nchw_1x24";

// Depthwise convolution of `planes` NCHW planes with stride 2 across and no dilation (MobileNet's
// 3x3 stride-2 layers, W9; any filter size, the row stride sy is free), m output planes per input
// plane: output plane o = p*m + j, filter [fh][fw] at wts + o*fh*fw floats, epilogue channel
// ch0*m + o. A strip of each input plane is dealt into `scratch` with its padding around it, each
// padded row as two phases, its even columns then its odd ones, so that tap fx of output ox is
// column ox + fx/2 of phase fx%2: every tap is a contiguous run again, one load per vector as at
// stride 1. Loading two vectors and shuffling per tap instead cost a load and a shuffle per
// multiply-add (group_conv_nchw's stride 2: W9's kernel 0.63 ms against this one's 0.31); the deal
// costs a shuffle per four floats of input, which at stride 2 feeds more than two multiply-adds
// per float. Outputs then go 28 of a row at a time over one loop of the window's taps: seven
// accumulators and seven loads, each tap's weight broadcast once for all seven, fill V8's 15
// vector registers with nothing held across the loop. W9's 56-wide rows (and MobileNetV2's 28)
// are whole tiles, no output computed twice.
export function dwconv_nchw_s2_1x28(
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
  const wq = phaseWidth(outW, fw);
  const strip = stripRows(outH, wq, fh, sy);
  const hp = (strip - 1) * sy + fh;
  const rowBytes = (<usize>(2 * wq)) << 2;
  const taps = fh * fw;
  // One record per tap, in scratch so each thread has its own: its byte offset from a window's
  // first float, then its weight (rewritten for each output plane). The tap loop then walks one
  // pointer, with one loop over the window rather than three nested short ones.
  const tab = scratch;
  for (let fy = 0; fy < fh; fy++) {
    for (let fx = 0; fx < fw; fx++) {
      const off = <usize>fy * rowBytes + ((<usize>((fx & 1) * wq + (fx >> 1))) << 2);
      store<u32>(tab + ((<usize>(fy * fw + fx)) << 3), <u32>off);
    }
  }
  const tabEnd = tab + ((<usize>taps) << 3);
  const pad = scratch + tableBytes(taps);
  const planeBytes = (<usize>(h * w)) << 2;
  const outBytes = (<usize>(outH * outW)) << 2;
  const filterBytes = (<usize>taps) << 2;
  // The left and right padding is the same for every strip of every plane: zeroed once here.
  memory.fill(pad, 0, <usize>hp * rowBytes);
  for (let p = 0; p < planes; p++) {
    for (let oy0 = 0; oy0 < outH; oy0 += strip) {
      const rows = min(strip, outH - oy0);
      // The whole strip first: dealing each output row's input rows just before it, or two to
      // four rows ahead, was 5-15% slower on W9.
      deal(x + <usize>p * planeBytes, h, w, top - oy0 * sy, left, (rows - 1) * sy + fh, wq, pad);
      for (let j = 0; j < m; j++) {
        const o = p * m + j;
        const ch = ch0 * m + o;
        const wo = wts + <usize>o * filterBytes;
        for (let t = 0; t < taps; t++) store<f32>(tab + ((<usize>t) << 3), load<f32>(wo + ((<usize>t) << 2)), 4);
        const out = y + <usize>o * outBytes + ((<usize>(oy0 * outW)) << 2);
        outputRows(pad, <usize>sy * rowBytes, rows, tab, tabEnd, outW, ch, out, clamp);
      }
    }
  }
  clearEpilogue();
}

// Columns of each phase: output ox reads column ox + fx/2, fx < fw. Rounded up to whole vectors so
// that every phase row starts 16-byte aligned: the deal's stores and most taps' loads then cross no
// cache line (W9's kernel 3-8% faster).
function phaseWidth(outW: i32, fw: i32): i32 {
  return (outW + ((fw - 1) >> 1) + 3) & ~3;
}

// The tap records' bytes, rounded up to keep the padded rows 16-byte aligned.
function tableBytes(taps: i32): usize {
  return (<usize>((taps + 1) & ~1)) << 3;
}

// Output rows per strip: as many as keep the strip's padded rows within 16 KiB (half of L1).
function stripRows(outH: i32, wq: i32, fh: i32, sy: i32): i32 {
  const fit = 4096 / (2 * wq);
  return fit <= fh ? 1 : min(outH, (fit - fh) / sy + 1);
}

// Floats of scratch dwconv_nchw_s2_1x28 needs: the tap table and one strip of dealt rows.
export function dwconv_nchw_s2_1x28_scratch_floats(outH: i32, outW: i32, fh: i32, fw: i32, sy: i32): i32 {
  const wq = phaseWidth(outW, fw);
  return <i32>(tableBytes(fh * fw) >> 2) + ((stripRows(outH, wq, fh, sy) - 1) * sy + fh) * 2 * wq;
}

// Rows [0, hp) of the padded plane, dealt: padded column c of row i at pad + i*2*wq + (c%2)*wq +
// c/2 floats. Row i is image row i - top (top is negative past the first strip), zeros above and
// below the image; image column c is padded column c + left.
function deal(x: usize, h: i32, w: i32, top: i32, left: i32, hp: i32, wq: i32, pad: usize): void {
  // A strip can lie wholly in the top padding (pads larger than the window, short strips).
  const r0 = min(max(top, 0), hp);
  const r1 = max(r0, min(top + h, hp));
  const rowBytes = (<usize>(2 * wq)) << 2;
  const phaseBytes = (<usize>wq) << 2;
  memory.fill(pad, 0, <usize>r0 * rowBytes);
  memory.fill(pad + <usize>r1 * rowBytes, 0, <usize>(hp - r1) * rowBytes);
  // Image columns past cEnd fall beyond the padded row, which ends at column 2*wq.
  const cEnd = max(0, min(w, 2 * wq - left));
  // The image's even columns go to the phase of `left`'s parity, its odd ones to the other.
  const odd = left & 1;
  const evens = <usize>odd * phaseBytes + ((<usize>(left >> 1)) << 2);
  const odds = <usize>(1 - odd) * phaseBytes + ((<usize>((left >> 1) + odd)) << 2);
  for (let r = r0; r < r1; r++) {
    const src = x + ((<usize>((r - top) * w)) << 2);
    const dst = pad + <usize>r * rowBytes;
    // Sixteen image columns, eight of each phase, at a time, then eight; the last (c + 7 + left <
    // 2*wq) stays within its phase. Three pointers and constant offsets: the loop's address
    // arithmetic had cost as much as its loads and stores.
    let s = src;
    let e = dst + evens;
    let o = dst + odds;
    const end16 = src + ((<usize>(cEnd & ~15)) << 2);
    for (; s < end16; s += 64) {
      const a = v128.load(s);
      const b = v128.load(s, 16);
      const c = v128.load(s, 32);
      const d = v128.load(s, 48);
      v128.store(e, v128.shuffle<f32>(a, b, 0, 2, 4, 6));
      v128.store(e, v128.shuffle<f32>(c, d, 0, 2, 4, 6), 16);
      v128.store(o, v128.shuffle<f32>(a, b, 1, 3, 5, 7));
      v128.store(o, v128.shuffle<f32>(c, d, 1, 3, 5, 7), 16);
      e += 32;
      o += 32;
    }
    let c = cEnd & ~15;
    if (c + 8 <= cEnd) {
      const a = v128.load(s);
      const b = v128.load(s, 16);
      v128.store(e, v128.shuffle<f32>(a, b, 0, 2, 4, 6));
      v128.store(o, v128.shuffle<f32>(a, b, 1, 3, 5, 7));
      c += 8;
    }
    for (; c < cEnd; c++) {
      const q = c + left;
      store<f32>(dst + ((<usize>((q & 1) * wq + (q >> 1))) << 2), load<f32>(src + ((<usize>c) << 2)));
    }
  }
}

// `rows` output rows of one plane, the first at `out`, their windows' first dealt rows `step`
// bytes apart from `row`: 28 outputs at a time while a row has them, a narrower tile of 16, 8 or
// 4 where it is narrower, then (a row under 4 wide) one by one. One call for a strip's rows
// rather than one per row (W9: 384 calls instead of 5,376).
function outputRows(
  row: usize, step: usize, rows: i32, tab: usize, tabEnd: usize, outW: i32, ch: i32, out: usize, clamp: bool,
): void {
  const b = epilogueBias(ch);
  const outRow = (<usize>outW) << 2;
  for (let i = 0; i < rows; i++) {
    if (outW >= 28) tiles(row, tab, tabEnd, outW, b, out, 7);
    else if (outW >= 16) tiles(row, tab, tabEnd, outW, b, out, 4);
    else if (outW >= 8) tiles(row, tab, tabEnd, outW, b, out, 2);
    else if (outW >= 4) tiles(row, tab, tabEnd, outW, b, out, 1);
    else {
      for (let ox = 0; ox < outW; ox++) {
        const r = row + ((<usize>ox) << 2);
        let a = b;
        for (let t = tab; t < tabEnd; t += 8) a += load<f32>(r + <usize>load<u32>(t)) * load<f32>(t, 4);
        store<f32>(out + ((<usize>ox) << 2), tileClampOne(a));
      }
    }
    if (!clamp) activateRow(out, outW, ch);
    row += step;
    out += outRow;
  }
}

// The row in tiles of n vectors (n a constant after inlining), outW >= 4n. The last tile overlaps
// the one before it rather than leaving a narrower remainder, whose chains of dependent
// multiply-adds each take as long as a whole tile's; the outputs computed twice come out the same.
@inline function tiles(row: usize, tab: usize, tabEnd: usize, outW: i32, b: f32, out: usize, n: i32): void {
  const width = 4 * n;
  let ox = 0;
  for (let more = true; more; ) {
    let a0 = f32x4.splat(b);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let a4 = a0;
    let a5 = a0;
    let a6 = a0;
    const r = row + ((<usize>ox) << 2);
    for (let t = tab; t < tabEnd; t += 8) {
      const q = r + <usize>load<u32>(t);
      const wv = v128.load32_splat(t, 4);
      a0 = madd(v128.load(q), wv, a0);
      if (n > 1) a1 = madd(v128.load(q, 16), wv, a1);
      if (n > 2) a2 = madd(v128.load(q, 32), wv, a2);
      if (n > 3) a3 = madd(v128.load(q, 48), wv, a3);
      if (n > 4) a4 = madd(v128.load(q, 64), wv, a4);
      if (n > 5) a5 = madd(v128.load(q, 80), wv, a5);
      if (n > 6) a6 = madd(v128.load(q, 96), wv, a6);
    }
    const o = out + ((<usize>ox) << 2);
    v128.store(o, tileClamp(a0));
    if (n > 1) v128.store(o, tileClamp(a1), 16);
    if (n > 2) v128.store(o, tileClamp(a2), 32);
    if (n > 3) v128.store(o, tileClamp(a3), 48);
    if (n > 4) v128.store(o, tileClamp(a4), 64);
    if (n > 5) v128.store(o, tileClamp(a5), 80);
    if (n > 6) v128.store(o, tileClamp(a6), 96);
    more = ox + width < outW;
    ox = min(ox + width, outW - width);
  }
}
