// SGD and Adam against float64 re-implementations of the book's common/optimizer.py, written here
// from the book's formulas; parameters are rounded to float32 after every step as their storage does.
import { beforeAll, describe, expect, it } from "vitest";
import { init, memoryStats } from "../src/index.js";
import { Tensor, type TensorLike } from "../src/tensor/tensor.js";
import { SGD } from "../src/optimizers/sgd.js";
import { Adam } from "../src/optimizers/adam.js";
import { rng } from "./util.js";

type Params = Record<string, Tensor>;
type Ref64 = Record<string, Float64Array>;

const SHAPES: Record<string, number[]> = { W1: [3, 4], b1: [4], W2: [4, 2, 2], b2: [1], tiny: [6] };

/** Random params in [-scale, scale) per key; "tiny" holds small values so its ulp is small against a step. */
function makeParams(seed: number): Params {
  const r = rng(seed);
  const out: Params = {};
  for (const [key, shape] of Object.entries(SHAPES)) {
    const scale = key === "tiny" ? 1e-3 : 1;
    const n = shape.reduce((a, b) => a * b, 1);
    out[key] = new Tensor(
      Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale),
      shape,
    );
  }
  return out;
}

/**
 * Gradients for step `step`: mostly uniform in [-1, 1), the key "tiny" with gradients near 1e-7,
 * where the book's eps = 1e-7 beside sqrt(v) changes the step by about half, and some zeros.
 */
function makeGrads(seed: number, step: number): Record<string, TensorLike & { data: Float32Array }> {
  const r = rng(seed * 1000 + step);
  const out: Record<string, TensorLike & { data: Float32Array }> = {};
  for (const [key, shape] of Object.entries(SHAPES)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = key === "tiny" ? 2e-7 : 1;
    out[key] = { shape, data: Float32Array.from({ length: n }, (_, i) => (i === 1 ? 0 : (r() * 2 - 1) * scale)) };
  }
  return out;
}

const copy64 = (p: Params): Ref64 =>
  Object.fromEntries(Object.entries(p).map(([k, t]) => [k, Float64Array.from(t.data)]));

/** |got - want| <= rel * max(|want|, floor) for every element of every key. */
function expectParamsClose(got: Params, want: Ref64, rel: number, floor: number, what: string): void {
  for (const key of Object.keys(want)) {
    const g = got[key].data,
      w = want[key];
    expect(g.length, `${what} ${key} length`).toBe(w.length);
    for (let i = 0; i < w.length; i++) {
      const err = Math.abs(g[i] - w[i]);
      if (!(err <= rel * Math.max(Math.abs(w[i]), floor))) {
        throw new Error(`${what}: ${key}[${i}] got ${g[i]}, want ${w[i]} (error ${err})`);
      }
    }
  }
}

/** The book's SGD: params[key] -= lr * grads[key]. */
function refSgdStep(p: Ref64, grads: Record<string, TensorLike>, lr: number): void {
  for (const key of Object.keys(p)) {
    for (let i = 0; i < p[key].length; i++) p[key][i] = Math.fround(p[key][i] - lr * grads[key].data[i]);
  }
}

/** The book's Adam, in float64 (moments too), parameters rounded to float32 after each step. */
class RefAdam {
  iter = 0;
  m: Ref64 = {};
  v: Ref64 = {};
  constructor(
    readonly lr = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
  ) {}
  update(p: Ref64, grads: Record<string, TensorLike>): void {
    if (this.iter === 0) {
      for (const key of Object.keys(p)) {
        this.m[key] = new Float64Array(p[key].length);
        this.v[key] = new Float64Array(p[key].length);
      }
    }
    this.iter += 1;
    const lrT = (this.lr * Math.sqrt(1 - this.beta2 ** this.iter)) / (1 - this.beta1 ** this.iter);
    for (const key of Object.keys(p)) {
      const g = grads[key].data,
        m = this.m[key],
        v = this.v[key];
      for (let i = 0; i < m.length; i++) {
        m[i] += (1 - this.beta1) * (g[i] - m[i]);
        v[i] += (1 - this.beta2) * (g[i] ** 2 - v[i]);
        p[key][i] = Math.fround(p[key][i] - (lrT * m[i]) / (Math.sqrt(v[i]) + 1e-7));
      }
    }
  }
}

beforeAll(async () => {
  await init();
});

describe("SGD", () => {
  it("matches p -= lr * g over several steps, in place on the same Float32Arrays", () => {
    for (const lr of [0.01, 0.1, 0.5]) {
      const params = makeParams(1),
        want = copy64(params);
      const arrays = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, t.data]));
      const start = copy64(params);
      const opt = new SGD(lr);
      for (let step = 0; step < 8; step++) {
        const grads = makeGrads(1, step);
        opt.update(params, grads);
        refSgdStep(want, grads, lr);
        expectParamsClose(params, want, 1e-6, 1e-3, `lr ${lr} step ${step}`);
      }
      for (const key of Object.keys(params)) {
        expect(params[key].data).toBe(arrays[key]); // the same objects, updated in place
      }
      expect(params.W1.data[0]).not.toBe(start.W1[0]);
    }
  });

  it("defaults to lr 0.01, the book's", () => {
    const opt = new SGD();
    expect(opt.lr).toBe(0.01);
    const p = { w: new Tensor(Float32Array.from([1, -2, 0.5]), [3]) };
    opt.update(p, { w: { shape: [3], data: [10, -100, 0] } });
    expect(Array.from(p.w.data)).toEqual([Math.fround(1 - 0.1), Math.fround(-2 + 1), 0.5]);
  });

  it("on L = sum((p - target)^2) with lr 0.1 shrinks the error by exactly 1 - 2 lr per step", () => {
    const r = rng(5);
    const target = Float64Array.from({ length: 10 }, () => r() * 4 - 2);
    const p = {
      p: new Tensor(
        Float32Array.from({ length: 10 }, () => r() * 4 - 2),
        [10],
      ),
    };
    const e0 = Array.from(p.p.data, (v, i) => v - target[i]);
    const opt = new SGD(0.1);
    for (let step = 0; step < 30; step++) {
      opt.update(p, { p: { shape: [10], data: Array.from(p.p.data, (v, i) => 2 * (v - target[i])) } });
    }
    p.p.data.forEach((v, i) => expect(v - target[i]).toBeCloseTo(e0[i] * 0.8 ** 30, 5));
  });
});

describe("Adam", () => {
  it("defaults to the book's lr 0.001, beta1 0.9, beta2 0.999", () => {
    const opt = new Adam();
    expect([opt.lr, opt.beta1, opt.beta2, opt.iter]).toEqual([0.001, 0.9, 0.999, 0]);
    // ...and behaves as those.
    const params = makeParams(2),
      want = copy64(params),
      ref = new RefAdam(0.001, 0.9, 0.999);
    for (let step = 0; step < 5; step++) {
      const grads = makeGrads(2, step);
      opt.update(params, grads);
      ref.update(want, grads);
      expectParamsClose(params, want, 1e-6, 1e-3, `step ${step}`);
    }
    expect(opt.iter).toBe(5);
  });

  it("matches the book's formula over several steps, in place, for several settings", () => {
    const settings: [number, number, number][] = [
      [0.001, 0.9, 0.999],
      [0.01, 0.5, 0.9],
      [0.1, 0, 0.99],
      [0.003, 0.95, 0],
    ];
    settings.forEach(([lr, beta1, beta2], s) => {
      const params = makeParams(10 + s),
        want = copy64(params),
        ref = new RefAdam(lr, beta1, beta2);
      const arrays = Object.values(params).map((t) => t.data);
      const opt = new Adam({ lr, beta1, beta2 });
      for (let step = 0; step < 12; step++) {
        const grads = makeGrads(10 + s, step);
        opt.update(params, grads);
        ref.update(want, grads);
        // Where a parameter sits near 0 the floor keeps the tolerance at a millionth of lr, far below a step.
        expectParamsClose(params, want, 1e-6, lr, `lr ${lr} beta1 ${beta1} beta2 ${beta2} step ${step}`);
      }
      Object.values(params).forEach((t, i) => expect(t.data).toBe(arrays[i]));
      expect(opt.iter).toBe(12);
    });
  });

  it("bias-corrects the first step to lr * g / (|g| + 1e-7), and eps matters for tiny gradients", () => {
    const opt = new Adam({ lr: 0.01 });
    const p = { a: new Tensor(new Float32Array(4), [4]) };
    const g = [1, -0.25, 1e-7, 0];
    opt.update(p, { a: { shape: [4], data: g } });
    // lr_t = lr * sqrt(1 - 0.999) / (1 - 0.9); m = 0.1 g; sqrt(v) = sqrt(0.001) |g|: the step is lr * g / (|g| + eps / sqrt(0.001)).
    const want = g.map((gi) => (-0.01 * gi) / (Math.abs(gi) + 1e-7 / Math.sqrt(0.001)));
    p.a.data.forEach((v, i) => expect(v).toBeCloseTo(want[i], 8));
    expect(p.a.data[0]).toBeCloseTo(-0.01, 6);
    // g = 1e-7 moves by 1e-7 / (1e-7 + 3.16e-6) = 3% of lr: eps is not ignored.
    expect(p.a.data[2] / -0.01).toBeGreaterThan(0.02);
    expect(p.a.data[2] / -0.01).toBeLessThan(0.05);
    expect(p.a.data[3]).toBe(0);
  });

  it("keeps its moments in WASM memory until dispose(), and refuses updates afterwards", () => {
    const before = memoryStats().bytesInUse;
    const opt = new Adam();
    const params = makeParams(3);
    opt.update(params, makeGrads(3, 0));
    const floats = Object.values(params).reduce((n, t) => n + t.size, 0);
    expect(memoryStats().bytesInUse - before).toBeGreaterThanOrEqual(2 * 4 * floats); // m and v
    opt.dispose();
    expect(memoryStats().bytesInUse).toBe(before);
    expect(() => opt.update(params, makeGrads(3, 1))).toThrow(new TypeError("Adam.update: this Adam was disposed"));
  });

  it("minimises L = sum((p - target)^2) to close to the target", () => {
    const r = rng(7);
    const n = 20;
    const target = Float64Array.from({ length: n }, () => r() * 4 - 2);
    const p = {
      p: new Tensor(
        Float32Array.from({ length: n }, () => r() * 4 - 2),
        [n],
      ),
    };
    const loss = () => p.p.data.reduce((s, v, i) => s + (v - target[i]) ** 2, 0);
    const start = loss();
    const opt = new Adam({ lr: 0.05 });
    for (let step = 0; step < 400; step++) {
      opt.update(p, { p: { shape: [n], data: Array.from(p.p.data, (v, i) => 2 * (v - target[i])) } });
    }
    expect(start).toBeGreaterThan(1);
    expect(loss()).toBeLessThan(1e-4);
    p.p.data.forEach((v, i) => expect(Math.abs(v - target[i])).toBeLessThan(1e-2));
  });
});

describe("optimizer errors", () => {
  const good = () => ({
    params: {
      W1: new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
      b1: new Tensor(Float32Array.from([0.5, -0.5, 1]), [3]),
    },
    grads: { W1: { shape: [2, 3], data: [1, 1, 1, -1, -1, -1] }, b1: { shape: [3], data: [0.1, 0.2, 0.3] } } as Record<
      string,
      unknown
    >,
  });
  type Case = [
    string,
    (g: ReturnType<typeof good>) => [unknown, unknown],
    typeof TypeError | typeof RangeError,
    RegExp,
  ];
  const cases: Case[] = [
    [
      "a missing key",
      (g) => [g.params, { W1: g.grads.W1 }],
      TypeError,
      /grads\.b1 must be a tensor of shape \[3\]; got undefined/,
    ],
    [
      "a grad of the wrong size",
      (g) => [g.params, { ...g.grads, b1: { shape: [4], data: [1, 2, 3, 4] } }],
      RangeError,
      /grads\.b1 must have shape \[3\] like params\.b1; got \[4\]/,
    ],
    [
      "a grad of the wrong size in the first key",
      (g) => [g.params, { ...g.grads, W1: { shape: [3, 3], data: new Float32Array(9) } }],
      RangeError,
      /grads\.W1 must have shape \[2, 3\] like params\.W1; got \[3, 3\]/,
    ],
    [
      "a grad that is a number",
      (g) => [g.params, { ...g.grads, W1: 3 }],
      TypeError,
      /grads\.W1 must be a tensor of shape \[2, 3\]; got number 3/,
    ],
    [
      "a grad that is a bare Float32Array",
      (g) => [g.params, { ...g.grads, b1: new Float32Array(3) }],
      TypeError,
      /grads\.b1 must be a tensor of shape \[3\]; got Float32Array\(3\)/,
    ],
    [
      "a param that is not a Tensor",
      (g) => [{ ...g.params, b1: { shape: [3], data: new Float32Array(3) } }, g.grads],
      TypeError,
      /params\.b1 must be a Tensor \(updated in place\)/,
    ],
    [
      "grads null",
      (g) => [g.params, null],
      TypeError,
      /grads must be an object of tensors keyed like params; got null/,
    ],
    [
      "params not an object",
      (g) => ["W1", g.grads],
      TypeError,
      /params must be an object of Tensors .*got string "W1"/,
    ],
  ];
  const optimizers: [string, () => SGD | Adam][] = [
    ["SGD", () => new SGD(0.1)],
    ["Adam", () => new Adam({ lr: 0.1 })],
  ];

  for (const [name, make] of optimizers) {
    it.each(cases)(`${name}: %s is refused before anything is updated`, (_what, args, type, message) => {
      const g = good(),
        opt = make();
      const before = copy64(g.params);
      const [params, grads] = args(g);
      let caught: unknown;
      try {
        opt.update(params as never, grads as never);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(type);
      expect((caught as Error).message).toMatch(new RegExp(`^${name}\\.update: `));
      expect((caught as Error).message).toMatch(message);
      expectParamsClose(g.params, before, 0, 0, "untouched");
      // The next good call is right, as if the refused one had not happened (Adam's step count included).
      opt.update(g.params, g.grads as Record<string, TensorLike>);
      const fresh = good(),
        ref = copy64(fresh.params);
      if (opt instanceof Adam) {
        expect(opt.iter).toBe(1);
        new RefAdam(0.1).update(ref, fresh.grads as Record<string, TensorLike>);
      } else {
        refSgdStep(ref, fresh.grads as Record<string, TensorLike>, 0.1);
      }
      expectParamsClose(g.params, ref, 1e-6, 1e-3, "next call");
    });
  }

  it("rejects bad hyperparameters", () => {
    expect(() => new SGD(0)).toThrow(/SGD: lr must be a positive number; got 0/);
    expect(() => new SGD(-0.1)).toThrow(RangeError);
    expect(() => new SGD(NaN)).toThrow(RangeError);
    expect(() => new Adam({ lr: 0 })).toThrow(/Adam: lr must be a positive number; got 0/);
    expect(() => new Adam({ beta1: 1 })).toThrow(/Adam: beta1 must be in \[0, 1\); got 1/);
    expect(() => new Adam({ beta2: -0.5 })).toThrow(/Adam: beta2 must be in \[0, 1\); got -0\.5/);
    expect(() => new Adam({ beta2: NaN })).toThrow(RangeError);
  });
});
