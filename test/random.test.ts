// Random: the xoshiro128** core and its splitmix32 seeding against a BigInt implementation written
// here from the published algorithm (itself checked against numbers printed by Vigna's C code),
// then the distributions drawn from it.
import { describe, expect, it } from "vitest";
import { Random } from "../src/network/random.js";

const MASK = 0xffffffffn;
const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & MASK;

/** xoshiro128** 1.1 (Blackman and Vigna, https://prng.di.unimi.it/xoshiro128starstar.c), in BigInt. */
class RefXoshiro128 {
  constructor(private s: [bigint, bigint, bigint, bigint]) {}

  next(): number {
    const s = this.s;
    const result = (rotl((s[1] * 5n) & MASK, 7n) * 9n) & MASK;
    const t = (s[1] << 9n) & MASK;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return Number(result);
  }
}

/** The four state words splitmix32 makes from a seed (taken mod 2^32), as src/network/random.ts seeds. */
function splitmix32State(seed: number): [bigint, bigint, bigint, bigint] {
  let x = BigInt.asUintN(32, BigInt(seed));
  const next = (): bigint => {
    x = (x + 0x9e3779b9n) & MASK;
    let z = x;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & MASK;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & MASK;
    return z ^ (z >> 16n);
  };
  return [next(), next(), next(), next()];
}

// Printed by the reference C code (xoshiro128starstar.c plus the same splitmix32), compiled with gcc.
const C_RAW_1234 = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849];
const C_SEEDED: [number, number[], number[]][] = [
  [
    0,
    [2462723854, 1020716019, 454327756, 1275600319],
    [3809008728, 1133695204, 53579671, 2891528803, 139681546, 2203266335],
  ],
  [
    1,
    [2527132011, 314344336, 2535364964, 2041432039],
    [2442144158, 3238099751, 3819917871, 2104621829, 2021136066, 4223536128],
  ],
  [
    42,
    [939911724, 3948730756, 321366731, 3317318717],
    [2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290],
  ],
  [
    123456789,
    [1573771921, 319883699, 2742014374, 1324369493],
    [4284103975, 1001954530, 2701803082, 2658065534, 3104308804, 4033197306],
  ],
  [
    4294967295,
    [920564995, 4230986166, 697614773, 1778835764],
    [835879718, 1921286648, 2356205009, 1885780724, 980451116, 1053911718],
  ],
  [
    2147483648,
    [3172115818, 304882621, 205969554, 3182573129],
    [3777240597, 340332888, 1644009166, 126705310, 2575468243, 1130795940],
  ],
];

describe("the reference generator in this file", () => {
  it("matches the C reference: raw state [1, 2, 3, 4] and splitmix32-seeded states", () => {
    const raw = new RefXoshiro128([1n, 2n, 3n, 4n]);
    expect(C_RAW_1234.map(() => raw.next())).toEqual(C_RAW_1234);
    for (const [seed, state, out] of C_SEEDED) {
      const s = splitmix32State(seed);
      expect(s.map(Number)).toEqual(state);
      const g = new RefXoshiro128(s);
      expect(out.map(() => g.next())).toEqual(out);
    }
  });
});

describe("Random", () => {
  const seeds = [
    0,
    1,
    2,
    42,
    123456789,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    -1,
    -123,
    ...Array.from({ length: 40 }, (_, i) => i * 7919 + 3),
  ];

  it(`uint32() is xoshiro128** seeded by splitmix32 (${seeds.length} seeds x 1000 draws)`, () => {
    for (const seed of seeds) {
      const r = new Random(seed),
        ref = new RefXoshiro128(splitmix32State(seed));
      for (let i = 0; i < 1000; i++) {
        const got = r.uint32(),
          want = ref.next();
        if (got !== want) throw new Error(`seed ${seed} draw ${i}: got ${got}, want ${want}`);
      }
    }
  });

  it("matches the first draws printed by the C reference", () => {
    for (const [seed, , out] of C_SEEDED) {
      const r = new Random(seed);
      expect(out.map(() => r.uint32())).toEqual(out);
    }
    // A negative seed is taken mod 2^32.
    const r = new Random(-1);
    expect(C_SEEDED[4][2].map(() => r.uint32())).toEqual(C_SEEDED[4][2]);
  });

  it("next() is uint32 / 2^32", () => {
    const r = new Random(9),
      ref = new RefXoshiro128(splitmix32State(9));
    for (let i = 0; i < 1000; i++) expect(r.next()).toBe(ref.next() / 2 ** 32);
  });

  it("the same seed gives the same sequence through every kind of draw", () => {
    const draw = (r: Random) => [
      r.next(),
      r.normal(),
      r.int(10),
      r.normal(),
      ...r.permutation(8),
      r.next(),
      r.uint32(),
      r.normal(),
    ];
    for (const seed of [0, 5, 2 ** 32 - 1]) {
      const a = new Random(seed),
        b = new Random(seed);
      expect(a.seed).toBe(seed);
      for (let i = 0; i < 20; i++) expect(draw(a)).toEqual(draw(b));
    }
  });

  it("different seeds give different sequences", () => {
    const firsts = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) {
      const r = new Random(seed);
      firsts.add(`${r.uint32()},${r.uint32()}`);
    }
    expect(firsts.size).toBe(1000);
    const a = new Random(1),
      b = new Random(2);
    const same = Array.from({ length: 100 }, () => a.uint32() === b.uint32()).filter(Boolean).length;
    expect(same).toBeLessThan(2);
  });

  it("without a seed, picks one and reports it so the run can be repeated", () => {
    const a = new Random();
    expect(Number.isInteger(a.seed)).toBe(true);
    const b = new Random(a.seed);
    expect(Array.from({ length: 10 }, () => a.uint32())).toEqual(Array.from({ length: 10 }, () => b.uint32()));
  });

  it("refuses a seed that is not an integer (RangeError) or not a number (TypeError)", () => {
    for (const seed of [1.5, NaN, Infinity]) {
      expect(() => new Random(seed)).toThrow(RangeError);
      expect(() => new Random(seed)).toThrow(/Random: seed must be an integer/);
    }
    for (const seed of ["42", null]) {
      expect(() => new Random(seed as never)).toThrow(TypeError);
      expect(() => new Random(seed as never)).toThrow(/Random: seed must be a number/);
    }
  });

  const N = 100_000;

  it("next() is in [0, 1) with mean 1/2 and variance 1/12", () => {
    const r = new Random(2024);
    let sum = 0,
      sum2 = 0,
      min = 1,
      max = 0;
    for (let i = 0; i < N; i++) {
      const u = r.next();
      sum += u;
      sum2 += u * u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    const mean = sum / N,
      variance = sum2 / N - mean * mean;
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Standard errors: 0.0009 for the mean, 0.0003 for the variance; the bounds are about 5 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.0015);
    expect(min).toBeLessThan(1e-3);
    expect(max).toBeGreaterThan(1 - 1e-3);
  });

  it("normal() has mean 0, variance 1 and the normal distribution's shape", () => {
    const r = new Random(77);
    // Bin edges and the standard normal CDF at them (Phi(0.5) = 0.691462, Phi(1) = 0.841345, Phi(2) = 0.977250, Phi(3) = 0.998650).
    const edges = [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3];
    const cdf = [0.00135, 0.02275, 0.158655, 0.308538, 0.5, 0.691462, 0.841345, 0.97725, 0.99865];
    const counts = new Array<number>(edges.length + 1).fill(0);
    let sum = 0,
      sum2 = 0;
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      if (!Number.isFinite(z)) throw new Error(`normal() gave ${z} at draw ${i}`);
      sum += z;
      sum2 += z * z;
      let bin = 0;
      while (bin < edges.length && z >= edges[bin]) bin++;
      counts[bin]++;
    }
    const mean = sum / N,
      variance = sum2 / N - mean * mean;
    // Standard errors: 0.0032 for the mean, 0.0045 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
    const p = [...cdf, 1].map((c, i) => c - (i === 0 ? 0 : cdf[i - 1]));
    const chi2 = counts.reduce((s, c, i) => s + (c - N * p[i]) ** 2 / (N * p[i]), 0);
    expect(chi2).toBeLessThan(40); // 9 degrees of freedom: P(chi2 > 40) < 1e-5
  });

  it("int(n) covers 0..n-1 uniformly", () => {
    for (const [seed, n] of [
      [3, 10],
      [4, 7],
      [5, 2],
      [6, 33],
    ]) {
      const r = new Random(seed);
      const counts = new Array<number>(n).fill(0);
      for (let i = 0; i < N; i++) {
        const k = r.int(n);
        if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`int(${n}) gave ${k}`);
        counts[k]++;
      }
      const expected = N / n;
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      // n - 1 degrees of freedom; the bound sits far in the tail (mean n - 1, sd sqrt(2(n - 1))).
      expect(chi2, `int(${n})`).toBeLessThan(n - 1 + 8 * Math.sqrt(2 * (n - 1)) + 10);
    }
    const r = new Random(1);
    for (let i = 0; i < 100; i++) expect(r.int(1)).toBe(0);
  });

  it("int(n) and permutation(n) refuse sizes that are not counts", () => {
    const r = new Random(1);
    expect(() => r.int(0)).toThrow(/Random\.int: n must be an integer >= 1; got 0/);
    expect(() => r.int(-3)).toThrow(RangeError);
    expect(() => r.permutation(2.5)).toThrow(/Random\.permutation: n must be an integer >= 0; got 2\.5/);
    expect(() => r.permutation("4" as never)).toThrow(TypeError);
    expect(r.permutation(0)).toHaveLength(0);
  });

  it("permutation(n) holds each of 0..n-1 exactly once", () => {
    const r = new Random(11);
    for (const n of [0, 1, 2, 3, 10, 1000, 60000]) {
      const p = r.permutation(n);
      expect(p).toBeInstanceOf(Int32Array);
      expect(p.length).toBe(n);
      const seen = new Uint8Array(n);
      for (const i of p) {
        if (!(i >= 0 && i < n) || seen[i]) throw new Error(`permutation(${n}): ${i} out of range or repeated`);
        seen[i] = 1;
      }
    }
    expect(Array.from(r.permutation(1000)).every((v, i) => v === i)).toBe(false);
  });

  it("permutation(n) makes every order equally likely (all 24 of 4 elements)", () => {
    const r = new Random(12);
    const counts = new Map<string, number>();
    const trials = 48_000;
    for (let i = 0; i < trials; i++) {
      const key = r.permutation(4).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24); // Sattolo's slip (j < i) would give only the 6 cyclic orders
    const expected = trials / 24;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(70); // 23 degrees of freedom: P(chi2 > 70) < 1e-6
    // and each position takes each value a quarter of the time
    const r2 = new Random(13);
    const pos = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    for (let i = 0; i < trials; i++)
      r2.permutation(4).forEach((v, at) => {
        pos[at][v]++;
      });
    for (const row of pos) for (const c of row) expect(Math.abs(c - trials / 4)).toBeLessThan(600); // sd about 95
  });
});
