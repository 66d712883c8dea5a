import { madd } from "../gemm/madd";
import {
  activate,
  storeActivatedOfChannel,
  clearEpilogue,
  epilogueBias,
  epilogueIsClamp,
  storeOfChannel16,
  epilogueSlope,
} from "../elementwise/epilogue";
import { group_conv_nchw_4x8 } from "./group_conv_nchw_4x8";

// Direct grouped convolution of `groups` groups of one NCHW image, cg input planes each, into m
// output planes per group: output plane o = g*m + j is act(bias[o] + sum over c < cg and the taps
// of w[o][c][fy][fx] * x[g*cg + c] at (oy*sy - top + fy*dh, ox*sx - left + fx*dw)), with the
// epilogue's bias and activation for channels ch0*m + o. cg = 1 is depthwise (m its multiplier);
// small groups (ResNeXt's, ShuffleNet's) are too narrow for a GEMM's panels to pay. Each group's
// planes are first copied into `scratch` with their padding around them, so the loops run
// without a bounds test, vectorised along the output row.
export function group_conv_nchw(
  x: usize,
  groups: i32,
  cg: i32,
  h: i32,
  w: i32,
  wts: usize,
  m: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
  outH: i32,
  outW: i32,
  ch0: i32,
  y: usize,
  scratch: usize,
): void {
  const hp = (outH - 1) * sy + (fh - 1) * dh + 1;
  const wp = paddedWidth(outW, fw, sx, dw);
  const planeBytes = <usize>(h * w) << 2;
  const paddedBytes = <usize>(hp * wp) << 2;
  const outBytes = <usize>(outH * outW) << 2;
  const filterBytes = <usize>(cg * fh * fw) << 2;
  memory.fill(scratch, 0, <usize>cg * paddedBytes);
  const k = cg * fh * fw;
  // Stride 1 and whole fours of filters per group (ResNeXt's, W13's): four channels at a time.
  const fours = sx == 1 && k <= MAX_TAPS ? m & ~3 : 0;
  if (fours > 0) writeTaps(cg, fh, fw, dh, dw, wp, paddedBytes);
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < cg; c++) {
      padPlane(x + <usize>(g * cg + c) * planeBytes, h, w, top, left, hp, wp, scratch + <usize>c * paddedBytes);
    }
    for (let j = 0; j < fours; j += 4) {
      const o = g * m + j;
      fourChannels(scratch, k, wts + <usize>o * filterBytes, filterBytes, sy, wp, outH, outW, ch0 * m + o, y + <usize>o * outBytes);
    }
    for (let j = fours; j < m; j++) {
      const o = g * m + j;
      const wo = wts + <usize>o * filterBytes;
      const ch = ch0 * m + o;
      const yo = y + <usize>o * outBytes;
      // Inlined thrice so that each copy's four() knows its stride: the test in the innermost loop
      // cost a third of W8's time.
      if (sx == 1) convolvePlane(scratch, cg, paddedBytes, wp, wo, fh, fw, sy, 1, dh, dw, outH, outW, ch, yo);
      else if (sx == 2) convolvePlane(scratch, cg, paddedBytes, wp, wo, fh, fw, sy, 2, dh, dw, outH, outW, ch, yo);
      else convolvePlane(scratch, cg, paddedBytes, wp, wo, fh, fw, sy, sx, dh, dw, outH, outW, ch, yo);
    }
  }
  clearEpilogue();
}

// Byte offsets of a window's k = cg*fh*fw taps in the padded planes from its first, for the
// 4x8 kernel: one loop of k steps instead of three nested short ones. Static data: in the threaded
// builds every thread of one call writes the same values from the same geometry.
const MAX_TAPS = 1024;
const TAPS = memory.data(MAX_TAPS * 4, 16);

function writeTaps(cg: i32, fh: i32, fw: i32, dh: i32, dw: i32, wp: i32, paddedBytes: usize): void {
  let t: usize = 0;
  for (let c = 0; c < cg; c++)
    for (let fy = 0; fy < fh; fy++)
      for (let fx = 0; fx < fw; fx++) {
        store<u32>(TAPS + (t << 2), <u32>(<usize>c * paddedBytes + (<usize>(fy * dh * wp + fx * dw) << 2)));
        t++;
      }
}

// Output channels ch .. ch + 3 (filters at wts, filterBytes apart), every pixel, eight at a time.
function fourChannels(
  src: usize, k: i32, wts: usize, filterBytes: usize, sy: i32, wp: i32, outH: i32, outW: i32, ch: i32, y: usize,
): void {
  const plane = outH * outW;
  for (let oy = 0; oy < outH; oy++) {
    const row = src + (<usize>(oy * sy * wp) << 2);
    const out = y + (<usize>(oy * outW) << 2);
    for (let ox = 0; ox < outW; ox += 8) {
      group_conv_nchw_4x8(row + (<usize>ox << 2), TAPS, k, wts, filterBytes, out + (<usize>ox << 2), plane, min(8, outW - ox), ch);
    }
  }
}

// Floats of scratch group_conv_nchw needs: one group's cg padded planes, with 8 floats of slack at
// the end of each row for the stride-2 loads of a last vector.
export function group_conv_nchw_scratch_floats(
  cg: i32, outH: i32, outW: i32, fh: i32, fw: i32, sy: i32, sx: i32, dh: i32, dw: i32,
): i32 {
  return cg * ((outH - 1) * sy + (fh - 1) * dh + 1) * paddedWidth(outW, fw, sx, dw);
}

function paddedWidth(outW: i32, fw: i32, sx: i32, dw: i32): i32 {
  return (outW - 1) * sx + (fw - 1) * dw + 1 + 8;
}

// scratch[r][q] = x[r - top][q - left] where that is inside x, for the hp x wp window the
// outputs read. The rest, the padding, is the same for every plane: the caller zeroes it once.
// Row by row with v128 copies: memory.copy and memory.fill cost a call each, which on W8's
// 144 planes (three per row) took longer than the convolution.
function padPlane(x: usize, h: i32, w: i32, top: i32, left: i32, hp: i32, wp: i32, scratch: usize): void {
  const n = min(left + w, wp) - left;
  const r1 = min(top + h, hp);
  for (let r = top; r < r1; r++) {
    const dst = scratch + (<usize>(r * wp + left) << 2);
    const src = x + (<usize>((r - top) * w) << 2);
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
  }
}

// One output plane from the group's cg padded planes (planeBytes apart); weights [cg][fh][fw].
@inline function convolvePlane(
  src: usize,
  cg: i32,
  planeBytes: usize,
  wp: i32,
  wts: usize,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  outH: i32,
  outW: i32,
  ch: i32,
  y: usize,
): void {
  const b = epilogueBias(ch);
  const slope = epilogueSlope(ch);
  const vb = f32x4.splat(b);
  const tapRow = <usize>(dh * wp) << 2;
  const tapCol = <usize>dw << 2;
  const clamp = epilogueIsClamp();
  const vec = <usize>sx << 4; // four outputs on: 4*sx floats
  for (let oy = 0; oy < outH; oy++) {
    const row = src + (<usize>(oy * sy * wp) << 2);
    let ox = 0;
    // Sixteen outputs at a time: four independent chains hide the multiply-add's latency, and
    // each tap's weight is broadcast once for all four.
    for (; ox + 16 <= outW; ox += 16) {
      let a0 = vb;
      let a1 = vb;
      let a2 = vb;
      let a3 = vb;
      let wt = wts;
      for (let c = 0; c < cg; c++) {
        let r = row + <usize>c * planeBytes + (<usize>(ox * sx) << 2);
        for (let fy = 0; fy < fh; fy++) {
          let p = r;
          for (let fx = 0; fx < fw; fx++) {
            const k = v128.load32_splat(wt);
            a0 = madd(four(p, sx), k, a0);
            a1 = madd(four(p + vec, sx), k, a1);
            a2 = madd(four(p + 2 * vec, sx), k, a2);
            a3 = madd(four(p + 3 * vec, sx), k, a3);
            p += tapCol;
            wt += 4;
          }
          r += tapRow;
        }
      }
      storeOfChannel16(y, a0, a1, a2, a3, ch, clamp);
      y += 64;
    }
    for (; ox + 4 <= outW; ox += 4) {
      let acc = vb;
      let wt = wts;
      for (let c = 0; c < cg; c++) {
        let r = row + <usize>c * planeBytes + (<usize>(ox * sx) << 2);
        for (let fy = 0; fy < fh; fy++) {
          let p = r;
          for (let fx = 0; fx < fw; fx++) {
            acc = madd(four(p, sx), v128.load32_splat(wt), acc);
            p += tapCol;
            wt += 4;
          }
          r += tapRow;
        }
      }
      storeActivatedOfChannel(y, acc, ch);
      y += 16;
    }
    for (; ox < outW; ox++) {
      let acc = b;
      let wt = wts;
      for (let c = 0; c < cg; c++) {
        let r = row + <usize>c * planeBytes + (<usize>(ox * sx) << 2);
        for (let fy = 0; fy < fh; fy++) {
          for (let fx = 0; fx < fw; fx++) acc += load<f32>(r + (<usize>(fx * dw) << 2)) * load<f32>(wt + (<usize>(fx << 2)));
          wt += <usize>fw << 2;
          r += tapRow;
        }
      }
      store<f32>(y, activate(acc, slope));
      y += 4;
    }
  }
}

// p[0], p[sx], p[2*sx], p[3*sx]: one load at stride 1, two and a shuffle at 2, lanes beyond.
@inline function four(p: usize, sx: i32): v128 {
  if (sx == 1) return v128.load(p);
  if (sx == 2) return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  const s = <usize>sx << 2;
  return f32x4(load<f32>(p), load<f32>(p + s), load<f32>(p + 2 * s), load<f32>(p + 3 * s));
}
