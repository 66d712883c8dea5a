// V8 compiles new WebAssembly with its baseline compiler (Liftoff, 20-45% of full speed) and
// swaps in optimised code for a function only after it has done some work, at a later call
// (../shared/wasm-notes.md). Without this, the first real call of each kernel is the slow one, and
// the first predict() on an MNIST batch took 3x its steady time. init() therefore runs every hot
// kernel on small buffers until it has tiered up: a few milliseconds, once.
import type { Heap } from "./heap.js";
import type { Kernels } from "./wasm.js";

/** Rounds of small calls; measured in bench/first_call.ts, which reports the first-call latency. */
const ROUNDS = 40;

export function warmUp(k: Kernels, heap: Heap): void {
  // An 8x16x16 image, 3x3 windows: every kernel's inner loops run, none for long.
  const C = 8,
    H = 16,
    W = 16,
    F = 3,
    P = 14 * 14,
    K = C * F * F,
    FN = 16;
  const work = k.sgemm_workspace_bytes() / 4;
  const sizes = [C * H * W, K * P, FN * K, FN * P, FN * P, FN * P, FN, work, K * Math.ceil(P / 8) * 8];
  const [x, col, w, y, arg, dx, b, ws, packedB] = heap.allocFloats("init", sizes);
  try {
    new Float32Array(k.memory.buffer, x, C * H * W).fill(0.5);
    new Float32Array(k.memory.buffer, w, FN * K).fill(0.25);
    for (let r = 0; r < ROUNDS; r++) {
      k.im2col_kernel_order(x, 1, C, H, W, F, F, 1, 1, 1, 1, 1, 1, 14, 14, col);
      k.im2col_output_order(x, 1, C, H, W, F, F, 1, 0, 14, 14, col);
      k.sgemm(FN, P, K, w, K, 1, col, P, 1, 0, y, P, ws);
      k.sgemm(FN, K, P, y, P, 1, col, 1, P, 1, w, K, ws);
      k.sgemm_pack_b_8(col, P, 1, K, P, packedB);
      k.sgemm_packed_b(FN, P, K, w, K, 1, packedB, y, P, ws);
      k.conv_gemm(x, C, H, W, F, F, 1, 1, 1, 1, 0, 0, 14, 0, P, w, FN, y, P, ws);
      k.sgemm_pack_a_4(w, K, 1, FN, K, ws);
      k.conv_direct_4x8(x, C, H, W, F, F, 14, 14, ws, FN, b, y);
      k.bias_add(y, b, 1, FN, P);
      k.maxpool_2x2s2_max(y, FN, 14, 14, 7, 7, dx);
      k.maxpool_2x2s2_forward(y, FN, 14, 14, 7, 7, dx, arg);
      k.maxpool_forward(y, FN, 14, 14, 3, 3, 2, 2, 1, 7, 7, dx, arg);
      k.maxpool_backward(dx, arg, FN, 49, P, y);
      // The functional pools, 3x3 stride 1 pad 1 on the image (col is their scratch).
      k.maxpool_nchw(x, C, H, W, F, F, 1, 1, 1, 1, 1, 1, H, W, y, col);
      k.avgpool_nchw(x, C, H, W, F, F, 1, 1, 1, 1, 1, 1, 0, H, W, y, col);
      k.maxpool_nhwc(x, 1, H, W, C, F, F, 1, 1, 1, 1, 1, 1, H, W, y);
      k.avgpool_nhwc(x, 1, H, W, C, F, F, 1, 1, 1, 1, 1, 1, 0, H, W, y);
      k.global_avgpool(x, C, H * W, 1, y);
      k.global_maxpool(x, C, H * W, 1, y);
      k.relu_forward(y, FN * P, y);
      k.relu_backward(y, y, FN * P, dx);
      k.bias_grad(dx, 1, FN, P, b);
      k.col2im(col, 1, C, H, W, F, F, 1, 1, 1, 1, 1, 1, 14, 14, x);
      // Winograd on the image's first 4 tiles, 'valid' (14x14 outputs): col holds the transformed
      // filter, dx the transformed tiles and arg their products.
      for (const [tile, tilesW, points] of [
        [4, 4, 36],
        [2, 7, 16],
      ]) {
        k.winograd_filter_transform(tile, w, FN, C, K, F * F, F, 1, C, col);
        k.winograd_input_transform(tile, x, H, W, C, H * W, 1, W, 0, 0, tilesW, 0, 4, dx, C);
        k.winograd_gemm(points, 4, FN, C, dx, col, FN, arg, ws);
        k.winograd_output_transform(tile, arg, FN, FN, tilesW, 0, 4, y, 14, 14, 14 * 14, 1, 14);
      }
    }
  } finally {
    for (const p of [x, col, w, y, arg, dx, b, ws, packedB]) heap.free(p);
  }
}
