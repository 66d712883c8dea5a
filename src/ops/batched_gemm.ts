// Many SGEMMs of one geometry, shared out across threads: a batch of outputs, each the sum of one
// or more products (one for a forward product; for a gradient, one per batch item broadcast onto
// the same operand). The kernels see only pointers, sizes and strides.
import type { Runtime } from "../runtime/wasm.js";
import { forShares, threadsFor } from "../runtime/parallel.js";
import { CALL_SLOTS } from "../runtime/thread_pool.js";
import { type FusedActivation, setEpilogue } from "./activation.js";

/** C[m x n] = A[m x k] B[k x n] with A(i, p) = a[i*rsA + p*csA], B(p, j) = b[p*rsB + j*csB] (floats); ldc = n. */
export interface GemmShape {
  m: number;
  n: number;
  k: number;
  rsA: number;
  csA: number;
  rsB: number;
  csB: number;
}

/** One output matrix at byte address `c` and the products summed into it, as [a, b] byte addresses. */
export interface GemmItem {
  c: number;
  terms: [number, number][];
}

/** A fused bias (per column of C) and activation, for outputs of a single term. */
export interface GemmEpilogue {
  bias: number;
  act: FusedActivation;
  prelu: number;
}

/**
 * Threads for `items` outputs of `m` rows: whole items per thread when there are at least as many
 * items as threads, else each item's rows split (in 4-row panels, the micro-kernel's) so that a
 * small batch of tall matrices still uses every thread.
 */
export function gemmThreads(rt: Runtime, items: number, m: number): number {
  const pool = rt.pool?.size ?? 1;
  return items >= pool ? threadsFor(rt, items) : threadsFor(rt, Math.ceil(m / 4));
}

// Arguments an sgemm and an epilogue_set call record for a worker.
const SGEMM_SLOTS = 2 + 13;
const EPILOGUE_SLOTS = 2 + 5;

/**
 * Runs every item's sum on `threads` threads (as gemmThreads chose; `works[t]` is thread t's SGEMM
 * scratch). The first term of an item overwrites C (beta = 0), the rest add to it, so C need not
 * be cleared. Each item stays on one thread, or each row panel does, so no two threads write one
 * element and the order of a sum is the same on any number of threads.
 */
export function runGemms(
  rt: Runtime,
  g: GemmShape,
  items: readonly GemmItem[],
  threads: number,
  works: readonly number[],
  epilogue: GemmEpilogue | null = null,
): void {
  const calls: number[][][] = Array.from({ length: threads }, () => []);
  const { m, n, k, rsA, csA, rsB, csB } = g;
  if (items.length >= threads) {
    // forShares' split: the first threads take the extra item.
    for (let t = 0; t < threads; t++) {
      const end = Math.ceil((items.length * (t + 1)) / threads);
      for (let i = Math.ceil((items.length * t) / threads); i < end; i++) {
        const { c, terms } = items[i];
        terms.forEach(([a, b], j) => {
          calls[t].push([m, n, k, a, rsA, csA, b, rsB, csB, j === 0 ? 0 : 1, c, n, works[t]]);
        });
      }
    }
  } else {
    const panels = Math.ceil(m / 4);
    for (let t = 0; t < threads; t++) {
      const first = Math.ceil((panels * t) / threads) * 4;
      const rows = Math.min(m, Math.ceil((panels * (t + 1)) / threads) * 4) - first;
      if (rows <= 0) continue;
      for (const { c, terms } of items) {
        terms.forEach(([a, b], j) => {
          calls[t].push([
            rows,
            n,
            k,
            a + first * rsA * 4,
            rsA,
            csA,
            b,
            rsB,
            csB,
            j === 0 ? 0 : 1,
            c + first * n * 4,
            n,
            works[t],
          ]);
        });
      }
    }
  }
  // A worker records its calls into a control block of CALL_SLOTS slots: a long share runs in rounds.
  // Rounds keep each thread's calls in order, and threads never share an output, so this is safe.
  const perRound =
    rt.pool === null ? Number.POSITIVE_INFINITY : Math.floor(CALL_SLOTS / (SGEMM_SLOTS + EPILOGUE_SLOTS));
  const longest = Math.max(...calls.map((c) => c.length));
  for (let from = 0; from < longest; from += perRound) {
    forShares(rt, threads, threads, (kernels, t) => {
      const mine = calls[t];
      const end = Math.min(mine.length, from + perRound);
      for (let i = from; i < end; i++) {
        const c = mine[i];
        if (epilogue !== null) setEpilogue(kernels, epilogue.bias, 2, epilogue.act, epilogue.prelu);
        kernels.sgemm(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12]);
      }
    });
  }
}
