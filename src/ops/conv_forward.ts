// The inference convolution for every geometry: one place that picks the kernel for a shape.
//   NCHW  depthwise, stride 1 across dwconv_nchw_1x24, 24 outputs of a row at a time
//         depthwise, stride 2 across dwconv_nchw_s2_1x28, 28 outputs of a row, on rows dealt into
//                                    even and odd columns
//         other depthwise            group_conv_nchw, direct, per group, vectorised along output rows
//         small groups, stride 1     group_conv_nchw, four of a group's filters x eight pixels a step
//         1x1, stride 1, no pad      pointwise_nchw straight on the image (x is already the [C, P]
//                                    matrix), or the SGEMM where the filter is large
//         few taps, book geometry    conv_direct_4x8 (the MNIST net's 1-channel 5x5)
//         otherwise                  conv_gemm, packing its panels from the image, per group
//   NHWC  depthwise                  dwconv_nhwc, vectorised along channels; multiplier 1:
//                                    dwconv_nhwc_4x6, 4 channels x 6 pixels of a row at a time
//         small groups               group_conv_nhwc, direct, vectorised along each group's filters
//         1x1, stride 1, no pad      pointwise_nhwc (or the SGEMM) on x as the [N*H*W, C] matrix
//         few input channels         conv_nhwc_direct_4x8 (first layers: MNIST's 1, MobileNet's 3)
//         otherwise                  im2row (conv_nhwc_rows) 128 pixels at a time into the SGEMM,
//                                    against the filter packed once
// A 3x3 stride-1 convolution that its caller sends to Winograd (conv_winograd.ts) does not come here.
// Bias and activation ride in the kernels' epilogue; groups are pointer offsets, never copies.
import type { Kernels, Runtime } from "../runtime/wasm.js";
import { forShares, threadsFor } from "../runtime/parallel.js";
import { sgemmWorkspaceFloats } from "../runtime/memory.js";
import { setEpilogue, type FusedActivation } from "./activation.js";
import { isBookGeometry, windowArgs, type ConvGeometry } from "./conv_geometry.js";

/**
 * Taps per output (C*FH*FW) up to which the direct kernel beats the GEMM path (conv_gemm + bias):
 * measured by bench/conv_paths.ts at 1.18x (1x5x5), 1.16x (3x3x3), 1.10x (4x4x4), 1.05x
 * (8x3x3 = 72 taps) and 0.95x (16x3x3 = 144 taps).
 */
export const DIRECT_MAX_TAPS = 72;

/** Pixels of NHWC im2row per SGEMM call: one 128-row block of the GEMM's A. */
export const ROWS_PER_CHUNK = 128;

/**
 * Input channels up to which NHWC convolves directly: K = FH*FW*C is then too short for im2row +
 * SGEMM's packing to pay (the MNIST net's 1x5x5: 4 GFLOP/s through the GEMM).
 */
export const NHWC_DIRECT_MAX_C = 4;

/** Whether NHWC convolves g directly (forward and filter gradient): taps within the kernels' tables. */
export function fewChannelsNhwc(g: ConvGeometry): boolean {
  return g.layout === "NHWC" && g.groups === 1 && g.C <= NHWC_DIRECT_MAX_C && g.K <= 1024;
}

type Path = "grouped" | "pointwise" | "direct" | "nhwcDirect" | "gemm";

/**
 * Groups this narrow run the direct grouped kernels: a GEMM per group would have M = FNg rows and
 * K = Cg*FH*FW columns, too few for its packing to pay in NHWC (W13, 32 groups of 4x4 channels,
 * 3x3: 12 ms through im2row + SGEMM, 3.3 ms direct, on a loaded machine).
 */
function smallGroups(g: ConvGeometry): boolean {
  if (g.groups === 1) return false;
  if (g.Cg === 1) return true; // depthwise
  // NCHW at stride 1 with whole fours of filters: four channels x eight pixels a step, measured by
  // CPU time against conv_gemm at 2.4x (W13's 4 x 4 x 3x3), 1.9x (8 x 8), 1.37x (16 x 16), 1.18x
  // (32 x 32, 288 taps); conv_gemm otherwise. Up to SGEMM_KC taps it sums as conv_gemm does.
  if (g.layout === "NCHW") return g.sx === 1 && g.FNg % 4 === 0 && g.FNg <= 32 && g.K <= SGEMM_KC;
  return g.FNg <= 16 && g.K <= 144 && g.FNg % 4 === 0;
}

function pathOf(g: ConvGeometry, hasBias: boolean, act: FusedActivation): Path {
  if (smallGroups(g)) return "grouped";
  const unpadded = g.top === 0 && g.bottom === 0 && g.left === 0 && g.right === 0;
  if (g.FH === 1 && g.FW === 1 && g.sy === 1 && g.sx === 1 && unpadded) return "pointwise";
  const direct = isBookGeometry(g) && g.sy === 1 && unpadded && g.K <= DIRECT_MAX_TAPS;
  if (g.layout === "NCHW" && direct && hasBias && act.code === 0) return "direct";
  if (fewChannelsNhwc(g)) return "nhwcDirect";
  return "gemm";
}

/** The kernel that convForwardAll runs for g (bench/layer_threads.ts reports it beside each layer). */
export function convKernelName(g: ConvGeometry, hasBias: boolean, act: FusedActivation): string {
  const path = pathOf(g, hasBias, act);
  const nchw = g.layout === "NCHW";
  if (path === "grouped") {
    if (nchw) return depthwiseTiled(g) ? (g.sx === 1 ? "dwconv_nchw_1x24" : "dwconv_nchw_s2_1x28") : "group_conv_nchw";
    return g.Cg > 1 ? "group_conv_nhwc" : g.FNg === 1 ? "dwconv_nhwc_4x6" : "dwconv_nhwc";
  }
  if (path === "pointwise") return pointwiseInRegisters(g) ? (nchw ? "pointwise_nchw" : "pointwise_nhwc") : "sgemm";
  if (path === "direct") return "conv_direct_4x8";
  if (path === "nhwcDirect") return "conv_nhwc_direct_4x8";
  return nchw ? "conv_gemm" : "conv_nhwc_rows+sgemm_packed_b";
}

/**
 * Floats of filter up to which a 1x1 convolution runs the pointwise kernels (the whole K in one
 * pass, x read in place) rather than the blocked SGEMM: their packed filter is re-read for every
 * block of pixels (NCHW) or 4 pixels (NHWC), from L1 or near it. Measured against the SGEMM by
 * CPU time, paired: 1.19x / 1.05x (NCHW / NHWC) on W10's 24 -> 144, 1.34x / 1.15x on MobileNetV2's
 * 16 -> 96 at 112x112, 1.03x-1.19x up to 192 x 32; 0.94x / 0.96x on 960 -> 160, 0.95x-1.0x
 * (NHWC) from 384 x 64 up.
 */
export const POINTWISE_MAX_FILTER = 16384;

/**
 * The SGEMM's K block (assembly/gemm/gemm_blocked.ts's KC). Up to it the SGEMM sums all of K in one
 * chain, as the pointwise and grouped kernels do, so they give its results bit for bit (and the
 * Convolution layer's, which runs the SGEMM); a longer K it sums in blocks, rounded otherwise.
 */
const SGEMM_KC = 256;

/** Whether a 1x1 convolution runs the pointwise kernels rather than the SGEMM. */
function pointwiseInRegisters(g: ConvGeometry): boolean {
  return g.FNg * g.Cg <= POINTWISE_MAX_FILTER && g.Cg <= SGEMM_KC;
}

/**
 * Pointers of one call: x, W, bias (or 0), prelu slopes (or 0), y, and where `packsFilter` says
 * so, optionally W already packed (packFilter's layout, kept with a WasmTensor's weights), or 0.
 */
export interface ConvPointers {
  x: number;
  w: number;
  bias: number;
  prelu: number;
  y: number;
  packed?: number;
}

/**
 * Whether the call packs its whole filter into 8-column panels (NHWC: the im2row GEMM, the direct
 * kernel for few channels, a 1x1 too large for the registers): a filter that does not change
 * between calls can then be packed once, packFilter's floats by packFilter.
 */
export function packsFilter(g: ConvGeometry, hasBias: boolean, act: FusedActivation): boolean {
  const path = pathOf(g, hasBias, act);
  return g.layout === "NHWC" && (path === "pointwise" ? !pointwiseInRegisters(g) : path !== "grouped");
}

/** Floats of the whole filter packed: each group's K x FNg, in panels of 8 columns. */
export function packedFilterFloats(g: ConvGeometry): number {
  return g.groups * g.K * Math.ceil(g.FNg / 8) * 8;
}

/**
 * Whether one image's output (or, NHWC 1x1, all `pixels` of the batch) is shared out by filters
 * rather than by pixels: where there are fewer pixels than filters (MobileNetV2's 14x14 and 7x7
 * layers, ResNet-18's last two stages). A pixel share packs (or reads) the whole filter for its
 * part of the output, so two shares pack it twice; a filter share packs only its own filters and
 * reads or packs the pixels again, the smaller matrix then. 49 pixels in whole 8s also split 4/3
 * (32 + 17), while 960 filters split evenly.
 */
function byFilters(g: ConvGeometry, path: Path, pixels: number): boolean {
  if (!SHARE_MACS.byFilters) return false;
  return (path === "pointwise" || path === "gemm") && pixels < g.FNg && g.FNg >= 2 * filterUnit(g);
}

/** Filters per share: whole 4-row panels of the NCHW kernels' filter, whole 8-column panels of the NHWC kernels'. */
function filterUnit(g: ConvGeometry): number {
  return g.layout === "NCHW" ? 4 : 8;
}

/**
 * Multiply-adds of a call below which it stays on one thread: handing a worker its share and
 * waiting for it cost 10-25 us back to back on a quiet machine and 40-70 us once the worker has
 * slept for 1 ms (bench/layer_threads.ts), as it has in a network, whose copies in and out run
 * between its layers; a share must save more. `gemm` (2M, some 80 us of the GEMM kernels at 25 G
 * multiply-adds a second) for every path but the depthwise and small-group kernels': NHWC's do
 * about 8 G a second (512K), NCHW's 1-3 G (128K). In MobileNetV2 that keeps three NHWC depthwise
 * layers (960 channels at 7x7, 576 at 14->7 and 192 at 28->14: 32-71 us on one thread) on one
 * thread, 1.1-2.2x as fast as sharing them, even back to back (bench/results/layer-threads-ab.md).
 * Its NCHW depthwise layers take 0.2 ms and up and are shared. bench/layer_threads.ts's sweep
 * sets them all to 0, and its A/B against the sharing before them also clears `byFilters`.
 */
export const SHARE_MACS = { gemm: 1 << 21, nhwcGrouped: 1 << 19, nchwGrouped: 1 << 17, byFilters: true };

/** Threads for a call of `items` shareable items: one when its work is too small to share. */
function convThreads(rt: Runtime, g: ConvGeometry, path: Path, items: number): number {
  const threads = threadsFor(rt, items);
  const grouped = g.layout === "NCHW" ? SHARE_MACS.nchwGrouped : SHARE_MACS.nhwcGrouped;
  const macs = g.N * g.FN * g.K * g.P;
  return threads > 1 && macs < (path === "grouped" ? grouped : SHARE_MACS.gemm) ? 1 : threads;
}

/** Floats of scratch each thread needs, and floats shared by all (the NHWC filter packed once). */
export function convScratch(
  rt: Runtime,
  g: ConvGeometry,
  hasBias: boolean,
  act: FusedActivation,
): { perThread: number; shared: number; threads: number } {
  const path = pathOf(g, hasBias, act);
  const work = sgemmWorkspaceFloats(rt);
  const k = rt.kernels;
  if (path === "grouped") {
    const threads = convThreads(rt, g, path, g.N > 1 ? g.N : g.layout === "NCHW" ? g.groups : g.outH);
    const perThread =
      g.layout !== "NCHW"
        ? 0
        : depthwiseTiled(g)
          ? g.sx === 1
            ? k.dwconv_nchw_1x24_scratch_floats(g.outH, g.outW, g.FH, g.FW, g.sy)
            : k.dwconv_nchw_s2_1x28_scratch_floats(g.outH, g.outW, g.FH, g.FW, g.sy)
          : k.group_conv_nchw_scratch_floats(g.Cg, g.outH, g.outW, g.FH, g.FW, g.sy, g.sx, g.dh, g.dw);
    return { perThread, shared: 0, threads };
  }
  const filterShares = Math.ceil(g.FNg / filterUnit(g));
  if (path === "pointwise" && g.layout === "NHWC") {
    const rows = g.N * g.P;
    const items = byFilters(g, path, rows) ? filterShares : Math.ceil(rows / 4);
    return { perThread: work, shared: 0, threads: convThreads(rt, g, path, items) };
  }
  const items = Math.max(g.N, byFilters(g, path, g.P) ? filterShares : Math.ceil(g.P / 8));
  const threads = convThreads(rt, g, path, items);
  if (g.layout === "NCHW") return { perThread: work, shared: 0, threads };
  const rows = path === "nhwcDirect" ? 0 : work + ROWS_PER_CHUNK * g.K;
  return { perThread: rows, shared: packedFilterFloats(g), threads };
}

/** y = act(conv(x, W) + b) for every image, shared across `scratch.length` threads. */
export function convForwardAll(
  rt: Runtime,
  g: ConvGeometry,
  act: FusedActivation,
  p: ConvPointers,
  scratch: number[],
  shared: number,
): void {
  const path = pathOf(g, p.bias !== 0, act);
  const threads = scratch.length;
  if (path === "grouped") {
    grouped(rt, g, act, p, scratch);
    return;
  }
  if (g.layout === "NHWC" && path === "pointwise") {
    // All N*H*W pixels are one matrix: rows shared out in whole 4-row panels, or its columns
    // (filters) in whole 8-column panels where there are fewer rows than columns.
    const rows = g.N * g.P;
    const inRegisters = pointwiseInRegisters(g);
    const run = (k: Kernels, r0: number, nr: number, f0: number, nf: number, t: number) => {
      for (let gi = 0; gi < g.groups; gi++) {
        epilogue(k, g, act, p, gi, 2, f0);
        const x = p.x + (r0 * g.C + gi * g.Cg) * 4;
        const w = p.w + (gi * g.FNg + f0) * 4;
        const y = p.y + (r0 * g.FN + gi * g.FNg + f0) * 4;
        if (inRegisters) k.pointwise_nhwc(nr, nf, g.Cg, x, g.C, w, g.FN, y, g.FN, scratch[t]);
        else if (p.packed) {
          const panels = p.packed + (gi * Math.ceil(g.FNg / 8) * 8 + f0) * g.K * 4;
          k.sgemm_packed_b(nr, nf, g.Cg, x, g.C, 1, panels, y, g.FN, scratch[t]);
        } else k.sgemm(nr, nf, g.Cg, x, g.C, 1, w, g.FN, 1, 0, y, g.FN, scratch[t]);
      }
    };
    if (threads > 1 && byFilters(g, path, rows)) {
      forShares(rt, g.FNg, threads, (k, f0, nf, t) => run(k, 0, rows, f0, nf, t), 8);
    } else {
      forShares(rt, rows, threads, (k, r0, nr, t) => run(k, r0, nr, 0, g.FNg, t), 4);
    }
    return;
  }
  // A filter packed before the call (kept with a WasmTensor's weights) is not packed again.
  const prepacked = g.layout === "NHWC" && p.packed !== undefined && p.packed !== 0;
  if (prepacked) shared = p.packed!;
  const imageBytes = g.C * g.H * g.W * 4;
  const outBytes = g.FN * g.P * 4;
  const workBytes = sgemmWorkspaceFloats(rt) * 4;
  if (g.N >= threads) {
    if (g.layout === "NHWC" && !prepacked) packFilterNhwc(rt.kernels, g, p.w, shared, 0, g.FNg);
    forShares(rt, g.N, threads, (k, first, n, t) => {
      for (let i = first; i < first + n; i++) {
        const x = p.x + i * imageBytes;
        const y = p.y + i * outBytes;
        if (path === "direct") direct(k, g, p, x, y, scratch[t]);
        else image(k, g, act, p, path, x, y, 0, g.P, 0, g.FNg, shared, scratch[t], workBytes);
      }
    });
    return;
  }
  // Fewer images than threads (one large image): its filters or its output pixels are shared out.
  const split = byFilters(g, path, g.P);
  if (g.layout === "NHWC" && !split && !prepacked) packFilterNhwc(rt.kernels, g, p.w, shared, 0, g.FNg);
  for (let i = 0; i < g.N; i++) {
    const x = p.x + i * imageBytes;
    const y = p.y + i * outBytes;
    if (split) {
      // Each share packs its own panels of an NHWC filter, once: the shares are the same for every image.
      const body = (k: Kernels, f0: number, nf: number, t: number) => {
        if (g.layout === "NHWC" && i === 0 && !prepacked) packFilterNhwc(k, g, p.w, shared, f0, nf);
        image(k, g, act, p, path, x, y, 0, g.P, f0, nf, shared, scratch[t], workBytes);
      };
      forShares(rt, g.FNg, threads, body, filterUnit(g));
      continue;
    }
    forShares(
      rt,
      g.P,
      threads,
      (k, first, count, t) => image(k, g, act, p, path, x, y, first, count, 0, g.FNg, shared, scratch[t], workBytes),
      8,
    );
  }
}

/** The epilogue of group gi's filters from f0 on. */
function epilogue(
  k: Kernels,
  g: ConvGeometry,
  act: FusedActivation,
  p: ConvPointers,
  gi: number,
  axis: 1 | 2,
  f0 = 0,
): void {
  const off = (gi * g.FNg + f0) * 4;
  setEpilogue(k, p.bias === 0 ? 0 : p.bias + off, axis, act, p.prelu === 0 ? 0 : p.prelu + off);
}

/** Output pixels [first, first + count) of one image, filters [f0, f0 + nf) of every group. */
function image(
  k: Kernels,
  g: ConvGeometry,
  act: FusedActivation,
  p: ConvPointers,
  path: Path,
  x: number,
  y: number,
  first: number,
  count: number,
  f0: number,
  nf: number,
  packed: number,
  work: number,
  // Where the NHWC rows start in `work`: a worker's kernels are a recorder, which cannot answer
  // sgemm_workspace_bytes(), so the caller asks once.
  workBytes: number,
): void {
  if (path === "nhwcDirect") {
    epilogue(k, g, act, p, 0, 2);
    k.conv_nhwc_direct_4x8(x, g.H, g.W, g.C, packed, g.FN, g.FH, g.FW, ...windowArgs(g), g.outW, first, count, y);
    return;
  }
  const inRegisters = path === "pointwise" && pointwiseInRegisters(g);
  for (let gi = 0; gi < g.groups; gi++) {
    if (g.layout === "NCHW") {
      const xg = x + gi * g.Cg * g.H * g.W * 4;
      const wg = p.w + (gi * g.FNg + f0) * g.K * 4;
      const yg = y + ((gi * g.FNg + f0) * g.P + first) * 4;
      epilogue(k, g, act, p, gi, 1, f0);
      if (inRegisters) k.pointwise_nchw(nf, count, g.Cg, wg, xg + first * 4, g.P, yg, g.P, work);
      else if (path === "pointwise") k.sgemm(nf, count, g.Cg, wg, g.K, 1, xg + first * 4, g.P, 1, 0, yg, g.P, work);
      else {
        k.conv_gemm(xg, g.Cg, g.H, g.W, g.FH, g.FW, ...windowArgs(g), g.outW, first, count, wg, nf, yg, g.P, work);
      }
      continue;
    }
    const rows = work + workBytes;
    const packedG = packed + (gi * Math.ceil(g.FNg / 8) * 8 + f0) * g.K * 4;
    for (let p0 = first; p0 < first + count; p0 += ROWS_PER_CHUNK) {
      const np = Math.min(ROWS_PER_CHUNK, first + count - p0);
      k.conv_nhwc_rows(x, g.H, g.W, g.C, gi * g.Cg, g.Cg, g.FH, g.FW, ...windowArgs(g), g.outW, p0, np, rows);
      epilogue(k, g, act, p, gi, 2, f0);
      k.sgemm_packed_b(np, nf, g.K, rows, g.K, 1, packedG, y + (p0 * g.FN + gi * g.FNg + f0) * 4, g.FN, work);
    }
  }
}

/** The whole NHWC filter at w into `packed`, packedFilterFloats(g) floats, as a call would pack it. */
export function packFilter(k: Kernels, g: ConvGeometry, w: number, packed: number): void {
  packFilterNhwc(k, g, w, packed, 0, g.FNg);
}

/**
 * Filters [f0, f0 + nf) of each group's [K, FNg] slice of the HWIO filter, packed into 8-column
 * panels where the whole slice's pack puts them (f0 a multiple of 8).
 */
function packFilterNhwc(k: Kernels, g: ConvGeometry, w: number, packed: number, f0: number, nf: number): void {
  const panel = g.K * Math.ceil(g.FNg / 8) * 8 * 4;
  for (let gi = 0; gi < g.groups; gi++) {
    k.sgemm_pack_b_8(w + (gi * g.FNg + f0) * 4, g.FN, 1, g.K, nf, packed + gi * panel + f0 * g.K * 4);
  }
}

/** The MNIST net's first layer: the direct kernel, W packed in groups of 4 filters into `work`. */
function direct(k: Kernels, g: ConvGeometry, p: ConvPointers, x: number, y: number, work: number): void {
  k.sgemm_pack_a_4(p.w, g.K, 1, g.FN, g.K, work);
  k.conv_direct_4x8(x, g.C, g.H, g.W, g.FH, g.FW, g.outH, g.outW, work, g.FN, p.bias, y);
}

/**
 * NCHW depthwise with stride 1 or 2 across and no dilation: dwconv_nchw_1x24 and
 * dwconv_nchw_s2_1x28, whose taps are contiguous runs of a (dealt) row.
 */
function depthwiseTiled(g: ConvGeometry): boolean {
  return g.Cg === 1 && (g.sx === 1 || g.sx === 2) && g.dh === 1 && g.dw === 1;
}

/** Depthwise and small groups: whole images per thread, or one image's groups (NCHW) or output rows (NHWC). */
function grouped(rt: Runtime, g: ConvGeometry, act: FusedActivation, p: ConvPointers, scratch: number[]): void {
  const M = g.FNg;
  const imageBytes = g.C * g.H * g.W * 4;
  const outBytes = g.FN * g.P * 4;
  const run = (k: Kernels, i: number, from: number, count: number, t: number) => {
    const x = p.x + i * imageBytes;
    const y = p.y + i * outBytes;
    setEpilogue(k, p.bias, g.layout === "NCHW" ? 1 : 2, act, p.prelu);
    if (g.layout === "NCHW" && depthwiseTiled(g)) {
      const plane = g.H * g.W * 4;
      const wo = p.w + from * M * g.K * 4;
      const yo = y + from * M * g.P * 4;
      // The same arguments: stride 2 across is the second kernel's name, not a parameter.
      const tiled = g.sx === 1 ? k.dwconv_nchw_1x24 : k.dwconv_nchw_s2_1x28;
      tiled(
        x + from * plane,
        count,
        g.H,
        g.W,
        wo,
        M,
        g.FH,
        g.FW,
        g.sy,
        g.top,
        g.left,
        g.outH,
        g.outW,
        from,
        yo,
        scratch[t],
      );
    } else if (g.layout === "NCHW") {
      const filter = g.K * 4;
      k.group_conv_nchw(
        x + from * g.Cg * g.H * g.W * 4,
        count,
        g.Cg,
        g.H,
        g.W,
        p.w + from * M * filter,
        M,
        g.FH,
        g.FW,
        ...windowArgs(g),
        g.outH,
        g.outW,
        from,
        y + from * M * g.P * 4,
        scratch[t],
      );
    } else if (g.Cg > 1) {
      k.group_conv_nhwc(x, g.H, g.W, g.C, g.Cg, M, p.w, g.FH, g.FW, ...windowArgs(g), g.outW, from, count, y);
    } else if (M === 1) {
      k.dwconv_nhwc_4x6(x, g.H, g.W, g.C, p.w, g.FH, g.FW, ...windowArgs(g), g.outW, from, count, y);
    } else {
      k.dwconv_nhwc(x, g.H, g.W, g.C, M, p.w, g.FH, g.FW, ...windowArgs(g), g.outW, from, count, y);
    }
  };
  const threads = scratch.length;
  const whole = g.layout === "NCHW" ? g.groups : g.outH;
  if (g.N >= threads) {
    forShares(rt, g.N, threads, (k, first, n, t) => {
      for (let i = first; i < first + n; i++) run(k, i, 0, whole, t);
    });
    return;
  }
  for (let i = 0; i < g.N; i++) forShares(rt, whole, threads, (k, first, count, t) => run(k, i, first, count, t));
}
