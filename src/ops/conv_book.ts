// The book's convolution for training: NCHW, one group, one stride and pad (isBookGeometry).
// Forward keeps every image's im2col matrix for backward, which needs it for dW.
import type { Runtime } from "../runtime/wasm.js";
import { DIRECT_MAX_TAPS } from "./conv_forward.js";
import type { ConvGeometry } from "./conv_geometry.js";

/**
 * y = W x im2col(x) + b, one image at a time. Stride 1 without padding and few taps per output
 * (the MNIST net's 1-channel 5x5) runs the direct kernel. Other inference convolutions run
 * conv_gemm, which packs the GEMM's panels straight from the image and writes no im2col matrix.
 * Training keeps every image's colT for backward (`colStride` = K*P floats): im2col, then
 * W[FN, K] x colT[K, P], which lands in NCHW with no transpose. `pb` is the bias, or 0.
 */
export function convForward(
  rt: Runtime,
  g: ConvGeometry,
  px: number,
  pw: number,
  pb: number,
  pcolT: number,
  colStride: number,
  py: number,
  work: number,
): void {
  const k = rt.kernels;
  const imageBytes = g.C * g.H * g.W * 4;
  const direct = colStride === 0 && pb !== 0 && g.sy === 1 && g.top === 0 && g.K <= DIRECT_MAX_TAPS;
  // The direct kernel reads W packed in groups of 4 filters; the SGEMM scratch holds it (FN*K floats, far below its size).
  if (direct) k.sgemm_pack_a_4(pw, g.K, 1, g.FN, g.K, work);
  for (let n = 0; n < g.N; n++) {
    const x = px + n * imageBytes;
    const y = py + n * g.FN * g.P * 4;
    if (direct) {
      k.conv_direct_4x8(x, g.C, g.H, g.W, g.FH, g.FW, g.outH, g.outW, work, g.FN, pb, y);
      continue;
    }
    if (colStride === 0) {
      k.conv_gemm(
        x,
        g.C,
        g.H,
        g.W,
        g.FH,
        g.FW,
        g.sy,
        g.sx,
        1,
        1,
        g.top,
        g.left,
        g.outW,
        0,
        g.P,
        pw,
        g.FN,
        y,
        g.P,
        work,
      );
    } else {
      const col = pcolT + n * colStride * 4;
      k.im2col_kernel_order(x, 1, g.C, g.H, g.W, g.FH, g.FW, g.sy, g.sx, 1, 1, g.top, g.left, g.outH, g.outW, col);
      k.sgemm(g.FN, g.P, g.K, pw, g.K, 1, col, g.P, 1, 0, y, g.P, work);
    }
    if (pb !== 0) k.bias_add(y, pb, 1, g.FN, g.P); // while the image's output is still in cache
  }
}

/**
 * dW and db from dout = dL/dy and every image's kept colT; dx too when `pdx` is not 0 (the first
 * layer of a network needs no dx, and skipping it skips a GEMM and col2im per image).
 */
export function convBackward(
  rt: Runtime,
  g: ConvGeometry,
  pdout: number,
  pw: number,
  pcolT: number,
  pdW: number,
  pdb: number,
  pdcolT: number,
  pdx: number,
  work: number,
): void {
  const k = rt.kernels;
  const imageBytes = g.C * g.H * g.W * 4;
  for (let n = 0; n < g.N; n++) {
    const dy = pdout + n * g.FN * g.P * 4;
    const col = pcolT + n * g.K * g.P * 4;
    // dW += dy[FN, P] x colT[K, P]^T: B is colT read transposed (row stride 1, column stride P).
    k.sgemm(g.FN, g.K, g.P, dy, g.P, 1, col, 1, g.P, n === 0 ? 0 : 1, pdW, g.K, work);
    if (pdx === 0) continue;
    // dcolT = W^T[K, FN] x dy[FN, P], then fold the slices back onto the image.
    k.sgemm(g.K, g.P, g.FN, pw, 1, g.K, dy, g.P, 1, 0, pdcolT, g.P, work);
    k.col2im(
      pdcolT,
      1,
      g.C,
      g.H,
      g.W,
      g.FH,
      g.FW,
      g.sy,
      g.sx,
      1,
      1,
      g.top,
      g.left,
      g.outH,
      g.outW,
      pdx + n * imageBytes,
    );
  }
  k.bias_grad(pdout, g.N, g.FN, g.P, pdb);
}
