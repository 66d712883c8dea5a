// Splitting work into one contiguous share per thread. Shares are whole items (images, or blocks
// of `unit` rows so that a share never splits a micro-kernel's row panel), each thread's share
// runs against its own kernels (a recorder for a worker), and scratch is indexed by thread.
import type { Kernels, Runtime } from "./wasm.js";
import type { Job } from "./thread_pool.js";

/** Threads worth using for `items` items: the pool's size, at most one per item. */
export function threadsFor(rt: Runtime, items: number): number {
  return Math.max(1, Math.min(rt.pool?.size ?? 1, items));
}

/**
 * Floats of memory-bound work (a pooling window's taps, an optimiser's update) below which a share
 * costs more than it saves: 16K floats are some 20-50 us of such work, a few times what starting
 * a worker's share and waiting for it take.
 */
export const SHARE_FLOATS = 16384;

/** Threads worth using for `items` items of `floatsEach` floats of memory-bound work each. */
export function threadsForWork(rt: Runtime, items: number, floatsEach: number): number {
  return threadsFor(rt, Math.min(items, Math.floor((items * floatsEach) / SHARE_FLOATS)));
}

/**
 * Runs body(k, first, count, thread, gate) for each thread's share of `items` items (shares are
 * multiples of `unit` but for the last), on the pool when there is more than one share.
 * `between` runs once every share has started and before the calling thread's own; a share's
 * calls after its gate() wait for it (see ThreadPool.run). On one thread it simply runs first.
 * Uneven shares give the extra block to whichever starts first: the calling thread, as a worker
 * must wake up (its share ended about 0.1 ms after the caller's in a SimpleConvNet batch), or,
 * when the caller runs `between` first, the workers.
 */
export function forShares(
  rt: Runtime,
  items: number,
  threads: number,
  body: (k: Kernels, first: number, count: number, thread: number, gate: () => void) => void,
  unit = 1,
  between?: () => void,
): void {
  const blocks = Math.ceil(items / unit);
  // The thread that starts first takes the uneven block: the caller, unless it runs `between` first.
  const round = between === undefined ? Math.ceil : Math.floor;
  const jobs: Job[] = [];
  for (let t = 0; t < threads; t++) {
    const first = round((blocks * t) / threads) * unit;
    const end = Math.min(items, round((blocks * (t + 1)) / threads) * unit);
    const thread = jobs.length;
    if (end > first) jobs.push((k, gate) => body(k, first, end - first, thread, gate));
  }
  if (rt.pool !== null && jobs.length > 1) {
    rt.pool.run(jobs, rt.kernels, between);
  } else {
    between?.();
    for (const job of jobs) job(rt.kernels, () => {});
  }
}
