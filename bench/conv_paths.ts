// `npm run bench:conv-paths`: one image through the stride-1 unpadded convolution paths -- im2col
// + SGEMM + bias (training's, which keeps colT), conv_gemm + bias (inference's GEMM path, packing
// from the image) and the direct kernel (packing W included) -- for growing taps per output
// (C*FH*FW). It sets src/ops/conv2d.ts's DIRECT_MAX_TAPS. Medians of 31 batches of 20 calls.
import { init } from "../src/index.js";
import { getRuntime } from "../src/runtime/wasm.js";
await init();
const rt = getRuntime();
const k = rt.kernels;
function med(f: () => void): number {
  const t0 = performance.now();
  while (performance.now() - t0 < 200) f();
  const ts: number[] = [];
  for (let i = 0; i < 31; i++) {
    const t = performance.now();
    for (let j = 0; j < 20; j++) f();
    ts.push((performance.now() - t) / 20);
  }
  return ts.sort((a, c) => a - c)[15];
}
for (const [C, F, H, FN] of [
  [1, 5, 28, 30],
  [3, 3, 32, 32],
  [1, 7, 32, 32],
  [4, 4, 32, 32],
  [8, 3, 32, 32],
  [16, 3, 32, 32],
  [32, 3, 16, 64],
  [64, 3, 28, 64],
]) {
  const oH = H - F + 1,
    P = oH * oH,
    K = C * F * F;
  const [x, col, w, b, y, work] = rt.heap.allocFloats("t", [
    C * H * H,
    K * P,
    FN * K,
    FN,
    FN * P,
    k.sgemm_workspace_bytes() / 4,
  ]);
  new Float32Array(k.memory.buffer, x, C * H * H).fill(0.5);
  new Float32Array(k.memory.buffer, w, FN * K).fill(0.1);
  const gemm = med(() => {
    k.im2col_kernel_order(x, 1, C, H, H, F, F, 1, 1, 1, 1, 0, 0, oH, oH, col);
    k.sgemm(FN, P, K, w, K, 1, col, P, 1, 0, y, P, work);
    k.bias_add(y, b, 1, FN, P);
  });
  const packed = med(() => {
    k.conv_gemm(x, C, H, H, F, F, 1, 1, 1, 1, 0, 0, oH, 0, P, w, FN, y, P, work);
    k.bias_add(y, b, 1, FN, P);
  });
  const direct = med(() => {
    k.sgemm_pack_a_4(w, K, 1, FN, K, work);
    k.conv_direct_4x8(x, C, H, H, F, F, oH, oH, work, FN, b, y);
  });
  console.log(
    `C=${C} ${F}x${F} H=${H} FN=${FN} K=${K}: im2col+gemm ${(gemm * 1000).toFixed(1)} us, conv_gemm ${(packed * 1000).toFixed(1)} us, direct ${(direct * 1000).toFixed(1)} us, direct vs conv_gemm ${(packed / direct).toFixed(2)}x`,
  );
}
