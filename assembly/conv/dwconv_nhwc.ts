import { madd } from "../gemm/madd";
import { endInside, endTap, firstInside, firstTap } from "../window/taps";
import {
  activate,
  storeActivatedAcrossChannels,
  clearEpilogue,
  epilogueBias,
  epilogueBias4,
  epilogueIsClamp,
  storeAcrossChannels16,
  epilogueSlope,
} from "../elementwise/epilogue";

// Depthwise convolution of one NHWC image x [h, w, c] with TensorFlow's filter [fh, fw, c, m]
// (output channel o = ci*m + j), output rows [oy0, oy0 + rows) of y [outH, outW, c*m], with the
// epilogue's bias and activation. Vectorised along the channels, which NHWC keeps contiguous:
// sixteen channels in four accumulators across every tap, then four, then one. Taps outside the
// image are skipped, not read as padding. A multiplier above 1 runs lane by lane. Where a row's
// windows lie inside the image across, two pixels share each weight load: eight accumulators,
// enough independent chains to hide the multiply-add's latency.
export function dwconv_nhwc(
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  m: i32,
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
  const co = c * m;
  // Outputs [oxa, oxb) have every tap inside the image across.
  const oxa = firstInside(left, sx, outW);
  const oxb = endInside(oxa, w, fw, dw, left, sx, outW);
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    const iy0 = oy * sy - top;
    const fy0 = firstTap(iy0, dh);
    const fy1 = endTap(iy0, dh, fh, h);
    let ox = 0;
    while (ox < outW) {
      const ix0 = ox * sx - left;
      const out = y + ((<usize>((oy * outW + ox) * co)) << 2);
      if (m == 1 && ox >= oxa && ox + 2 <= oxb) {
        const ch = pairInside(x, w, c, wts, fw, sx, dh, dw, iy0, ix0, fy0, fy1, out);
        pixelChannels(x, w, c, ch, wts, fw, dh, dw, iy0, ix0, fy0, fy1, 0, fw, out);
        pixelChannels(x, w, c, ch, wts, fw, dh, dw, iy0, ix0 + sx, fy0, fy1, 0, fw, out + ((<usize>co) << 2));
        ox += 2;
        continue;
      }
      const fx0 = firstTap(ix0, dw);
      const fx1 = endTap(ix0, dw, fw, w);
      if (m == 1) pixelChannels(x, w, c, 0, wts, fw, dh, dw, iy0, ix0, fy0, fy1, fx0, fx1, out);
      else pixelMultiplied(x, w, c, m, wts, fw, dh, dw, iy0, ix0, fy0, fy1, fx0, fx1, out);
      ox++;
    }
  }
  clearEpilogue();
}

// Two neighbouring output pixels whose taps all lie inside the image across, channels in blocks
// of sixteen; returns the first channel left for pixelChannels (c rounded down to 16).
function pairInside(
  x: usize,
  w: i32,
  c: i32,
  wts: usize,
  fw: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  iy0: i32,
  ix0: i32,
  fy0: i32,
  fy1: i32,
  out: usize,
): i32 {
  const cBytes = (<usize>c) << 2;
  const next = <usize>sx * cBytes; // the second pixel's window, sx pixels on
  const tapStep = <usize>dw * cBytes;
  const clamp = epilogueIsClamp();
  let ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    let a0 = epilogueBias4(ch);
    let a1 = epilogueBias4(ch + 4);
    let a2 = epilogueBias4(ch + 8);
    let a3 = epilogueBias4(ch + 12);
    let b0 = a0;
    let b1 = a1;
    let b2 = a2;
    let b3 = a3;
    for (let fy = fy0; fy < fy1; fy++) {
      let px = x + ((<usize>(((iy0 + fy * dh) * w + ix0) * c + ch)) << 2);
      let pw = wts + ((<usize>(fy * fw * c + ch)) << 2);
      for (let fx = 0; fx < fw; fx++) {
        const w0 = v128.load(pw);
        const w1 = v128.load(pw, 16);
        const w2 = v128.load(pw, 32);
        const w3 = v128.load(pw, 48);
        a0 = madd(v128.load(px), w0, a0);
        a1 = madd(v128.load(px, 16), w1, a1);
        a2 = madd(v128.load(px, 32), w2, a2);
        a3 = madd(v128.load(px, 48), w3, a3);
        const q = px + next;
        b0 = madd(v128.load(q), w0, b0);
        b1 = madd(v128.load(q, 16), w1, b1);
        b2 = madd(v128.load(q, 32), w2, b2);
        b3 = madd(v128.load(q, 48), w3, b3);
        px += tapStep;
        pw += cBytes;
      }
    }
    const o = out + ((<usize>ch) << 2);
    storeAcrossChannels16(o, a0, a1, a2, a3, ch, clamp);
    storeAcrossChannels16(o + cBytes, b0, b1, b2, b3, ch, clamp);
  }
  return ch;
}

// Channels [ch0, c) of one output pixel, taps [fy0, fy1) x [fx0, fx1).
export function pixelChannels(
  x: usize,
  w: i32,
  c: i32,
  ch0: i32,
  wts: usize,
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
  const cBytes = (<usize>c) << 2;
  let ch = ch0;
  for (; ch + 16 <= c; ch += 16) {
    let a0 = epilogueBias4(ch);
    let a1 = epilogueBias4(ch + 4);
    let a2 = epilogueBias4(ch + 8);
    let a3 = epilogueBias4(ch + 12);
    for (let fy = fy0; fy < fy1; fy++) {
      let px = x + ((<usize>(((iy0 + fy * dh) * w + ix0 + fx0 * dw) * c + ch)) << 2);
      let pw = wts + ((<usize>((fy * fw + fx0) * c + ch)) << 2);
      for (let fx = fx0; fx < fx1; fx++) {
        a0 = madd(v128.load(px), v128.load(pw), a0);
        a1 = madd(v128.load(px, 16), v128.load(pw, 16), a1);
        a2 = madd(v128.load(px, 32), v128.load(pw, 32), a2);
        a3 = madd(v128.load(px, 48), v128.load(pw, 48), a3);
        px += <usize>dw * cBytes;
        pw += cBytes;
      }
    }
    storeAcrossChannels16(out + ((<usize>ch) << 2), a0, a1, a2, a3, ch, false);
  }
  for (; ch + 4 <= c; ch += 4) {
    let a = epilogueBias4(ch);
    for (let fy = fy0; fy < fy1; fy++) {
      let px = x + ((<usize>(((iy0 + fy * dh) * w + ix0 + fx0 * dw) * c + ch)) << 2);
      let pw = wts + ((<usize>((fy * fw + fx0) * c + ch)) << 2);
      for (let fx = fx0; fx < fx1; fx++) {
        a = madd(v128.load(px), v128.load(pw), a);
        px += <usize>dw * cBytes;
        pw += cBytes;
      }
    }
    storeActivatedAcrossChannels(out + ((<usize>ch) << 2), a, ch);
  }
  for (; ch < c; ch++) {
    let a = epilogueBias(ch);
    for (let fy = fy0; fy < fy1; fy++) {
      for (let fx = fx0; fx < fx1; fx++) {
        const iy = iy0 + fy * dh;
        const ix = ix0 + fx * dw;
        a +=
          load<f32>(x + ((<usize>((iy * w + ix) * c + ch)) << 2)) *
          load<f32>(wts + ((<usize>((fy * fw + fx) * c + ch)) << 2));
      }
    }
    store<f32>(out + ((<usize>ch) << 2), activate(a, epilogueSlope(ch)));
  }
}

function pixelMultiplied(
  x: usize,
  w: i32,
  c: i32,
  m: i32,
  wts: usize,
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
  const co = c * m;
  for (let o = 0; o < co; o++) {
    const ci = o / m;
    let a = epilogueBias(o);
    for (let fy = fy0; fy < fy1; fy++) {
      for (let fx = fx0; fx < fx1; fx++) {
        const iy = iy0 + fy * dh;
        const ix = ix0 + fx * dw;
        a +=
          load<f32>(x + ((<usize>((iy * w + ix) * c + ci)) << 2)) *
          load<f32>(wts + ((<usize>((fy * fw + fx) * co + o)) << 2));
      }
    }
    store<f32>(out + ((<usize>o) << 2), activate(a, epilogueSlope(o)));
  }
}
