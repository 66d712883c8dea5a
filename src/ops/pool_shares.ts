// Pooling on the thread pool: every plane (NCHW) or image (NHWC) pools on its own, so each thread
// takes a contiguous run of them and the results are one thread's bits. NHWC with fewer images
// than threads runs on one (its kernels take whole images).
import { forShares, threadsForWork } from "../runtime/parallel.js";
import type { Kernels, Runtime } from "../runtime/wasm.js";
import type { Layout } from "./options.js";
import type { PoolGeometry2d } from "./pool_geometry.js";

/** What sharing needs of a pooling geometry; the book's (pool_argmax.ts) has no layout: NCHW. */
export type PoolSizes = Pick<PoolGeometry2d, "N" | "C" | "H" | "W" | "outH" | "outW"> & { layout?: Layout };

/** Threads worth using for pooling g: a share is whole planes or images, and worth its dispatch. */
export function poolThreads(rt: Runtime, g: PoolSizes): number {
  const [items, each] = g.layout === "NHWC" ? [g.N, g.C * g.H * g.W] : [g.N * g.C, g.H * g.W];
  return threadsForWork(rt, items, each);
}

/**
 * body(k, count, x, y, t) for each thread's share: `count` planes or images, starting at byte
 * offsets x into the input (H x W planes) and y into the output (outH x outW).
 */
export function forPoolShares(
  rt: Runtime,
  g: PoolSizes,
  threads: number,
  body: (k: Kernels, count: number, x: number, y: number, t: number) => void,
): void {
  const [items, channels] = g.layout === "NHWC" ? [g.N, g.C] : [g.N * g.C, 1];
  const inBytes = channels * g.H * g.W * 4;
  const outBytes = channels * g.outH * g.outW * 4;
  forShares(rt, items, threads, (k, first, count, t) => body(k, count, first * inBytes, first * outBytes, t));
}
