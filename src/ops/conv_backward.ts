// The convolution's gradients in every geometry, as the adjoints of its forward passes:
//   dx = col2im(W^T dy)  (NCHW; NHWC: the rows' adjoint conv_nhwc_rows_add)
//   dW = dy im2col(x)^T  (NCHW; NHWC: im2row(x)^T dy into the HWIO filter, or for few input
//                         channels conv_nhwc_filter_grad_4x8, which reads x's windows in place)
// per image and per group, groups being pointer offsets. With a thread pool, dx is shared out by
// images, or for fewer images than threads (NCHW) by input channels: the same bits either way.
// dW sums over images and pixels: by images, each thread sums its own share and the shares are
// added in thread order (NHWC with fewer images: by pixel chunks, the same way), which rounds
// differently from one thread's single sum; NCHW with fewer images than threads shares dW's rows
// instead, which keeps one thread's bits.
import { sgemmWorkspaceFloats } from "../runtime/memory.js";
import { forShares, threadsFor } from "../runtime/parallel.js";
import type { Kernels, Runtime } from "../runtime/wasm.js";
import { windowArgs, type ConvGeometry } from "./conv_geometry.js";
import { fewChannelsNhwc, ROWS_PER_CHUNK } from "./conv_forward.js";
import type { Layout } from "./options.js";

/** Threads the gradients of g run on. */
function gradThreads(rt: Runtime, g: ConvGeometry): number {
  if (g.N >= (rt.pool?.size ?? 1)) return threadsFor(rt, g.N);
  return threadsFor(rt, g.layout === "NCHW" ? Math.max(g.FNg, g.Cg) : Math.ceil(g.P / ROWS_PER_CHUNK));
}

/**
 * Floats of the buffers either gradient needs, per thread: the SGEMM's workspace and one group's
 * im2col block, then (but for the first thread) its share of dW.
 */
export function convGradScratch(rt: Runtime, g: ConvGeometry): number[] {
  const block = g.layout === "NCHW" ? g.K * g.P : ROWS_PER_CHUNK * g.K;
  return Array.from({ length: gradThreads(rt, g) }, (_, t) => [
    sgemmWorkspaceFloats(rt) + block,
    t === 0 ? 0 : g.FN * g.K,
  ]).flat();
}

/** dst += each of `shares` (`floats` floats each), in order: the threads' partial sums. */
export function addShares(k: Kernels, dst: number, shares: readonly number[], floats: number): void {
  for (const share of shares) k.bias_add(dst, share, 1, floats, 1);
}

/** dx [N, C, H, W] (or NHWC) from dy and W, overwriting dx; `scratch` as convGradScratch sized it. */
export function convBackpropInputAll(
  rt: Runtime,
  g: ConvGeometry,
  pdy: number,
  pw: number,
  pdx: number,
  scratch: readonly number[],
): void {
  const threads = scratch.length / 2;
  const workBytes = sgemmWorkspaceFloats(rt) * 4;
  const imageBytes = g.C * g.H * g.W * 4;
  if (g.layout === "NHWC") new Float32Array(rt.kernels.memory.buffer, pdx, g.N * g.C * g.H * g.W).fill(0);
  // Image n's dx, of input channels [c0, c0 + cs) of each group (NCHW; NHWC takes them all).
  const image = (k: Kernels, n: number, work: number, c0: number, cs: number) => {
    const block = work + workBytes;
    const dx = pdx + n * imageBytes;
    const dy = pdy + n * g.FN * g.P * 4;
    for (let gi = 0; gi < g.groups; gi++) {
      if (g.layout === "NCHW") {
        // dcolT [K, P] = Wg^T [K, FNg] x dyg [FNg, P], the rows of channels [c0, c0 + cs): A is Wg [FNg, K] read transposed.
        const taps = g.FH * g.FW;
        const wg = pw + (gi * g.FNg * g.K + c0 * taps) * 4;
        k.sgemm(cs * taps, g.P, g.FNg, wg, 1, g.K, dy + gi * g.FNg * g.P * 4, g.P, 1, 0, block, g.P, work);
        const dxg = dx + (gi * g.Cg + c0) * g.H * g.W * 4;
        k.col2im(block, 1, cs, g.H, g.W, g.FH, g.FW, g.sy, g.sx, g.dh, g.dw, g.top, g.left, g.outH, g.outW, dxg);
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
  };
  if (g.N >= threads || g.layout === "NHWC") {
    // NHWC's pixel chunks scatter into overlapping windows of dx: with fewer images than threads, one thread.
    forShares(rt, g.N, Math.min(threads, g.N), (k, first, count, i) => {
      for (let n = first; n < first + count; n++) image(k, n, scratch[2 * i], 0, g.Cg);
    });
    return;
  }
  for (let n = 0; n < g.N; n++) {
    forShares(rt, g.Cg, threads, (k, c0, cs, i) => image(k, n, scratch[2 * i], c0, cs));
  }
}

/** dW [FN, C/groups, FH, FW] (or HWIO) from x and dy, summed over the batch, overwriting dW. */
export function convBackpropFilterAll(
  rt: Runtime,
  g: ConvGeometry,
  px: number,
  pdy: number,
  pdw: number,
  scratch: readonly number[],
): void {
  const threads = scratch.length / 2;
  const workBytes = sgemmWorkspaceFloats(rt) * 4;
  const imageBytes = g.C * g.H * g.W * 4;
  const shares = Array.from({ length: threads - 1 }, (_, t) => scratch[2 * t + 3]);
  // Images [first, first + count), pixels [pFirst, pEnd) of each and filters [f0, f0 + fs) of each
  // group into dw, which the share's first term overwrites.
  const part = (
    k: Kernels,
    first: number,
    count: number,
    work: number,
    dw: number,
    pFirst: number,
    pEnd: number,
    f0: number,
    fs: number,
  ) => {
    const block = work + workBytes;
    for (let n = first; n < first + count; n++) {
      const x = px + n * imageBytes;
      const dy = pdy + n * g.FN * g.P * 4;
      for (let gi = 0; gi < g.groups; gi++) {
        if (g.layout === "NCHW") {
          const xg = x + gi * g.Cg * g.H * g.W * 4;
          k.im2col_kernel_order(xg, 1, g.Cg, g.H, g.W, g.FH, g.FW, ...windowArgs(g), g.outH, g.outW, block);
          // dWg [FNg, K] (+)= dyg [FNg, P] x colT [K, P]^T: B is colT read transposed.
          const rows = gi * g.FNg + f0;
          const beta = n === first ? 0 : 1;
          k.sgemm(fs, g.K, g.P, dy + rows * g.P * 4, g.P, 1, block, 1, g.P, beta, dw + rows * g.K * 4, g.K, work);
          continue;
        }
        if (fewChannelsNhwc(g)) {
          const more = n === first ? 0 : 1;
          k.conv_nhwc_filter_grad_4x8(
            x,
            g.H,
            g.W,
            g.C,
            dy,
            g.FN,
            g.FH,
            g.FW,
            ...windowArgs(g),
            g.outW,
            pFirst,
            pEnd - pFirst,
            more,
            dw,
          );
          continue;
        }
        for (let p0 = pFirst; p0 < pEnd; p0 += ROWS_PER_CHUNK) {
          const np = Math.min(ROWS_PER_CHUNK, pEnd - p0);
          k.conv_nhwc_rows(x, g.H, g.W, g.C, gi * g.Cg, g.Cg, g.FH, g.FW, ...windowArgs(g), g.outW, p0, np, block);
          // dWg [K, FNg] (+)= rows [np, K]^T x dy [np, FNg], into the HWIO filter's columns of group gi.
          const beta = n === first && p0 === pFirst ? 0 : 1;
          const dyRows = dy + (p0 * g.FN + gi * g.FNg) * 4;
          k.sgemm(g.K, g.FNg, np, block, 1, g.K, dyRows, g.FN, 1, beta, dw + gi * g.FNg * 4, g.FN, work);
        }
      }
    }
  };
  const dwOf = (t: number) => (t === 0 ? pdw : scratch[2 * t + 1]);
  if (g.N >= threads) {
    forShares(rt, g.N, threads, (k, first, count, t) =>
      part(k, first, count, scratch[2 * t], dwOf(t), 0, g.P, 0, g.FNg),
    );
    addShares(rt.kernels, pdw, shares, g.FN * g.K);
  } else if (g.layout === "NCHW") {
    // Each thread its rows of dW over every image, the im2col block made by each.
    forShares(rt, g.FNg, threads, (k, f0, fs, t) => part(k, 0, g.N, scratch[2 * t], pdw, 0, g.P, f0, fs), 4);
  } else {
    const chunks = Math.ceil(g.P / ROWS_PER_CHUNK);
    forShares(rt, chunks, threads, (k, c0, cs, t) => {
      const [from, to] = [c0 * ROWS_PER_CHUNK, Math.min(g.P, (c0 + cs) * ROWS_PER_CHUNK)];
      part(k, 0, g.N, scratch[2 * t], dwOf(t), from, to, 0, g.FNg);
    });
    addShares(rt.kernels, pdw, shares, g.FN * g.K);
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
