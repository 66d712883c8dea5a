import { madd } from "../gemm/madd";
import {
  activate,
  storeActivatedAcrossChannels,
  clearEpilogue,
  epilogueBias,
  epilogueBias4,
  epilogueSlope,
} from "../elementwise/epilogue";

// Depthwise convolution of one NHWC image x [h, w, c] with TensorFlow's filter [fh, fw, c, m]
// (output channel o = ci*m + j), output rows [oy0, oy0 + rows) of y [outH, outW, c*m], with the
// epilogue's bias and activation. Vectorised along the channels, which NHWC keeps contiguous:
// sixteen channels in four accumulators across every tap, then four, then one. Taps outside the
// image are skipped, not read as padding. A multiplier above 1 runs lane by lane.
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
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    const iy0 = oy * sy - top;
    const fy0 = firstTap(iy0, dh);
    const fy1 = endTap(iy0, dh, fh, h);
    for (let ox = 0; ox < outW; ox++) {
      const ix0 = ox * sx - left;
      const fx0 = firstTap(ix0, dw);
      const fx1 = endTap(ix0, dw, fw, w);
      const out = y + ((<usize>((oy * outW + ox) * co)) << 2);
      if (m == 1) pixelChannels(x, w, c, wts, fw, dh, dw, iy0, ix0, fy0, fy1, fx0, fx1, out);
      else pixelMultiplied(x, w, c, m, wts, fw, dh, dw, iy0, ix0, fy0, fy1, fx0, fx1, out);
    }
  }
  clearEpilogue();
}

// The first tap whose pixel i0 + f*d is >= 0.
function firstTap(i0: i32, d: i32): i32 {
  return i0 >= 0 ? 0 : (d - 1 - i0) / d;
}

// One past the last tap whose pixel is < size.
function endTap(i0: i32, d: i32, f: i32, size: i32): i32 {
  let e = f;
  while (e > 0 && i0 + (e - 1) * d >= size) e--;
  return e;
}

function pixelChannels(
  x: usize,
  w: i32,
  c: i32,
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
  let ch = 0;
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
    const o = out + ((<usize>ch) << 2);
    storeActivatedAcrossChannels(o, a0, ch);
    storeActivatedAcrossChannels(o + 16, a1, ch + 4);
    storeActivatedAcrossChannels(o + 32, a2, ch + 8);
    storeActivatedAcrossChannels(o + 48, a3, ch + 12);
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
