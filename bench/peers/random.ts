// The seeded floats every bench:peers process draws the same: its own module, so that the
// workload descriptions (common.ts, mobilenet_v2.ts) can both import it.

/** Seeded uniform floats in [-1, 1) (xorshift32), the same in every process. */
export function randomFloats(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}
