import { madd } from "../gemm/madd";
import {
  epilogueBias4,
  epilogueClampHi,
  epilogueClampLo,
  epilogueIsClamp,
  storeActivatedAcrossChannels,
} from "../elementwise/epilogue";

// Four output pixels x eight output channels of a grouped NHWC convolution, for pixels whose
// windows lie inside the image: out[q][0..8] = sum over the k taps t of x[q][taps[t] + in_j] *
// wts[t][0..8], where pixel q's window starts at px + q*pixBytes, taps[t] is tap t's byte offset
// from there (row, column and input channel within the group), in0 / in1 are the byte offsets of
// the groups of channels 0..3 and 4..7 (the same group when it is 8 or more filters wide) and
// wts's rows are fnBytes apart (HWIO). Each input is broadcast straight from the image, each tap's
// eight weights loaded once for the four pixels: 8 accumulators, as in the SGEMM's 4x8. Always four
// pixels: a ragged count's select of each pointer went inside the loop (TurboFan), and spilled.
// y's pixels are ldy floats apart; col0 is its first channel.
export function group_conv_nhwc_4x8(
  px: usize,
  pixBytes: usize,
  taps: usize,
  k: i32,
  in0: usize,
  in1: usize,
  wts: usize,
  fnBytes: usize,
  y: usize,
  ldy: i32,
  col0: i32,
): void {
  // As few live integers as the loop allows (V8 has about 11 general registers for WASM): the
  // first group's offset folded into the pixels' pointers, the second's a difference d, and the
  // taps walked by pointer.
  const q0 = px + in0;
  const q1 = q0 + pixBytes;
  const q2 = q0 + 2 * pixBytes;
  const q3 = q0 + 3 * pixBytes;
  const d = in1 - in0;
  // The bias first, as the one-pixel loop has it: every pixel rounds alike, inside or not.
  let c00 = epilogueBias4(col0), c01 = epilogueBias4(col0 + 4);
  let c10 = c00, c11 = c01;
  let c20 = c00, c21 = c01;
  let c30 = c00, c31 = c01;
  let pw = wts;
  const end = taps + ((<usize>k) << 2);
  for (let tp = taps; tp < end; tp += 4) {
    const off = <usize>load<u32>(tp);
    const w0 = v128.load(pw);
    const w1 = v128.load(pw, 16);
    let p = q0 + off;
    c00 = madd(v128.load32_splat(p), w0, c00);
    c01 = madd(v128.load32_splat(p + d), w1, c01);
    p = q1 + off;
    c10 = madd(v128.load32_splat(p), w0, c10);
    c11 = madd(v128.load32_splat(p + d), w1, c11);
    p = q2 + off;
    c20 = madd(v128.load32_splat(p), w0, c20);
    c21 = madd(v128.load32_splat(p + d), w1, c21);
    p = q3 + off;
    c30 = madd(v128.load32_splat(p), w0, c30);
    c31 = madd(v128.load32_splat(p + d), w1, c31);
    pw += fnBytes;
  }
  const row = (<usize>ldy) << 2;
  const clamp = epilogueIsClamp();
  storePixel(y, c00, c01, col0, clamp);
  storePixel(y + row, c10, c11, col0, clamp);
  storePixel(y + 2 * row, c20, c21, col0, clamp);
  storePixel(y + 3 * row, c30, c31, col0, clamp);
}

// Channels ch .. ch + 7 of one pixel, bias already in: the activation on the way.
@inline function storePixel(q: usize, lo: v128, hi: v128, ch: i32, clamp: bool): void {
  if (clamp) {
    const l = f32x4.splat(epilogueClampLo());
    const h = f32x4.splat(epilogueClampHi());
    v128.store(q, f32x4.pmin(f32x4.pmax(lo, l), h));
    v128.store(q, f32x4.pmin(f32x4.pmax(hi, l), h), 16);
  } else {
    storeActivatedAcrossChannels(q, lo, ch);
    storeActivatedAcrossChannels(q + 16, hi, ch + 4);
  }
}
