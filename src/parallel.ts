// Splitting work into one contiguous share per thread. Shares are whole items (images, or blocks
// of `unit` rows so that a share never splits a micro-kernel's row panel), each thread's share
// runs against its own kernels (a recorder for a worker), and scratch is indexed by thread.
import type { Kernels, Runtime } from "./wasm.js";

/** Threads worth using for `items` items: the pool's size, at most one per item. */
export function threadsFor(rt: Runtime, items: number): number {
  return Math.max(1, Math.min(rt.pool?.size ?? 1, items));
}

/**
 * Runs body(k, first, count, thread) for each thread's share of `items` items (shares are
 * multiples of `unit` but for the last), on the pool when there is more than one share. Uneven
 * shares put the extra block on the calling thread: it starts at once, while a worker first has
 * to wake up (its share ended about 0.1 ms after the caller's in a SimpleConvNet batch).
 */
export function forShares(rt: Runtime, items: number, threads: number,
  body: (k: Kernels, first: number, count: number, thread: number) => void, unit = 1): void {
  const blocks = Math.ceil(items / unit);
  const jobs: ((k: Kernels) => void)[] = [];
  for (let t = 0; t < threads; t++) {
    const first = Math.ceil((blocks * t) / threads) * unit;
    const end = Math.min(items, Math.ceil((blocks * (t + 1)) / threads) * unit);
    const thread = jobs.length;
    if (end > first) jobs.push((k) => body(k, first, end - first, thread));
  }
  if (rt.pool !== null && jobs.length > 1) rt.pool.run(jobs, rt.kernels);
  else for (const job of jobs) job(rt.kernels);
}
