import { beforeAll, describe, expect, it } from "vitest";
import { conv2d, Convolution, init, memoryStats, Tensor } from "../src/index.js";
import { refConv2d, refConv2dBackward } from "./reference.js";
import {
  badOuts,
  caseName,
  dot,
  edgeCases,
  expectClose,
  expectOutRefused,
  expectSameBytes,
  randCase,
  randInt,
  randTensor,
  rng,
  type Case,
} from "./util.js";

beforeAll(async () => {
  await init();
});

const withFilters = (c: Case, r: () => number) => ({ ...c, FN: randInt(r, 1, 9) });
const cases = [...edgeCases, ...Array.from({ length: 200 }, (_, i) => randCase(rng(3000 + i)))].map((c, i) =>
  withFilters(c, rng(i)),
);

function setup(c: ReturnType<typeof withFilters>, seed: number) {
  return {
    x: randTensor(rng(seed), [c.N, c.C, c.H, c.W]),
    w: randTensor(rng(seed + 1), [c.FN, c.C, c.FH, c.FW]),
    b: randTensor(rng(seed + 2), [c.FN]),
  };
}

describe("conv2d", () => {
  it(`matches the scalar reference with and without bias (${cases.length} cases)`, () => {
    cases.forEach((c, i) => {
      const { x, w, b } = setup(c, i);
      const opts = { stride: c.stride, pad: c.pad };
      try {
        expectClose(conv2d(x.t, w.t, b.t, opts), refConv2d(x.ref, w.ref, b.ref, c.stride, c.pad), 1e-5);
        expectClose(conv2d(x.t, w.t, null, opts), refConv2d(x.ref, w.ref, null, c.stride, c.pad), 1e-5);
      } catch (e) {
        throw new Error(`${caseName(c)} FN=${c.FN}: ${(e as Error).message}`);
      }
    });
  });

  it("takes the direct kernel (stride 1, pad 0, at most 72 taps, a bias) and matches the reference on its edges", () => {
    // Filter counts around the 4-filter groups, rows around the 8-output tiles (and narrower than one), taps from 1 to 64.
    const r = rng(77);
    let direct = 0;
    for (let i = 0; i < 150; i++) {
      const FH = randInt(r, 1, 5),
        FW = randInt(r, 1, 5);
      const c = {
        N: randInt(r, 1, 3),
        C: randInt(r, 1, 3),
        H: FH + randInt(r, 0, 9),
        W: FW + randInt(r, 0, 20),
        FH,
        FW,
        stride: 1,
        pad: 0,
        FN: randInt(r, 1, 13),
      };
      if (c.C * FH * FW <= 72) direct++;
      const { x, w, b } = setup(c, 500 + i);
      try {
        expectClose(conv2d(x.t, w.t, b.t), refConv2d(x.ref, w.ref, b.ref, 1, 0), 1e-5);
      } catch (e) {
        throw new Error(`${JSON.stringify(c)}: ${(e as Error).message}`);
      }
    }
    expect(direct).toBeGreaterThan(100);
  });

  it("defaults to stride 1, pad 0, no bias", () => {
    const c = { N: 2, C: 3, H: 8, W: 7, FH: 3, FW: 2, stride: 1, pad: 0, FN: 4 };
    const { x, w } = setup(c, 1);
    expectClose(conv2d(x.t, w.t), refConv2d(x.ref, w.ref, null, 1, 0), 1e-5);
  });
});

describe("conv2d's out option", () => {
  // Every 8th case: edge cases and random ones, with strides and pads, through both kernels.
  const picked = cases.filter((_, i) => i % 8 === 0);

  it(`writes the bits of a call without out into out's own array (${picked.length} cases, with and without bias)`, () => {
    expect(picked.some((c) => c.stride > 1 && c.pad > 0)).toBe(true);
    picked.forEach((c, i) => {
      const { x, w, b } = setup(c, 300 + i);
      for (const bias of [b.t, null]) {
        const opts = { stride: c.stride, pad: c.pad };
        const want = conv2d(x.t, w.t, bias, opts);
        try {
          // A plain { shape, data } comes back wrapped in a Tensor over the same array...
          const plain = { shape: [...want.shape], data: new Float32Array(want.size).fill(NaN) };
          const y = conv2d(x.t, w.t, bias, { ...opts, out: plain });
          expect(y).toBeInstanceOf(Tensor);
          expect(y.data).toBe(plain.data);
          expect(y.shape).toEqual(want.shape);
          expectSameBytes(y.data, want.data);
          // ...and a Tensor comes back itself.
          const t = new Tensor(new Float32Array(want.size).fill(NaN), [...want.shape]);
          expect(conv2d(x.t, w.t, bias, { ...opts, out: t })).toBe(t);
          expectSameBytes(t.data, want.data);
        } catch (e) {
          throw new Error(`${caseName(c)} FN=${c.FN} bias=${bias !== null}: ${(e as Error).message}`);
        }
      }
    });
  });

  it("may be x's own array: the inputs are in WASM memory before the result is written", () => {
    // 3x3, pad 1, as many filters as channels: y has x's shape.
    const c = { N: 2, C: 3, H: 6, W: 5, FH: 3, FW: 3, stride: 1, pad: 1, FN: 3 };
    const { x, w, b } = setup(c, 9);
    const want = refConv2d(x.ref, w.ref, b.ref, 1, 1);
    const X = new Tensor(x.t.data.slice(), [2, 3, 6, 5]);
    const y = conv2d(X, w.t, b.t, { pad: 1, out: X });
    expect(y).toBe(X);
    expectClose(y, want, 1e-5);
    // Or W's, through the direct kernel (stride 1, pad 0, a bias): x [2, 2, 5, 5] * W [2, 2, 3, 3] is [2, 2, 3, 3].
    const d = setup({ N: 2, C: 2, H: 5, W: 5, FH: 3, FW: 3, stride: 1, pad: 0, FN: 2 }, 10);
    const plainW = { shape: [2, 2, 3, 3], data: d.w.t.data.slice() };
    const y2 = conv2d(d.x.t, plainW, d.b.t, { out: plainW });
    expect(y2.data).toBe(plainW.data);
    expectClose(y2, refConv2d(d.x.ref, d.w.ref, d.b.ref, 1, 0), 1e-5);
  });

  it("refuses an out of the wrong shape or kind, with nothing allocated or written, and the next call is right", () => {
    const c = { N: 2, C: 3, H: 5, W: 5, FH: 3, FW: 3, stride: 1, pad: 1, FN: 4 };
    const { x, w, b } = setup(c, 11);
    const want = refConv2d(x.ref, w.ref, b.ref, 1, 1);
    for (const [what, out, kind, says] of badOuts([2, 4, 5, 5], ["N", "FN", "outH", "outW"])) {
      expectOutRefused("conv2d", what, () => conv2d(x.t, w.t, b.t, { pad: 1, out: out as never }), out, kind, says);
      const out2 = new Tensor(new Float32Array(200), [2, 4, 5, 5]);
      expectClose(conv2d(x.t, w.t, b.t, { pad: 1, out: out2 }), want, 1e-5);
    }
  });

  it("checks out before allocating: a 32 MB x with a wrong out leaves the high-water mark and memory size alone", () => {
    const before = memoryStats();
    const x = { shape: [1, 1, 2048, 4096], data: new Float32Array(2048 * 4096) };
    const out = { shape: [1, 1, 2048, 4095], data: new Float32Array(2048 * 4095) };
    expect(() => conv2d(x, { shape: [1, 1, 1, 1], data: [1] }, null, { out })).toThrow(
      /^conv2d: opts\.out must have the result's shape \[1, 1, 2048, 4096\]/,
    );
    expect(memoryStats()).toEqual(before);
  });

  it("reused over 1000 calls, grows no WASM memory and gives the same answer each time", () => {
    const c = { N: 3, C: 2, H: 12, W: 12, FH: 5, FW: 5, stride: 1, pad: 0, FN: 6 };
    const { x, w, b } = setup(c, 12);
    const out = new Tensor(new Float32Array(3 * 6 * 8 * 8), [3, 6, 8, 8]);
    const want = conv2d(x.t, w.t, b.t);
    conv2d(x.t, w.t, b.t, { out });
    const before = memoryStats();
    for (let i = 0; i < 1000; i++) {
      out.data.fill(NaN);
      if (conv2d(x.t, w.t, b.t, { out }) !== out) throw new Error(`call ${i} returned another tensor`);
    }
    expect(memoryStats()).toEqual(before);
    expectSameBytes(out.data, want.data);
  });
});

describe("Convolution", () => {
  it(`forward and backward match the scalar reference (${cases.length} cases)`, () => {
    cases.forEach((c, i) => {
      const { x, w, b } = setup(c, 100 + i);
      const layer = new Convolution(w.t, b.t, c.stride, c.pad);
      try {
        const y = layer.forward(x.t);
        expectClose(y, refConv2d(x.ref, w.ref, b.ref, c.stride, c.pad), 1e-5);
        const dout = randTensor(rng(7000 + i), [...y.shape]);
        const dx = layer.backward(dout.t);
        const want = refConv2dBackward(x.ref, w.ref, dout.ref, c.stride, c.pad);
        expectClose(dx, want.dx, 1e-5);
        expectClose(layer.dW!, want.dW, 1e-5);
        expectClose(layer.db!, want.db, 1e-5);
      } catch (e) {
        throw new Error(`${caseName(c)} FN=${c.FN}: ${(e as Error).message}`);
      } finally {
        layer.dispose();
      }
    });
  });

  it("backward agrees with central finite differences of L = sum(forward(x) * dout)", () => {
    // The book's gradient check: perturb each input, weight and bias and watch the loss move.
    const small: Case[] = [
      { N: 1, C: 2, H: 5, W: 6, FH: 3, FW: 2, stride: 1, pad: 1 },
      { N: 2, C: 1, H: 7, W: 5, FH: 3, FW: 3, stride: 2, pad: 1 },
      { N: 1, C: 3, H: 4, W: 4, FH: 2, FW: 3, stride: 3, pad: 2 },
    ];
    small.forEach((c, i) => {
      const { x, w, b } = setup({ ...c, FN: 3 }, 40 + i);
      const W = new Tensor(w.t.data, w.t.shape as number[]),
        B = new Tensor(b.t.data, [3]);
      const layer = new Convolution(W, B, c.stride, c.pad);
      const y = layer.forward(x.t);
      const dout = randTensor(rng(50 + i), [...y.shape]).t;
      const dx = layer.backward(dout);
      const loss = () => dot(layer.forward(x.t).data, dout.data);
      const numeric = (arr: Float32Array, j: number) => {
        const h = 1e-2,
          v = arr[j];
        arr[j] = v + h;
        const up = loss();
        arr[j] = v - h;
        const down = loss();
        arr[j] = v;
        return (up - down) / (2 * h);
      };
      const check = (name: string, arr: Float32Array, grad: ArrayLike<number>) => {
        for (let j = 0; j < arr.length; j++) {
          expect(Math.abs(numeric(arr, j) - grad[j]), `${caseName(c)} ${name}[${j}]`).toBeLessThan(2e-3);
        }
      };
      const dW = layer.dW!.data.slice(),
        db = layer.db!.data.slice();
      check("x", x.t.data, dx.data);
      check("W", W.data, dW); // W is held by reference: perturbing W.data perturbs the layer
      check("b", B.data, db);
      layer.dispose();
    });
  });

  it("keeps W and b by reference, so in-place updates reach the next forward", () => {
    const c = { N: 1, C: 1, H: 4, W: 4, FH: 2, FW: 2, stride: 1, pad: 0, FN: 1 };
    const { x, w } = setup(c, 3);
    const W = new Tensor(w.t.data.slice(), [1, 1, 2, 2]),
      b = new Tensor(new Float32Array(1), [1]);
    const layer = new Convolution(W, b);
    const before = layer.forward(x.t).data[0];
    b.data[0] = 10;
    expect(layer.forward(x.t).data[0]).toBeCloseTo(before + 10, 5);
    expect(layer.W).toBe(W);
    layer.dispose();
  });

  it("accepts a new batch size between calls and backward follows the latest forward", () => {
    const c = { N: 1, C: 2, H: 6, W: 6, FH: 3, FW: 3, stride: 1, pad: 1, FN: 2 };
    const { w, b } = setup(c, 4);
    const layer = new Convolution(w.t, b.t, 1, 1);
    for (const N of [3, 1, 2]) {
      const x = randTensor(rng(N), [N, 2, 6, 6]);
      const y = layer.forward(x.t);
      const dout = randTensor(rng(N + 10), [...y.shape]);
      expectClose(layer.backward(dout.t), refConv2dBackward(x.ref, w.ref, dout.ref, 1, 1).dx, 1e-5);
    }
    layer.dispose();
  });
});
