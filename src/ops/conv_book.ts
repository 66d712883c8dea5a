// The book's convolution for training: NCHW, one group, one stride and pad (isBookGeometry).
// Forward keeps every image's im2col matrix for backward, which needs it for dW.
import { sgemmWorkspaceFloats } from "../runtime/memory.js";
import { forShares, threadsFor } from "../runtime/parallel.js";
import type { Kernels, Runtime } from "../runtime/wasm.js";
import { addShares } from "./conv_backward.js";
import { DIRECT_MAX_TAPS } from "./conv_forward.js";
import { windowArgs, type ConvGeometry } from "./conv_geometry.js";

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
 * Floats of convBackward's buffers per thread: dcolT (when dx is wanted), the SGEMM's workspace,
 * one image's db and, but for the first thread, its share's dW and db.
 */
export function convBackwardScratch(rt: Runtime, g: ConvGeometry, withDx: boolean): number[] {
  return Array.from({ length: threadsFor(rt, g.N) }, (_, t) => [
    withDx ? g.K * g.P : 0,
    sgemmWorkspaceFloats(rt),
    g.FN,
    t === 0 ? 0 : g.FN * g.K,
    t === 0 ? 0 : g.FN,
  ]).flat();
}

/**
 * One image's terms of dW [FN, K] and db [FN] from its dy and kept colT: the first image of a
 * share overwrites dW and db, later ones add to them (db's term through dbImage, FN floats), so
 * each sums its images in order as bias_grad over the whole batch does.
 */
export function addImageGrads(
  k: Kernels,
  g: ConvGeometry,
  dy: number,
  col: number,
  dW: number,
  db: number,
  dbImage: number,
  first: boolean,
  work: number,
): void {
  // dW += dy[FN, P] x colT[K, P]^T: B is colT read transposed (row stride 1, column stride P).
  k.sgemm(g.FN, g.K, g.P, dy, g.P, 1, col, 1, g.P, first ? 0 : 1, dW, g.K, work);
  k.bias_grad(dy, 1, g.FN, g.P, first ? db : dbImage);
  if (!first) k.bias_add(db, dbImage, 1, g.FN, 1);
}

/**
 * dW and db from dout = dL/dy and every image's kept colT; dx too when `pdx` is not 0 (the first
 * layer of a network needs no dx, and skipping it skips a GEMM and col2im per image). Images are
 * shared out across the threads of `scratch` (convBackwardScratch's buffers): dx's bits are one
 * thread's, dW and db are each thread's sums added in thread order (see addShares).
 */
export function convBackward(
  rt: Runtime,
  g: ConvGeometry,
  pdout: number,
  pw: number,
  pcolT: number,
  pdW: number,
  pdb: number,
  pdx: number,
  scratch: readonly number[],
): void {
  const threads = scratch.length / 5;
  const imageBytes = g.C * g.H * g.W * 4;
  forShares(rt, g.N, threads, (k, first, count, t) => {
    const [pdcolT, work, dbImage, dWShare, dbShare] = scratch.slice(5 * t, 5 * t + 5);
    for (let n = first; n < first + count; n++) {
      const dy = pdout + n * g.FN * g.P * 4;
      const [dW, db] = t === 0 ? [pdW, pdb] : [dWShare, dbShare];
      addImageGrads(k, g, dy, pcolT + n * g.K * g.P * 4, dW, db, dbImage, n === first, work);
      if (pdx === 0) continue;
      // dcolT = W^T[K, FN] x dy[FN, P], then fold the slices back onto the image.
      k.sgemm(g.K, g.P, g.FN, pw, 1, g.K, dy, g.P, 1, 0, pdcolT, g.P, work);
      k.col2im(pdcolT, 1, g.C, g.H, g.W, g.FH, g.FW, ...windowArgs(g), g.outH, g.outW, pdx + n * imageBytes);
    }
  });
  const share = (t: number, i: number) => scratch[5 * t + i];
  const others = Array.from({ length: threads - 1 }, (_, t) => t + 1);
  addShares(
    rt.kernels,
    pdW,
    others.map((t) => share(t, 3)),
    g.FN * g.K,
  );
  addShares(
    rt.kernels,
    pdb,
    others.map((t) => share(t, 4)),
    g.FN,
  );
}
