// Winograd's minimal filtering for 3x3 stride-1 convolutions, F(m x m, 3x3) with m = 2 or 4: each
// m x m block of outputs (a tile) costs (m + 2)^2 multiplies per channel pair instead of 9 m^2,
// 2.25x (m = 2) or 4x (m = 4) fewer. Three kernels per block of tiles, as
// assembly/winograd/ names them: the input transform, one GEMM per transform point on the SGEMM
// micro-kernel (tiles x input channels times input channels x filters), and the output transform
// with the bias and activation. The filter's transform is made once per call (conv2d) or kept
// while the weights stay the same (the Convolution layer).
import type { Kernels, Runtime } from "../runtime/wasm.js";
import { forShares, threadsFor } from "../runtime/parallel.js";
import { sgemmWorkspaceFloats } from "../runtime/memory.js";
import { describe } from "../tensor/tensor.js";
import { setEpilogue, type FusedActivation } from "./activation.js";
import type { ConvGeometry } from "./conv_geometry.js";

/** "winograd" is F(4x4, 3x3), measured the faster tile; "winograd-2x2" and "winograd-4x4" pin one. */
export type Algorithm = "auto" | "gemm" | "winograd" | "winograd-2x2" | "winograd-4x4";

const ALGORITHMS: readonly Algorithm[] = ["auto", "gemm", "winograd", "winograd-2x2", "winograd-4x4"];

/** Output tile m of F(m x m, 3x3); 0 is the GEMM path. */
export type Tile = 0 | 2 | 4;

export function checkAlgorithm(fn: string, v: unknown): Algorithm {
  if (v === undefined) return "auto";
  if (typeof v === "string" && (ALGORITHMS as readonly string[]).includes(v)) return v as Algorithm;
  throw new TypeError(`${fn}: algorithm must be ${ALGORITHMS.map((a) => `"${a}"`).join(", ")}; got ${describe(v)}`);
}

/** Why Winograd cannot run this geometry, or null when it can. */
function unservable(g: ConvGeometry): string | null {
  if (g.FH !== 3 || g.FW !== 3) return `a 3x3 filter (got ${g.FH}x${g.FW})`;
  if (g.sy !== 1 || g.sx !== 1) return `stride 1 (got [${g.sy}, ${g.sx}])`;
  if (g.dh !== 1 || g.dw !== 1) return `dilation 1 (got [${g.dh}, ${g.dw}])`;
  if (g.groups !== 1) return `groups = 1 (got ${g.groups})`;
  return null;
}

/**
 * The tile measured faster than the GEMM for this shape, or 0 (bench/winograd.ts, FMA build, 1
 * thread, both layouts; the README's Winograd study has the tables). F(4x4) ran 1.4-2.8x the GEMM
 * from 14x14 outputs up with C >= 8 and FN >= 16, and at or above F(2x2) nearly everywhere. It
 * lost on 7x7 outputs (4 tiles a block: each point's GEMM reads its whole filter matrix for four
 * rows), at 14x14 with 512 x 512 channels, and in NCHW with 3 input channels (the transforms
 * outweigh the 27-tap GEMM); in NHWC, whose GEMM path copies windows first, 3 channels won from
 * 28x28 (1.5-1.9x).
 */
function measuredTile(g: ConvGeometry): Tile {
  if (g.FN < 16 || g.P < 14 * 14) return 0;
  if (g.C < 8 && !(g.layout === "NHWC" && g.C >= 3 && g.P >= 28 * 28)) return 0;
  if (g.C * g.FN > 256 * 256 && g.P < 28 * 28) return 0;
  return 4;
}

/** The tile `algorithm` asks for on geometry g; a Winograd one that g cannot take is a RangeError. */
export function tileFor(fn: string, g: ConvGeometry, algorithm: Algorithm): Tile {
  if (algorithm === "gemm") return 0;
  const why = unservable(g);
  if (algorithm === "auto") return why === null ? measuredTile(g) : 0;
  if (why !== null) {
    throw new RangeError(`${fn}: algorithm "${algorithm}" needs ${why}; use algorithm "auto" or "gemm" for this shape`);
  }
  if (algorithm === "winograd-2x2") return 2;
  if (algorithm === "winograd-4x4") return 4;
  return 4; // F(4x4) where either runs faster, and its error stays within 1e-4 of max|y| (test/winograd.test.ts)
}

/** Floats of transformed tiles (V, then the products M) that one block of tiles holds at most. */
const BLOCK_FLOATS = 64 * 1024;

/** Sizes of one Winograd convolution. */
export interface WinogradPlan {
  tile: 2 | 4;
  /** (tile + 2)^2 transform points. */
  points: number;
  tilesW: number;
  /** Tiles per image. */
  tiles: number;
  /** Input channels rounded up to 4: the rows of V and of each point's U. */
  ldv: number;
  /** Filters rounded up to 4: the rows of M. */
  ldm: number;
  /** Tiles per block: a thread's unit, sized so that its V and M stay in L2. */
  block: number;
  /** Floats of the transformed filter. */
  filterFloats: number;
  /** Floats of scratch per thread: V, M and the SGEMM's packing space. */
  perThread: number;
}

export function winogradPlan(rt: Runtime, g: ConvGeometry, tile: 2 | 4): WinogradPlan {
  const points = (tile + 2) ** 2;
  const tilesW = Math.ceil(g.outW / tile);
  const tiles = Math.ceil(g.outH / tile) * tilesW;
  const ldv = Math.ceil(g.C / 4) * 4;
  const ldm = Math.ceil(g.FN / 4) * 4;
  const fit = Math.floor(BLOCK_FLOATS / (points * (ldv + ldm)) / 4) * 4;
  const block = Math.min(tiles, Math.max(4, Math.min(128, fit)));
  return {
    tile,
    points,
    tilesW,
    tiles,
    ldv,
    ldm,
    block,
    filterFloats: points * ldv * Math.ceil(g.FN / 8) * 8,
    perThread: block * points * (ldv + ldm) + sgemmWorkspaceFloats(rt),
  };
}

/** Threads worth using: one per block of tiles, all images together. */
export function winogradThreads(rt: Runtime, g: ConvGeometry, plan: WinogradPlan): number {
  return threadsFor(rt, g.N * Math.ceil(plan.tiles / plan.block));
}

/** U = G g G^T of the filter at `w` (OIHW or HWIO), into `u` (plan.filterFloats). */
export function winogradFilter(k: Kernels, g: ConvGeometry, plan: WinogradPlan, w: number, u: number): void {
  const t = plan.tile;
  if (g.layout === "NCHW") k.winograd_filter_transform(t, w, g.FN, g.C, g.C * 9, 9, 3, 1, plan.ldv, u);
  else k.winograd_filter_transform(t, w, g.FN, g.C, 1, g.FN, 3 * g.C * g.FN, g.C * g.FN, plan.ldv, u);
}

/** y = act(conv(x, W) + b) for every image, from the transformed filter `u`, on `scratch.length` threads. */
export function winogradForward(
  rt: Runtime,
  g: ConvGeometry,
  plan: WinogradPlan,
  act: FusedActivation,
  p: { x: number; bias: number; prelu: number; y: number },
  u: number,
  scratch: readonly number[],
): void {
  const { tile, points, tilesW, tiles, ldv, ldm, block } = plan;
  const nchw = g.layout === "NCHW";
  // Strides in floats: channel, pixel, row.
  const xs = nchw ? [g.H * g.W, 1, g.W] : [1, g.C, g.W * g.C];
  const ys = nchw ? [g.P, 1, g.outW] : [1, g.FN, g.outW * g.FN];
  const imageBytes = g.C * g.H * g.W * 4;
  const outBytes = g.FN * g.P * 4;
  const blocks = Math.ceil(tiles / block);
  const vBytes = block * points * ldv * 4;
  const mBytes = block * points * ldm * 4;
  forShares(rt, g.N * blocks, scratch.length, (k, first, count, t) => {
    const v = scratch[t];
    const m = v + vBytes;
    const work = m + mBytes;
    for (let item = first; item < first + count; item++) {
      const i = Math.floor(item / blocks);
      const t0 = (item % blocks) * block;
      const nt = Math.min(block, tiles - t0);
      const x = p.x + i * imageBytes;
      k.winograd_input_transform(tile, x, g.H, g.W, g.C, xs[0], xs[1], xs[2], g.top, g.left, tilesW, t0, nt, v, ldv);
      k.winograd_gemm(points, nt, g.FN, ldv, v, u, ldm, m, work);
      setEpilogue(k, p.bias, nchw ? 1 : 2, act, p.prelu);
      const y = p.y + i * outBytes;
      k.winograd_output_transform(tile, m, ldm, g.FN, tilesW, t0, nt, y, g.outH, g.outW, ys[0], ys[1], ys[2]);
    }
  });
}
