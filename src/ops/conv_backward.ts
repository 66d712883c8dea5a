// The convolution's gradients in every geometry, as the adjoints of its forward passes:
//   dx = col2im(W^T dy)  (NCHW; NHWC: the rows' adjoint conv_nhwc_rows_add)
//   dW = dy im2col(x)^T  (NCHW; NHWC: im2row(x)^T dy into the HWIO filter)
// per image and per group, groups being pointer offsets. One thread: training a real network
// shares whole batches out at a higher level, and these run once per step, not per pixel.
import { sgemmWorkspaceFloats } from "../runtime/memory.js";
import type { Runtime } from "../runtime/wasm.js";
import { windowArgs, type ConvGeometry } from "./conv_geometry.js";
import { ROWS_PER_CHUNK } from "./conv_forward.js";
import type { Layout } from "./options.js";

/** Floats of scratch either gradient needs: the SGEMM's workspace, then one group's im2col block. */
export function convGradScratch(rt: Runtime, g: ConvGeometry): number {
  const block = g.layout === "NCHW" ? g.K * g.P : ROWS_PER_CHUNK * g.K;
  return sgemmWorkspaceFloats(rt) + block;
}

/** dx [N, C, H, W] (or NHWC) from dy and W, overwriting dx. */
export function convBackpropInputAll(
  rt: Runtime,
  g: ConvGeometry,
  pdy: number,
  pw: number,
  pdx: number,
  work: number,
): void {
  const k = rt.kernels;
  const block = work + sgemmWorkspaceFloats(rt) * 4;
  const imageBytes = g.C * g.H * g.W * 4;
  if (g.layout === "NHWC") new Float32Array(k.memory.buffer, pdx, g.N * g.C * g.H * g.W).fill(0);
  for (let n = 0; n < g.N; n++) {
    const dx = pdx + n * imageBytes;
    const dy = pdy + n * g.FN * g.P * 4;
    for (let gi = 0; gi < g.groups; gi++) {
      if (g.layout === "NCHW") {
        // dcolT [K, P] = Wg^T [K, FNg] x dyg [FNg, P]: A is Wg [FNg, K] read transposed.
        const wg = pw + gi * g.FNg * g.K * 4;
        k.sgemm(g.K, g.P, g.FNg, wg, 1, g.K, dy + gi * g.FNg * g.P * 4, g.P, 1, 0, block, g.P, work);
        const dxg = dx + gi * g.Cg * g.H * g.W * 4;
        k.col2im(block, 1, g.Cg, g.H, g.W, g.FH, g.FW, g.sy, g.sx, g.dh, g.dw, g.top, g.left, g.outH, g.outW, dxg);
        continue;
      }
      for (let p0 = 0; p0 < g.P; p0 += ROWS_PER_CHUNK) {
        const np = Math.min(ROWS_PER_CHUNK, g.P - p0);
        // drows [np, K] = dy [np, FNg] x Wg^T: Wg is the HWIO slice [K, FNg] (row stride FN) read transposed.
        const dyRows = dy + (p0 * g.FN + gi * g.FNg) * 4;
        k.sgemm(np, g.K, g.FNg, dyRows, g.FN, 1, pw + gi * g.FNg * 4, 1, g.FN, 0, block, g.K, work);
        k.conv_nhwc_rows_add(block, g.H, g.W, g.C, gi * g.Cg, g.Cg, g.FH, g.FW, ...windowArgs(g), g.outW, p0, np, dx);
      }
    }
  }
}

/** dW [FN, C/groups, FH, FW] (or HWIO) from x and dy, summed over the batch, overwriting dW. */
export function convBackpropFilterAll(
  rt: Runtime,
  g: ConvGeometry,
  px: number,
  pdy: number,
  pdw: number,
  work: number,
): void {
  const k = rt.kernels;
  const block = work + sgemmWorkspaceFloats(rt) * 4;
  const imageBytes = g.C * g.H * g.W * 4;
  for (let n = 0; n < g.N; n++) {
    const x = px + n * imageBytes;
    const dy = pdy + n * g.FN * g.P * 4;
    for (let gi = 0; gi < g.groups; gi++) {
      if (g.layout === "NCHW") {
        const xg = x + gi * g.Cg * g.H * g.W * 4;
        k.im2col_kernel_order(xg, 1, g.Cg, g.H, g.W, g.FH, g.FW, ...windowArgs(g), g.outH, g.outW, block);
        // dWg [FNg, K] (+)= dyg [FNg, P] x colT [K, P]^T: B is colT read transposed.
        const dwg = pdw + gi * g.FNg * g.K * 4;
        k.sgemm(g.FNg, g.K, g.P, dy + gi * g.FNg * g.P * 4, g.P, 1, block, 1, g.P, n === 0 ? 0 : 1, dwg, g.K, work);
        continue;
      }
      for (let p0 = 0; p0 < g.P; p0 += ROWS_PER_CHUNK) {
        const np = Math.min(ROWS_PER_CHUNK, g.P - p0);
        k.conv_nhwc_rows(x, g.H, g.W, g.C, gi * g.Cg, g.Cg, g.FH, g.FW, ...windowArgs(g), g.outW, p0, np, block);
        // dWg [K, FNg] (+)= rows [np, K]^T x dy [np, FNg], into the HWIO filter's columns of group gi.
        const beta = n === 0 && p0 === 0 ? 0 : 1;
        const dyRows = dy + (p0 * g.FN + gi * g.FNg) * 4;
        k.sgemm(g.K, g.FNg, np, block, 1, g.K, dyRows, g.FN, 1, beta, pdw + gi * g.FNg * 4, g.FN, work);
      }
    }
  }
}

/** db [FN]: dy [N, FN, P] (or [N, P, FN]) summed over images and pixels. */
export function convBackpropBiasAll(
  rt: Runtime,
  layout: Layout,
  N: number,
  FN: number,
  P: number,
  pdy: number,
  pdb: number,
): void {
  if (layout === "NCHW") rt.kernels.bias_grad(pdy, N, FN, P, pdb);
  else rt.kernels.bias_grad(pdy, N * P, FN, 1, pdb); // rows of FN channels: a plane of 1
}
