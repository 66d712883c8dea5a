/**
 * Median milliseconds per call of `f` over `repeats` calls, after a few warm-up calls that let V8
 * tier the kernels up (its baseline tier runs WASM at a fraction of full speed).
 */
export function median(f: () => unknown, repeats: number, warmup = 5): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
