// Timing in a browser: performance.now() is coarsened (to 100 µs on a page that is not
// cross-origin isolated, 5 µs on one that is), so a call of tens of microseconds is timed in
// batches and each sample is the batch's time divided by its size.

/** Median milliseconds per call of fn over `samples` batches of `batch` calls, after `warmUp` calls. */
export function medianMs(fn: () => unknown, samples: number, batch = 1, warmUp = 3): number {
  for (let i = 0; i < warmUp; i++) fn();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    times.push((performance.now() - t0) / batch);
  }
  return median(times);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Lets the page paint before a long measurement blocks the main thread. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
