import { describe } from "../tensor/tensor.js";
import { checkInt } from "../tensor/validate.js";

/**
 * A seeded generator, so one seed gives the same initial weights and batch order on every run and
 * every platform: xoshiro128** (Blackman and Vigna), its state filled by splitmix32 from the seed.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(readonly seed: number = Math.floor(Math.random() * 2 ** 32)) {
    if (typeof seed !== "number") throw new TypeError(`Random: seed must be a number; got ${describe(seed)}`);
    if (!Number.isInteger(seed)) throw new RangeError(`Random: seed must be an integer; got ${seed}`);
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Standard normal (Box–Muller; each pair of uniforms gives two draws). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const r = Math.sqrt(-2 * Math.log(u)),
      theta = 2 * Math.PI * this.next();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    checkInt("Random.int", "n", n, 1);
    return Math.floor(this.next() * n);
  }

  /** 0..n-1 in random order (Fisher–Yates). */
  permutation(n: number): Int32Array {
    checkInt("Random.permutation", "n", n, 0);
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
