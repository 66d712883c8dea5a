import { madd } from "../gemm/madd";

// Direct convolution at stride 1 without padding, for layers with few taps per output (the
// MNIST net's 1-channel 5x5): y[f, oy, ox] = bias[f] + sum over taps t = (c, ky, kx) of
// W[f, t] * x[c, oy + ky, ox + kx], one image. W comes packed by sgemm_pack_a_4 (for each group of
// 4 filters, the 4 weights of a tap side by side; missing filters are zero), so a tap is one v128
// load and four lane broadcasts, as in the GEMM micro-kernel. A register tile is 4 filters x 8
// neighbouring outputs of a row (8 accumulators): each tap loads two input vectors straight from
// the image and feeds 8 multiply-adds. No im2col matrix is written or packed, and the bias is the
// accumulators' starting value. Only rows narrower than 8 outputs take the scalar loop, so no
// load reads past the image.
export function conv_direct_4x8(
  x: usize,
  c: i32,
  h: i32,
  w: i32,
  fh: i32,
  fw: i32,
  outH: i32,
  outW: i32,
  packedW: usize,
  fn: i32,
  bias: usize,
  y: usize,
): void {
  const taps = c * fh * fw;
  const planeBytes = (<usize>(outH * outW)) << 2;
  const rowBytes = (<usize>w) << 2;
  for (let f0 = 0; f0 < fn; f0 += 4) {
    const panel = packedW + ((<usize>(f0 * taps)) << 2);
    const live = min(4, fn - f0);
    const b0 = v128.load32_splat(bias + ((<usize>f0) << 2));
    const b1 = v128.load32_splat(bias + ((<usize>min(f0 + 1, fn - 1)) << 2));
    const b2 = v128.load32_splat(bias + ((<usize>min(f0 + 2, fn - 1)) << 2));
    const b3 = v128.load32_splat(bias + ((<usize>min(f0 + 3, fn - 1)) << 2));
    for (let oy = 0; oy < outH; oy++) {
      const out = y + <usize>f0 * planeBytes + ((<usize>(oy * outW)) << 2);
      // Rows of 8 or more outputs end with a tile shifted left to end at the row's end: it
      // recomputes a few outputs (to the same values) instead of leaving a ragged tail.
      const tiled = outW >= 8 ? outW : 0;
      for (let t = 0; t < tiled; t += 8) {
        const ox = min(t, outW - 8);
        let c00 = b0,
          c01 = b0,
          c10 = b1,
          c11 = b1,
          c20 = b2,
          c21 = b2,
          c30 = b3,
          c31 = b3;
        let wp = panel;
        for (let ci = 0; ci < c; ci++) {
          let row = x + ((<usize>((ci * h + oy) * w + ox)) << 2);
          for (let ky = 0; ky < fh; ky++) {
            let src = row;
            for (let kx = 0; kx < fw; kx++) {
              const va = v128.load(wp);
              const in0 = v128.load(src),
                in1 = v128.load(src, 16);
              let wv = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
              c00 = madd(wv, in0, c00);
              c01 = madd(wv, in1, c01);
              wv = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
              c10 = madd(wv, in0, c10);
              c11 = madd(wv, in1, c11);
              wv = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
              c20 = madd(wv, in0, c20);
              c21 = madd(wv, in1, c21);
              wv = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
              c30 = madd(wv, in0, c30);
              c31 = madd(wv, in1, c31);
              wp += 16;
              src += 4;
            }
            row += rowBytes;
          }
        }
        const p = out + ((<usize>ox) << 2);
        v128.store(p, c00);
        v128.store(p, c01, 16);
        if (live > 1) {
          v128.store(p + planeBytes, c10);
          v128.store(p + planeBytes, c11, 16);
        }
        if (live > 2) {
          v128.store(p + 2 * planeBytes, c20);
          v128.store(p + 2 * planeBytes, c21, 16);
        }
        if (live > 3) {
          v128.store(p + 3 * planeBytes, c30);
          v128.store(p + 3 * planeBytes, c31, 16);
        }
      }
      for (let ox = tiled; ox < outW; ox++) {
        for (let f = 0; f < live; f++) {
          let acc = load<f32>(bias + ((<usize>(f0 + f)) << 2));
          let wp = panel + ((<usize>f) << 2);
          for (let ci = 0; ci < c; ci++) {
            for (let ky = 0; ky < fh; ky++) {
              const src = x + ((<usize>((ci * h + oy + ky) * w + ox)) << 2);
              for (let kx = 0; kx < fw; kx++) {
                acc += load<f32>(wp) * load<f32>(src + ((<usize>kx) << 2));
                wp += 16;
              }
            }
          }
          store<f32>(out + <usize>f * planeBytes + ((<usize>ox) << 2), acc);
        }
      }
    }
  }
}
