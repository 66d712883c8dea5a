// Batched matmul (issue 13): [..., M, K] x [..., K, N] with NumPy's broadcasting of the batch
// dimensions, transposes as strides, a fused bias and activation, and matmulBackward. Checked
// against a float64 loop that broadcasts explicitly (index by index, nothing shared with the
// implementation's odometer), against finite differences, and against NumPy itself.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { init, matmul, matmulBackward, memoryStats, Tensor, type TensorLike } from "../src/index.js";
import type { Ref } from "./reference.js";
import { type Act, ACTS, prod, refBatched, type Spec } from "./reference_matmul.js";
import { expectClose, expectRelClose, expectSameBytes, randInt, randTensor, rng, type Stored } from "./util.js";

beforeAll(async () => {
  await init();
});

/** matmul's options for a spec. */
function optsOf(s: Spec, t: { bias: TensorLike | null; alpha?: number | TensorLike }): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (s.tA) o.transposeA = true;
  if (s.tB) o.transposeB = true;
  if (t.bias) o.bias = t.bias;
  if (s.act !== "linear") o.activation = s.act;
  if (t.alpha !== undefined) o.alpha = t.alpha;
  return o;
}

/** A batch of rank 0-3 and two operand batches that broadcast to it: 1s and missing dimensions on either side. */
function randBatches(r: () => number): [number[], number[]] {
  const rank = randInt(r, 0, 3);
  const batch = Array.from({ length: rank }, () => randInt(r, 1, 4));
  const side = (): number[] => {
    const keep = randInt(r, 0, rank);
    return batch.slice(rank - keep).map((d) => (r() < 0.3 ? 1 : d));
  };
  return [side(), side()];
}

interface Case {
  a: ReturnType<typeof randTensor>;
  b: ReturnType<typeof randTensor>;
  spec: Spec;
  bias: TensorLike | null;
  alpha?: number | TensorLike;
  name: string;
}

function randCase(seed: number, act: Act, sizes: () => [number, number, number]): Case {
  const r = rng(seed);
  const [aBatch, bBatch] = randBatches(r);
  const [M, N, K] = sizes();
  const tA = r() < 0.5,
    tB = r() < 0.5;
  const a = randTensor(rng(seed + 1), [...aBatch, ...(tA ? [K, M] : [M, K])]);
  const b = randTensor(rng(seed + 2), [...bBatch, ...(tB ? [N, K] : [K, N])]);
  const withBias = r() < 0.6;
  const bias = withBias ? randTensor(rng(seed + 3), [N]) : null;
  let alpha: number | ReturnType<typeof randTensor> | undefined;
  if (act === "prelu") alpha = randTensor(rng(seed + 4), [N]);
  else if (act === "leakyRelu" && r() < 0.5) alpha = 0.05 + r();
  const spec: Spec = {
    tA,
    tB,
    bias: bias?.ref ?? null,
    act,
    alpha: typeof alpha === "object" ? alpha.ref : alpha,
  };
  const name =
    `a ${JSON.stringify(a.t.shape)} x b ${JSON.stringify(b.t.shape)} tA=${tA} tB=${tB} ` +
    `bias=${withBias} ${act}${alpha === undefined ? "" : " alpha"}`;
  return { a, b, spec, bias: bias?.t ?? null, alpha: typeof alpha === "object" ? alpha.t : alpha, name };
}

function run(c: Case, extra: Record<string, unknown> = {}): Tensor {
  return matmul(c.a.t, c.b.t, { ...optsOf(c.spec, c), ...extra } as never);
}

describe("batched matmul", () => {
  it("matches the float64 reference on 280 random shapes: batch ranks 0-3, broadcasting, transposes, bias, every activation", () => {
    let seen = 0;
    const acts = new Set<string>();
    const ranks = new Set<string>();
    for (let i = 0; i < 280; i++) {
      const r = rng(9000 + i);
      // Mostly small; now and then past the 4x8 tile, and past the KC = 256 block of K.
      const sizes = (): [number, number, number] =>
        i % 40 === 0
          ? [randInt(r, 1, 9), randInt(r, 1, 9), randInt(r, 250, 300)]
          : i % 13 === 0
            ? [randInt(r, 10, 40), randInt(r, 10, 40), randInt(r, 1, 30)]
            : [randInt(r, 1, 9), randInt(r, 1, 12), randInt(r, 1, 9)];
      const c = randCase(100 * i, ACTS[i % ACTS.length], sizes);
      const want = refBatched(c.a.ref, c.b.ref, c.spec);
      try {
        expectClose(run(c), want, 1e-5);
      } catch (e) {
        throw new Error(`case ${i}, ${c.name}: ${(e as Error).message}`);
      }
      acts.add(c.spec.act);
      ranks.add(`${c.a.t.shape.length - 2}/${c.b.t.shape.length - 2}`);
      seen++;
    }
    expect(seen).toBe(280);
    expect([...acts].sort()).toEqual([...ACTS].sort());
    // Every pair of operand batch ranks, 0-3 each, came up.
    expect(ranks.size).toBe(16);
  });

  it("keeps 2-D calls as they were and broadcasts the hand-made cases NumPy's documentation lists", () => {
    const r = rng(5);
    const cases: [number[], number[], number[]][] = [
      [
        [3, 4],
        [4, 5],
        [3, 5],
      ],
      [
        [2, 3, 4],
        [4, 5],
        [2, 3, 5],
      ],
      [
        [3, 4],
        [2, 4, 5],
        [2, 3, 5],
      ],
      [
        [2, 1, 3, 4],
        [5, 4, 6],
        [2, 5, 3, 6],
      ],
      [
        [1, 3, 4],
        [7, 4, 2],
        [7, 3, 2],
      ],
      [
        [7, 3, 4],
        [1, 4, 2],
        [7, 3, 2],
      ],
      [
        [1, 1, 3, 4],
        [4, 2],
        [1, 1, 3, 2],
      ],
    ];
    for (const [as, bs, ys] of cases) {
      const a = randTensor(r, as),
        b = randTensor(r, bs);
      const y = matmul(a.t, b.t);
      expect(y.shape, `${as} x ${bs}`).toEqual(ys);
      expectClose(y, refBatched(a.ref, b.ref, { tA: false, tB: false, bias: null, act: "linear" }), 1e-5);
    }
  });

  it("gives each batch item the bits of its own 2-D product, whichever path (folded rows, items, threads) ran", () => {
    const r = rng(11);
    for (const [M, N, K, items] of [
      [5, 7, 9, 3],
      [33, 17, 260, 2],
      [1, 9, 4, 40],
      [130, 12, 20, 3],
    ]) {
      const a = randTensor(r, [items, M, K]).t;
      const w = randTensor(r, [K, N]).t;
      const bias = randTensor(r, [N]).t;
      const repeated = { shape: [items, K, N], data: new Float32Array(items * K * N) };
      for (let i = 0; i < items; i++) repeated.data.set(w.data, i * K * N);
      // b 2-D: one GEMM over all of a's rows; b repeated per item: one GEMM per item.
      const folded = matmul(a, w, { bias, activation: "relu" });
      const perItem = matmul(a, repeated, { bias, activation: "relu" });
      expectSameBytes(folded.data, perItem.data);
      for (let i = 0; i < items; i++) {
        const ai = { shape: [M, K], data: a.data.subarray(i * M * K, (i + 1) * M * K) };
        const one = matmul(ai, w, { bias, activation: "relu" });
        expectSameBytes(folded.data.subarray(i * M * N, (i + 1) * M * N), one.data);
      }
    }
  });

  it("runs a batch of 4000 small products (more calls than a worker's control block holds in one round)", () => {
    const a = randTensor(rng(12), [4000, 2, 3]),
      b = randTensor(rng(13), [4000, 3, 2]),
      bias = randTensor(rng(14), [2]);
    const spec: Spec = { tA: false, tB: false, bias: bias.ref, act: "elu" };
    expectClose(matmul(a.t, b.t, { bias: bias.t, activation: "elu" }), refBatched(a.ref, b.ref, spec), 1e-5);
    const bT = randTensor(rng(15), [4000, 1, 3]);
    expectClose(
      matmul(a.t, bT.t, { transposeB: true }),
      refBatched(a.ref, bT.ref, { tA: false, tB: true, bias: null, act: "linear" }),
      1e-5,
    );
  });

  it("writes into a batched out, also when out is an operand's own array", () => {
    const c = randCase(77, "leakyRelu", () => [6, 5, 4]);
    const want = run(c);
    const out = new Tensor(new Float32Array(want.size).fill(Number.NaN), [...want.shape]);
    expect(run(c, { out })).toBe(out);
    expectSameBytes(out.data, want.data);
    // The product of a batch of squares with itself, written over that batch: both operands are
    // in WASM memory before the result is.
    const sq = randTensor(rng(80), [2, 3, 3]);
    const expected = matmul(sq.t, sq.t, { transposeB: true });
    const S = new Tensor(sq.t.data.slice(), [2, 3, 3]);
    expect(matmul(S, S, { out: S, transposeB: true })).toBe(S);
    expectSameBytes(S.data, expected.data);
  });

  it("leaves no WASM memory in use after 300 calls of every kind", () => {
    const before = memoryStats().bytesInUse;
    for (let i = 0; i < 300; i++) run(randCase(31 * i, ACTS[i % ACTS.length], () => [3, 4, 5]));
    expect(memoryStats().bytesInUse).toBe(before);
  });
});

// ---- matmulBackward ----

/** sum(dy * z) in float64 for z the linear part of matmul (no activation). */
function loss(a: Ref, b: Ref, bias: Ref | null, dy: Ref, tA: boolean, tB: boolean): number {
  const z = refBatched(a, b, { tA, tB, bias, act: "linear" });
  let s = 0;
  for (let i = 0; i < z.data.length; i++) s += z.data[i] * dy.data[i];
  return s;
}

/** Central differences of `f` along every element of `x` (the loss is linear in each, so h = 1 is exact in float64). */
function numericGrad(x: Ref, f: () => number): Float64Array {
  const g = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i];
    x.data[i] = v + 1;
    const up = f();
    x.data[i] = v - 1;
    const down = f();
    x.data[i] = v;
    g[i] = (up - down) / 2;
  }
  return g;
}

describe("matmulBackward", () => {
  it("matches finite differences of the float64 product on 80 random cases: broadcasting, transposes, bias", () => {
    for (let i = 0; i < 80; i++) {
      const r = rng(4000 + i);
      const c = randCase(300 * i + 1, "linear", () => [randInt(r, 1, 6), randInt(r, 1, 6), randInt(r, 1, 6)]);
      const { tA, tB } = c.spec;
      const z = refBatched(c.a.ref, c.b.ref, c.spec);
      const dy = randTensor(rng(i + 50_000), z.shape);
      const bias = c.spec.bias;
      const g = matmulBackward(c.a.t, c.b.t, dy.t, { transposeA: tA, transposeB: tB, bias: c.bias });
      const f = () => loss(c.a.ref, c.b.ref, bias, dy.ref, tA, tB);
      try {
        expectClose(g.da, { shape: c.a.ref.shape, data: numericGrad(c.a.ref, f) }, 1e-5);
        expectClose(g.db, { shape: c.b.ref.shape, data: numericGrad(c.b.ref, f) }, 1e-5);
        if (bias) expectClose(g.dbias!, { shape: bias.shape, data: numericGrad(bias, f) }, 1e-5);
        else expect(g.dbias).toBeNull();
      } catch (e) {
        throw new Error(`case ${i}, ${c.name}: ${(e as Error).message}`);
      }
    }
  });

  it("is the derivative of zeroconv's own float32 matmul (finite differences through matmul, larger sizes)", () => {
    for (let i = 0; i < 12; i++) {
      const r = rng(7000 + i);
      const sizes = (): [number, number, number] =>
        i % 4 === 0
          ? [randInt(r, 1, 5), randInt(r, 1, 5), randInt(r, 250, 270)]
          : [randInt(r, 5, 40), randInt(r, 5, 40), randInt(r, 5, 40)];
      const c = randCase(500 * i + 7, "linear", sizes);
      const y = run(c);
      const dy = randTensor(rng(i + 60_000), [...y.shape]);
      const opts = { transposeA: c.spec.tA, transposeB: c.spec.tB, bias: c.bias ?? undefined };
      const g = matmulBackward(c.a.t, c.b.t, dy.t, opts);
      const L = () => {
        const z = run(c);
        let s = 0;
        for (let k = 0; k < z.size; k++) s += z.data[k] * dy.ref.data[k];
        return s;
      };
      // h = 0.5: the loss is linear in each element, so only float32 rounding separates the two.
      const probe = (x: Float32Array, grad: Float32Array, what: string) => {
        for (let n = 0; n < 4; n++) {
          const k = randInt(r, 0, x.length - 1);
          const v = x[k];
          x[k] = v + 0.5;
          const up = L();
          x[k] = v - 0.5;
          const down = L();
          x[k] = v;
          const fd = up - down;
          expect(Math.abs(fd - grad[k]), `case ${i} ${c.name}: ${what}[${k}] ${fd} vs ${grad[k]}`).toBeLessThan(
            2e-4 * (1 + Math.abs(fd)) * Math.sqrt(y.size),
          );
        }
      };
      probe(c.a.t.data, g.da.data, "da");
      probe(c.b.t.data, g.db.data, "db");
      if (c.bias) probe(c.bias.data as Float32Array, g.dbias!.data, "dbias");
    }
  });

  it("gives da and db in the operands' shapes, summed over broadcast batch dimensions; bias: true also gives dbias", () => {
    const a = { shape: [2, 1, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] };
    const b = { shape: [3, 2, 1], data: [1, 1, 1, 1, 1, 1] };
    const dy = { shape: [2, 3, 2, 1], data: new Float32Array(12).fill(1) };
    const g = matmulBackward(a, b, dy, { bias: true });
    expect(g.da.shape).toEqual([2, 1, 2, 2]);
    // Each item of a meets the three b's: dy (ones) x b^T (ones) summed 3 times.
    expect(Array.from(g.da.data)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(g.db.shape).toEqual([3, 2, 1]);
    // Each b item sums a^T 1 over a's two items: column sums of [1 2; 3 4] + [5 6; 7 8].
    expect(Array.from(g.db.data)).toEqual([16, 20, 16, 20, 16, 20]);
    expect(g.dbias!.shape).toEqual([1]);
    expect(Array.from(g.dbias!.data)).toEqual([12]);
    expect(matmulBackward(a, b, dy).dbias).toBeNull();
    expect(matmulBackward(a, b, dy, { bias: false, activation: "linear" }).dbias).toBeNull();
  });

  it("sums dbias row by row in float32, four columns at a time and the ragged ones alone, to the same bits", () => {
    for (const N of [1, 4, 7, 13]) {
      const a = randTensor(rng(N), [3, 11, 5]).t,
        b = randTensor(rng(N + 1), [5, N]).t;
      const dy = randTensor(rng(N + 2), [3, 11, N]).t;
      const want = new Float32Array(N);
      for (let row = 0; row < 33; row++)
        for (let j = 0; j < N; j++) want[j] = Math.fround(want[j] + dy.data[row * N + j]);
      expectSameBytes(matmulBackward(a, b, dy, { bias: true }).dbias!.data, want);
    }
  });

  it("leaves no WASM memory in use", () => {
    const before = memoryStats().bytesInUse;
    for (let i = 0; i < 50; i++) {
      const c = randCase(17 * i, "linear", () => [3, 4, 5]);
      const y = run(c);
      matmulBackward(c.a.t, c.b.t, y, { transposeA: c.spec.tA, transposeB: c.spec.tB, bias: c.bias ?? undefined });
    }
    expect(memoryStats().bytesInUse).toBe(before);
  });
});

// ---- errors ----

const t = (shape: number[]): TensorLike => ({ shape, data: new Float32Array(prod(shape)) });
type Kind = typeof TypeError | typeof RangeError;
const errorCases: [string, () => unknown, Kind, RegExp][] = [
  [
    "an unknown option",
    () => matmul(t([2, 3]), t([3, 4]), { transposeb: true } as never),
    TypeError,
    /^matmul: unknown option "transposeb"; the options are transposeA, transposeB, bias, activation, alpha, out$/,
  ],
  [
    "opts an array",
    () => matmul(t([2, 3]), t([3, 4]), [] as never),
    TypeError,
    /^matmul: opts must be an object like \{ transposeB: true, out \}; got Array\(0\)$/,
  ],
  [
    "transposeA not a boolean",
    () => matmul(t([2, 3]), t([3, 4]), { transposeA: 1 } as never),
    TypeError,
    /^matmul: transposeA must be true or false; got number 1$/,
  ],
  [
    "inner sizes differ under transposeA",
    () => matmul(t([2, 3, 4]), t([4, 5]), { transposeA: true }),
    RangeError,
    /^matmul: b must have 3 rows to match a's rows \(transposeA\); a is \[2, 3, 4\], b is \[4, 5\]$/,
  ],
  [
    "inner sizes differ under transposeB",
    () => matmul(t([2, 3]), t([4, 2]), { transposeB: true }),
    RangeError,
    /^matmul: b must have 3 columns \(transposeB\) to match a's columns; a is \[2, 3\], b is \[4, 2\]$/,
  ],
  [
    "batches that do not broadcast",
    () => matmul(t([2, 3, 4, 5]), t([4, 5, 6])),
    RangeError,
    /^matmul: a's and b's batch dimensions must be equal or 1 to broadcast, counted from the last; a is \[2, 3, 4, 5\] with batch \[2, 3\], b is \[4, 5, 6\] with batch \[4\]: 3 and 4 differ$/,
  ],
  [
    "a 1-D b",
    () => matmul(t([2, 4]), t([4])),
    RangeError,
    /^matmul: b must have 2 to 64 dimensions \[\.\.\., K, N\]; got shape \[4\] \(vectors are not promoted: reshape it to \[4, 1\], as NumPy's matmul reads it\)$/,
  ],
  [
    "a scalar a",
    () => matmul({ shape: [], data: [1] }, t([1, 1])),
    RangeError,
    /^matmul: a must have 2 to 64 dimensions \[\.\.\., M, K\]; got shape \[\]$/,
  ],
  [
    "a batch dimension of 0",
    () => matmul({ shape: [0, 2, 2], data: [] }, t([2, 2])),
    RangeError,
    /^matmul: a's shape\[0\] \(batch0\) must be a positive integer; got shape \[0, 2, 2\]$/,
  ],
  [
    "a's data one short",
    () => matmul({ shape: [2, 2, 2], data: new Float32Array(7) }, t([2, 2])),
    RangeError,
    /^matmul: a\.data has 7 elements but shape \[2, 2, 2\] \[batch0, M, K\] needs 8$/,
  ],
  [
    "a bias of the wrong length",
    () => matmul(t([2, 3]), t([3, 6]), { bias: t([7]) }),
    RangeError,
    /^matmul: bias must have shape \[6\], one per column of the product \(N\); got \[7\]$/,
  ],
  [
    "a 2-D bias",
    () => matmul(t([2, 3]), t([3, 6]), { bias: t([1, 6]) }),
    RangeError,
    /^matmul: bias must be 1-D \[N\]; got shape \[1, 6\]$/,
  ],
  [
    "a bias that is a number",
    () => matmul(t([2, 3]), t([3, 6]), { bias: 1 } as never),
    TypeError,
    /^matmul: bias must be a tensor \{ shape, data \}; got number 1$/,
  ],
  [
    "an unknown activation",
    () => matmul(t([2, 3]), t([3, 6]), { activation: "tanh" } as never),
    TypeError,
    /^matmul: activation must be one of "linear", "relu", "relu6", "leakyRelu", "prelu", "elu", "sigmoid"; got string "tanh"$/,
  ],
  [
    "prelu without alpha",
    () => matmul(t([2, 3]), t([3, 6]), { activation: "prelu" }),
    TypeError,
    /^matmul: activation "prelu" needs alpha, a tensor of one slope per column$/,
  ],
  [
    "prelu's alpha of the wrong length",
    () => matmul(t([2, 3]), t([3, 6]), { activation: "prelu", alpha: t([5]) }),
    RangeError,
    /^matmul: alpha for "prelu" must have shape \[6\], one per column; got \[5\]$/,
  ],
  [
    "alpha with relu",
    () => matmul(t([2, 3]), t([3, 6]), { activation: "relu", alpha: 0.1 }),
    TypeError,
    /^matmul: alpha is for "leakyRelu" and "prelu" only; activation is "relu"$/,
  ],
  [
    "a batched out of the wrong shape",
    () => matmul(t([2, 3, 4]), t([4, 6]), { out: new Tensor(new Float32Array(18), [3, 6]) }),
    RangeError,
    /^matmul: opts\.out must have the result's shape \[2, 3, 6\] \[batch0, M, N\]; got \[3, 6\]$/,
  ],
  [
    "backward: dy of the wrong shape",
    () => matmulBackward(t([2, 3, 4]), t([4, 6]), t([2, 3, 5])),
    RangeError,
    /^matmulBackward: dy must have the product's shape \[2, 3, 6\] \[batch0, M, N\]; got \[2, 3, 5\]$/,
  ],
  [
    "backward: dy of the wrong rank",
    () => matmulBackward(t([2, 3, 4]), t([4, 6]), t([3, 6])),
    RangeError,
    /^matmulBackward: dy must be 3-D \[batch0, M, N\]; got shape \[3, 6\]$/,
  ],
  [
    "backward: an activation",
    () => matmulBackward(t([2, 3]), t([3, 6]), t([2, 6]), { activation: "relu" } as never),
    TypeError,
    /^matmulBackward: activation must be "linear" or absent, as only a·b \+ bias is differentiated here; got string "relu"\. For a fused activation pass dy already multiplied by its derivative: the gradient with respect to the pre-activation$/,
  ],
  [
    "backward: out",
    () => matmulBackward(t([2, 3]), t([3, 6]), t([2, 6]), { out: t([2, 6]) } as never),
    TypeError,
    /^matmulBackward: unknown option "out"; the options are transposeA, transposeB, bias, activation$/,
  ],
  [
    "backward: a bias of the wrong length",
    () => matmulBackward(t([2, 3]), t([3, 6]), t([2, 6]), { bias: t([5]) }),
    RangeError,
    /^matmulBackward: bias must have shape \[6\], one per column of the product \(N\); got \[5\]$/,
  ],
  [
    "backward: bias a string",
    () => matmulBackward(t([2, 3]), t([3, 6]), t([2, 6]), { bias: "yes" } as never),
    TypeError,
    /^matmulBackward: bias must be a tensor \{ shape, data \}; got string "yes"$/,
  ],
  [
    "backward: inner sizes differ",
    () => matmulBackward(t([2, 3]), t([4, 6]), t([2, 6])),
    RangeError,
    /^matmulBackward: b must have 3 rows to match a's columns; a is \[2, 3\], b is \[4, 6\]$/,
  ],
];

describe("batched matmul's errors", () => {
  it.each(errorCases)(
    "%s: the error names the argument and both shapes, and leaves memory as it was",
    (_, call, kind, message) => {
      const before = memoryStats();
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(kind);
      expect((caught as Error).message).toMatch(message);
      expect(memoryStats()).toEqual(before);
    },
  );

  it("writes nothing into an out that a failed call was given", () => {
    const out = new Tensor(new Float32Array(12).fill(7), [2, 6]);
    expect(() => matmul(t([2, 3]), t([3, 6]), { out, activation: "prelu" })).toThrow(TypeError);
    expect(Array.from(out.data).every((v) => v === 7)).toBe(true);
  });
});

// ---- NumPy ----

const scriptPath = fileURLToPath(new URL("./reference/matmul_batched.py", import.meta.url));
const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
const hasNumpy = probe.status === 0;
const noNumpy = `skipped: python3 with numpy not available (${probe.error?.message ?? probe.stderr.trim()})`;
// Said out loud too: a skipped describe's title is not printed by every reporter.
if (!hasNumpy) console.warn(`test/matmul-batched.test.ts: the comparisons with NumPy are ${noNumpy}`);

const stored = (x: TensorLike): Stored => ({ shape: Array.from(x.shape), data: Array.from(x.data) });

describe.skipIf(!hasNumpy)(
  hasNumpy ? "batched matmul against NumPy's np.matmul" : `batched matmul against NumPy: ${noNumpy}`,
  () => {
    it("agrees with np.matmul (and its broadcast gradients) on 60 random cases", () => {
      const cases = Array.from({ length: 60 }, (_, i) => {
        const r = rng(20_000 + i);
        return randCase(700 * i + 3, "linear", () => [randInt(r, 1, 12), randInt(r, 1, 12), randInt(r, 1, 12)]);
      });
      const dys = cases.map((c, i) => randTensor(rng(i + 90_000), [...run(c).shape]).t);
      const input = {
        cases: cases.map((c, i) => ({
          a: stored(c.a.t),
          b: stored(c.b.t),
          transposeA: c.spec.tA,
          transposeB: c.spec.tB,
          bias: c.bias ? stored(c.bias) : null,
          dy: stored(dys[i]),
        })),
      };
      const py = spawnSync("python3", [scriptPath], {
        encoding: "utf8",
        input: JSON.stringify(input),
        maxBuffer: 256 << 20,
        timeout: 120_000,
      });
      if (py.status !== 0)
        throw new Error(`matmul_batched.py failed (status ${py.status}): ${py.error?.message ?? py.stderr}`);
      const results = (JSON.parse(py.stdout) as { results: Record<string, Stored>[] }).results;
      expect(results.length).toBe(cases.length);
      cases.forEach((c, i) => {
        const want = results[i];
        const opts = { transposeA: c.spec.tA, transposeB: c.spec.tB, bias: c.bias ?? undefined };
        expectRelClose(`case ${i} ${c.name}: y`, run(c), want.y, 1e-5);
        const g = matmulBackward(c.a.t, c.b.t, dys[i], opts);
        expectRelClose(`case ${i} ${c.name}: da`, g.da, want.da, 1e-5);
        expectRelClose(`case ${i} ${c.name}: db`, g.db, want.db, 1e-5);
        if (c.bias) expectRelClose(`case ${i} ${c.name}: dbias`, g.dbias!, want.dbias, 1e-5);
      });
    });
  },
);
