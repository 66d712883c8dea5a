import { beforeAll, describe, expect, it } from "vitest";
import { init, maxPool2d, memoryStats, Pooling, Tensor } from "../src/index.js";
import { refMaxPool, refMaxPoolBackward, type Ref } from "./reference.js";
import {
  badOuts,
  dot,
  expectClose,
  expectExact,
  expectOutRefused,
  expectSameBytes,
  randInt,
  randTensor,
  rng,
} from "./util.js";

beforeAll(async () => {
  await init();
});

interface PoolCase {
  N: number;
  C: number;
  H: number;
  W: number;
  PH: number;
  PW: number;
  stride: number;
  pad: number;
}
function randPoolCase(r: () => number): PoolCase {
  for (;;) {
    const PH = randInt(r, 1, 4),
      PW = randInt(r, 1, 4);
    const c = {
      N: randInt(r, 1, 3),
      C: randInt(r, 1, 4),
      H: randInt(r, 1, 20),
      W: randInt(r, 1, 20),
      PH,
      PW,
      stride: randInt(r, 1, 3),
      pad: randInt(r, 0, Math.floor(Math.min(PH, PW) / 2)),
    };
    if (c.H + 2 * c.pad >= PH && c.W + 2 * c.pad >= PW) return c;
  }
}
const name = (c: PoolCase) => `x[${c.N},${c.C},${c.H},${c.W}] pool ${c.PH}x${c.PW} stride ${c.stride} pad ${c.pad}`;
const cases: PoolCase[] = [
  { N: 1, C: 1, H: 1, W: 1, PH: 1, PW: 1, stride: 1, pad: 0 },
  { N: 1, C: 1, H: 2, W: 2, PH: 2, PW: 2, stride: 2, pad: 0 },
  { N: 2, C: 3, H: 24, W: 24, PH: 2, PW: 2, stride: 2, pad: 0 },
  { N: 1, C: 2, H: 5, W: 7, PH: 3, PW: 3, stride: 1, pad: 1 },
  { N: 1, C: 1, H: 3, W: 3, PH: 4, PW: 4, stride: 2, pad: 2 },
  ...Array.from({ length: 200 }, (_, i) => randPoolCase(rng(200 + i))),
];

/** Integer-valued data in a small range, so windows have many ties. */
function tiedTensor(seed: number, shape: number[]): { t: { shape: number[]; data: Float32Array }; ref: Ref } {
  const r = rng(seed);
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => randInt(r, -2, 2));
  return { t: { shape, data }, ref: { shape, data: Float64Array.from(data) } };
}

describe("Pooling (max)", () => {
  it(`forward and backward match the reference, including ties (${cases.length} cases x 2 data sets)`, () => {
    cases.forEach((c, i) => {
      for (const data of [randTensor(rng(i), [c.N, c.C, c.H, c.W]), tiedTensor(i, [c.N, c.C, c.H, c.W])]) {
        const layer = new Pooling(c.PH, c.PW, c.stride, c.pad);
        try {
          const want = refMaxPool(data.ref, c.PH, c.PW, c.stride, c.stride, c.pad);
          const y = layer.forward(data.t);
          expectExact(y, want.y);
          // Distinct gradients show which element each window routed to: the first maximum.
          const dout = randTensor(rng(i + 1), [...y.shape]);
          expectClose(layer.backward(dout.t), refMaxPoolBackward(data.ref.shape, want.argmax, dout.ref), 1e-6);
        } catch (e) {
          throw new Error(`${name(c)}: ${(e as Error).message}`);
        } finally {
          layer.dispose();
        }
      }
    });
  });

  it("gives the reference's maxima and argmax through the 2x2 stride-2 SIMD kernel (150 shapes x 3 data sets)", () => {
    // Sizes around the 4-window SIMD step and its scalar tail, odd heights and widths (the last
    // row or column is dropped), and data full of ties and of NaN, infinities and signed zeros.
    const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1];
    for (let i = 0; i < 150; i++) {
      const r = rng(9000 + i);
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 2, 21), randInt(r, 2, 21)];
      const specials = Float32Array.from(
        { length: shape.reduce((a, b) => a * b, 1) },
        () => special[randInt(r, 0, special.length - 1)],
      );
      const sets = [
        randTensor(rng(i), shape),
        tiedTensor(i, shape),
        { t: { shape, data: specials }, ref: { shape, data: Float64Array.from(specials) } },
      ];
      for (const data of sets) {
        const layer = new Pooling(2, 2, 2);
        try {
          const want = refMaxPool(data.ref, 2, 2, 2, 2, 0);
          const y = layer.forward(data.t);
          expectExact(y, want.y);
          const dout = randTensor(rng(i + 7), [...y.shape]);
          expectClose(layer.backward(dout.t), refMaxPoolBackward(data.ref.shape, want.argmax, dout.ref), 1e-6);
          expectExact(maxPool2d(data.t, { poolH: 2, poolW: 2 }), want.y);
        } catch (e) {
          throw new Error(`x[${shape.join(",")}]: ${(e as Error).message}`);
        } finally {
          layer.dispose();
        }
      }
    }
  });

  it("routes the gradient of a tied window to its first element in row-major order (np.argmax)", () => {
    const layer = new Pooling(2, 2, 2);
    layer.forward({ shape: [1, 1, 2, 2], data: [1, 3, 3, 3] });
    expect(Array.from(layer.backward({ shape: [1, 1, 1, 1], data: [5] }).data)).toEqual([0, 5, 0, 0]);
  });

  it("pads with -infinity, not the book's 0: an all-negative plane keeps its maxima", () => {
    const y = maxPool2d({ shape: [1, 1, 2, 2], data: [-4, -3, -2, -1] }, { poolH: 2, poolW: 2, stride: 1, pad: 1 });
    expect(y.shape).toEqual([1, 1, 3, 3]);
    expect(Array.from(y.data)).toEqual([-4, -3, -3, -2, -1, -1, -2, -1, -1]);
  });

  it("propagates NaN like NumPy's max and sends its gradient to the NaN", () => {
    const layer = new Pooling(2, 2, 2);
    const y = layer.forward({ shape: [1, 1, 2, 2], data: [1, NaN, 9, 2] });
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(Array.from(layer.backward({ shape: [1, 1, 1, 1], data: [1] }).data)).toEqual([0, 1, 0, 0]);
  });

  it("backward agrees with central finite differences", () => {
    const c = { N: 1, C: 2, H: 6, W: 5, PH: 3, PW: 2, stride: 1, pad: 1 };
    const x = randTensor(rng(11), [c.N, c.C, c.H, c.W]).t;
    const layer = new Pooling(c.PH, c.PW, c.stride, c.pad);
    const dout = randTensor(rng(12), [...layer.forward(x).shape]).t;
    const dx = layer.backward(dout);
    const loss = () => dot(layer.forward(x).data, dout.data);
    for (let j = 0; j < x.data.length; j++) {
      const v = x.data[j],
        h = 1e-4; // far below the gaps between random values
      x.data[j] = v + h;
      const up = loss();
      x.data[j] = v - h;
      const down = loss();
      x.data[j] = v;
      expect(Math.abs((up - down) / (2 * h) - dx.data[j]), `x[${j}]`).toBeLessThan(1e-2);
    }
    layer.dispose();
  });
});

describe("maxPool2d", () => {
  it("defaults stride to the pool size per axis, as PyTorch", () => {
    const { t, ref } = randTensor(rng(5), [2, 2, 9, 8]);
    expectExact(maxPool2d(t, { poolH: 3, poolW: 2 }), refMaxPool(ref, 3, 2, 3, 2, 0).y);
    expectExact(maxPool2d(t, { poolH: 3, poolW: 2, stride: 1, pad: 1 }), refMaxPool(ref, 3, 2, 1, 1, 1).y);
  });
});

describe("maxPool2d's out option", () => {
  // Every 6th case: 2x2 stride 2 (its SIMD kernel) and general windows, strides and pads.
  const picked = cases.filter((_, i) => i % 6 === 0);

  it(`writes the bits of a call without out into out's own array (${picked.length} cases)`, () => {
    expect(picked.some((c) => c.stride > 1 && c.pad > 0)).toBe(true);
    picked.forEach((c, i) => {
      const x = tiedTensor(400 + i, [c.N, c.C, c.H, c.W]).t;
      const opts = { poolH: c.PH, poolW: c.PW, stride: c.stride, pad: c.pad };
      const want = maxPool2d(x, opts);
      try {
        const plain = { shape: [...want.shape], data: new Float32Array(want.size).fill(NaN) };
        const y = maxPool2d(x, { ...opts, out: plain });
        expect(y).toBeInstanceOf(Tensor);
        expect(y.data).toBe(plain.data);
        expect(y.shape).toEqual(want.shape);
        expectSameBytes(y.data, want.data);
        const t = new Tensor(new Float32Array(want.size).fill(NaN), [...want.shape]);
        expect(maxPool2d(x, { ...opts, out: t })).toBe(t);
        expectSameBytes(t.data, want.data);
      } catch (e) {
        throw new Error(`${name(c)}: ${(e as Error).message}`);
      }
    });
  });

  it("may be x's own array: x is in WASM memory before the result is written", () => {
    // 3x3 windows, stride 1, pad 1: y has x's shape, and every window overlaps its neighbours.
    const { t, ref } = randTensor(rng(21), [2, 3, 7, 6]);
    const x = { shape: t.shape, data: t.data.slice() };
    const y = maxPool2d(x, { poolH: 3, poolW: 3, stride: 1, pad: 1, out: x });
    expect(y.data).toBe(x.data);
    expectExact(y, refMaxPool(ref, 3, 3, 1, 1, 1).y);
  });

  it("refuses an out of the wrong shape or kind, with nothing allocated or written, and the next call is right", () => {
    const { t, ref } = randTensor(rng(22), [2, 3, 8, 6]);
    const want = refMaxPool(ref, 2, 2, 2, 2, 0).y;
    for (const [what, out, kind, says] of badOuts([2, 3, 4, 3], ["N", "C", "outH", "outW"])) {
      expectOutRefused(
        "maxPool2d",
        what,
        () => maxPool2d(t, { poolH: 2, poolW: 2, out: out as never }),
        out,
        kind,
        says,
      );
      expectExact(maxPool2d(t, { poolH: 2, poolW: 2, out: new Tensor(new Float32Array(72), [2, 3, 4, 3]) }), want);
    }
  });

  it("checks out before allocating: a 32 MB x with a wrong out leaves the high-water mark and memory size alone", () => {
    const before = memoryStats();
    const x = { shape: [1, 1, 2048, 4096], data: new Float32Array(2048 * 4096) };
    const out = { shape: [1, 1, 1024, 2047], data: new Float32Array(1024 * 2047) };
    expect(() => maxPool2d(x, { poolH: 2, poolW: 2, out })).toThrow(
      /^maxPool2d: opts\.out must have the result's shape \[1, 1, 1024, 2048\]/,
    );
    expect(memoryStats()).toEqual(before);
  });

  it("reused over 1000 calls, grows no WASM memory and gives the same answer each time", () => {
    const { t } = randTensor(rng(23), [4, 6, 12, 12]);
    const out = { shape: [4, 6, 6, 6], data: new Float32Array(4 * 6 * 36) };
    const want = maxPool2d(t, { poolH: 2, poolW: 2 });
    maxPool2d(t, { poolH: 2, poolW: 2, out });
    const before = memoryStats();
    for (let i = 0; i < 1000; i++) {
      out.data.fill(NaN);
      if (maxPool2d(t, { poolH: 2, poolW: 2, out }).data !== out.data)
        throw new Error(`call ${i} returned another array`);
    }
    expect(memoryStats()).toEqual(before);
    expectSameBytes(out.data, want.data);
  });
});
