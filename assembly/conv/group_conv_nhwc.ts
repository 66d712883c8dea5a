import { madd } from "../gemm/madd";
import {
  storeActivatedAcrossChannels,
  clearEpilogue,
  epilogueBias4,
  epilogueIsClamp,
  storeAcrossChannels16,
} from "../elementwise/epilogue";
import { endInside, endTap, firstInside, firstTap } from "../window/taps";
import { group_conv_nhwc_4x8 } from "./group_conv_nhwc_4x8";

// Direct grouped convolution of one NHWC image x [h, w, c] with the HWIO filter [fh, fw, cg, fn]
// (fn = c / cg * fng filters, fng of them per group, a multiple of 4), output rows [oy0, oy0 + rows)
// of y [outH, outW, fn], with the epilogue's bias and activation. For groups too narrow for a
// GEMM's panels (ResNeXt's, ShuffleNet's): output channels go sixteen at a time, four vectors of a
// group's filters in four independent chains, each input channel broadcast straight from memory.
// Taps outside the image are skipped. Where four pixels' windows lie inside and the channels come
// in eights, the pixels go together instead (group_conv_nhwc_4x8, eight chains).
// Byte offsets of a window's K = fh*fw*cg taps from its first pixel's first channel, for the
// windows that lie wholly inside the image: one loop of K steps instead of three nested short ones
// (W13's kernel: 3.9-4.3 -> 3.2-3.9 ms). Static data: in the threaded builds every thread of one
// call writes the same values from the same geometry, so the table is the same whoever wrote it.
const MAX_TAPS = 1024;
const TAPS = memory.data(MAX_TAPS * 4, 16);

export function group_conv_nhwc(
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  cg: i32,
  fng: i32,
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
  const fn = (c / cg) * fng;
  const taps = fh * fw * cg;
  const table = taps <= MAX_TAPS;
  if (table) {
    let t = 0;
    for (let fy = 0; fy < fh; fy++)
      for (let fx = 0; fx < fw; fx++)
        for (let ci = 0; ci < cg; ci++) {
          store<u32>(TAPS + ((<usize>t) << 2), ((fy * dh * w + fx * dw) * c + ci) << 2);
          t++;
        }
  }
  // The pixels [lo, hi) of a row whose windows lie inside it go four at a time, eight channels a
  // step, where the channels come in whole eights.
  const lo = firstInside(left, sx, outW);
  const hi = endInside(lo, w, fw, dw, left, sx, outW);
  const fours = table && fn % 8 == 0 && hi - lo >= 4;
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    const iy0 = oy * sy - top;
    const fy0 = firstTap(iy0, dh);
    const fy1 = endTap(iy0, dh, fh, h);
    for (let ox = 0; ox < outW; ox++) {
      if (fours && fy0 == 0 && fy1 == fh && ox >= lo && ox < hi) {
        // A ragged last four start back at hi - 4, storing some pixels twice with the same values.
        const o4 = min(ox, hi - 4);
        const px = x + ((<usize>((iy0 * w + o4 * sx - left) * c)) << 2);
        fourPixels(px, (<usize>(sx * c)) << 2, cg, fng, fn, wts, taps, y + ((<usize>((oy * outW + o4) * fn)) << 2));
        ox = o4 + 3;
        continue;
      }
      const ix0 = ox * sx - left;
      const fx0 = firstTap(ix0, dw);
      const fx1 = endTap(ix0, dw, fw, w);
      const out = y + ((<usize>((oy * outW + ox) * fn)) << 2);
      if (table && fy0 == 0 && fy1 == fh && fx0 == 0 && fx1 == fw) {
        pixelInside(x + ((<usize>((iy0 * w + ix0) * c)) << 2), cg, fng, fn, wts, taps, out);
      } else {
        pixel(x, w, c, cg, fng, fn, wts, fw, dh, dw, iy0, ix0, fy0, fy1, fx0, fx1, out);
      }
    }
  }
  clearEpilogue();
}

// Four adjacent pixels whose windows lie inside the image, every channel: px is the first one's
// first tap's first channel.
function fourPixels(px: usize, pixBytes: usize, cg: i32, fng: i32, fn: i32, wts: usize, taps: i32, out: usize): void {
  const fnBytes = (<usize>fn) << 2;
  for (let o = 0; o < fn; o += 8) {
    const in0 = (<usize>((o / fng) * cg)) << 2;
    const in1 = (<usize>(((o + 4) / fng) * cg)) << 2;
    group_conv_nhwc_4x8(
      px,
      pixBytes,
      TAPS,
      taps,
      in0,
      in1,
      wts + ((<usize>o) << 2),
      fnBytes,
      out + ((<usize>o) << 2),
      fn,
      o,
    );
  }
}

// A pixel whose window lies inside the image: px is its first tap's first channel.
function pixelInside(px: usize, cg: i32, fng: i32, fn: i32, wts: usize, taps: i32, out: usize): void {
  const fnBytes = (<usize>fn) << 2;
  const clamp = epilogueIsClamp();
  let o = 0;
  for (; o + 16 <= fn; o += 16) {
    const p0 = px + ((<usize>((o / fng) * cg)) << 2);
    const p1 = px + ((<usize>(((o + 4) / fng) * cg)) << 2);
    const p2 = px + ((<usize>(((o + 8) / fng) * cg)) << 2);
    const p3 = px + ((<usize>(((o + 12) / fng) * cg)) << 2);
    let a0 = epilogueBias4(o);
    let a1 = epilogueBias4(o + 4);
    let a2 = epilogueBias4(o + 8);
    let a3 = epilogueBias4(o + 12);
    let pw = wts + ((<usize>o) << 2);
    for (let t = 0; t < taps; t++) {
      const off = <usize>load<u32>(TAPS + ((<usize>t) << 2));
      a0 = madd(v128.load32_splat(p0 + off), v128.load(pw), a0);
      a1 = madd(v128.load32_splat(p1 + off), v128.load(pw, 16), a1);
      a2 = madd(v128.load32_splat(p2 + off), v128.load(pw, 32), a2);
      a3 = madd(v128.load32_splat(p3 + off), v128.load(pw, 48), a3);
      pw += fnBytes;
    }
    storeAcrossChannels16(out + ((<usize>o) << 2), a0, a1, a2, a3, o, clamp);
  }
  for (; o < fn; o += 4) {
    const p0 = px + ((<usize>((o / fng) * cg)) << 2);
    let a = epilogueBias4(o);
    let pw = wts + ((<usize>o) << 2);
    for (let t = 0; t < taps; t++) {
      a = madd(v128.load32_splat(p0 + <usize>load<u32>(TAPS + ((<usize>t) << 2))), v128.load(pw), a);
      pw += fnBytes;
    }
    storeActivatedAcrossChannels(out + ((<usize>o) << 2), a, o);
  }
}

function pixel(
  x: usize,
  w: i32,
  c: i32,
  cg: i32,
  fng: i32,
  fn: i32,
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
  const fnBytes = (<usize>fn) << 2;
  const clamp = epilogueIsClamp();
  let o = 0;
  for (; o + 16 <= fn; o += 16) {
    // The input channels each vector's group reads, as byte offsets into a pixel.
    const i0 = (<usize>((o / fng) * cg)) << 2;
    const i1 = (<usize>(((o + 4) / fng) * cg)) << 2;
    const i2 = (<usize>(((o + 8) / fng) * cg)) << 2;
    const i3 = (<usize>(((o + 12) / fng) * cg)) << 2;
    let a0 = epilogueBias4(o);
    let a1 = epilogueBias4(o + 4);
    let a2 = epilogueBias4(o + 8);
    let a3 = epilogueBias4(o + 12);
    for (let fy = fy0; fy < fy1; fy++) {
      for (let fx = fx0; fx < fx1; fx++) {
        let px = x + ((<usize>(((iy0 + fy * dh) * w + ix0 + fx * dw) * c)) << 2);
        let pw = wts + ((<usize>((fy * fw + fx) * cg * fn + o)) << 2);
        for (let ci = 0; ci < cg; ci++) {
          a0 = madd(v128.load32_splat(px + i0), v128.load(pw), a0);
          a1 = madd(v128.load32_splat(px + i1), v128.load(pw, 16), a1);
          a2 = madd(v128.load32_splat(px + i2), v128.load(pw, 32), a2);
          a3 = madd(v128.load32_splat(px + i3), v128.load(pw, 48), a3);
          px += 4;
          pw += fnBytes;
        }
      }
    }
    storeAcrossChannels16(out + ((<usize>o) << 2), a0, a1, a2, a3, o, clamp);
  }
  for (; o < fn; o += 4) {
    const i0 = (<usize>((o / fng) * cg)) << 2;
    let a = epilogueBias4(o);
    for (let fy = fy0; fy < fy1; fy++) {
      for (let fx = fx0; fx < fx1; fx++) {
        let px = x + ((<usize>(((iy0 + fy * dh) * w + ix0 + fx * dw) * c)) << 2);
        let pw = wts + ((<usize>((fy * fw + fx) * cg * fn + o)) << 2);
        for (let ci = 0; ci < cg; ci++) {
          a = madd(v128.load32_splat(px + i0), v128.load(pw), a);
          px += 4;
          pw += fnBytes;
        }
      }
    }
    storeActivatedAcrossChannels(out + ((<usize>o) << 2), a, o);
  }
}
