// The book's Relu, Affine and SoftmaxWithLoss layers against the scalar float64 references in
// reference.ts, against central finite differences, and on bad arguments.
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../src/runtime/wasm.js";
import { Tensor, type TensorLike } from "../src/tensor/tensor.js";
import { Relu } from "../src/layers/relu.js";
import { Affine } from "../src/layers/affine.js";
import { SoftmaxWithLoss } from "../src/layers/softmax_with_loss.js";
import { memoryStats } from "../src/runtime/memory_stats.js";
import {
  refAffine,
  refAffineBackward,
  refRelu,
  refReluBackward,
  refSoftmaxLoss,
  refSoftmaxLossBackward,
  type Ref,
  type RefLabels,
} from "./reference.js";
import { dot, expectClose, expectExact, randInt, randTensor, rng, toRef } from "./util.js";

beforeAll(async () => {
  await init();
});

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Values where Relu's mask matters: signed zeros, NaN, infinities, subnormals, float32 extremes. */
const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1.4e-45, -1.4e-45, 1e-39, -1e-39, 3.4e38, -3.4e38, 1, -1];

/** A float32 tensor that mixes uniform values in [-1, 1) with SPECIALS, and its float64 copy. */
function specialTensor(
  r: () => number,
  shape: number[],
  pSpecial = 0.3,
): { t: TensorLike & { data: Float32Array }; ref: Ref } {
  const data = Float32Array.from({ length: size(shape) }, () =>
    r() < pSpecial ? SPECIALS[Math.floor(r() * SPECIALS.length)] : r() * 2 - 1,
  );
  return { t: { shape, data }, ref: { shape, data: Float64Array.from(data) } };
}

function randShape(r: () => number, rank: number): number[] {
  const max = [0, 300, 20, 8, 5][rank];
  return Array.from({ length: rank }, () => randInt(r, 1, max));
}

const fail = (what: string, e: unknown): never => {
  throw new Error(`${what}: ${(e as Error).message}`);
};

describe("Relu", () => {
  const shapes = [
    [1],
    [3],
    [4],
    [5],
    [7, 1],
    [1, 1, 1, 1],
    [2, 3, 4, 5],
    ...Array.from({ length: 100 }, (_, i) => randShape(rng(500 + i), 1 + (i % 4))),
  ];

  it(`forward and backward equal the reference exactly, specials included (${shapes.length} shapes)`, () => {
    const layer = new Relu();
    try {
      shapes.forEach((shape, i) => {
        const x = specialTensor(rng(i), shape);
        const xBefore = x.t.data.slice();
        const dout = specialTensor(rng(1000 + i), shape, 0.15);
        try {
          const y = layer.forward(x.t);
          expect(y).toBeInstanceOf(Tensor);
          expectExact(y, refRelu(x.ref));
          expectExact(layer.backward(dout.t), refReluBackward(x.ref, dout.ref));
          expect(x.t.data).toEqual(xBefore); // the input is not modified
        } catch (e) {
          fail(`x ${JSON.stringify(shape)}`, e);
        }
      });
    } finally {
      layer.dispose();
    }
  });

  it("handles every special value in every SIMD lane and in the scalar tail", () => {
    const layer = new Relu();
    // Each special at each position of a 4-lane vector, then again in a tail of 3.
    for (const v of SPECIALS) {
      for (let at = 0; at < 7; at++) {
        const data = Float32Array.from([0.5, -0.5, 2, -2, 0.25, -0.25, 3]);
        data[at] = v;
        const x = { shape: [7], data },
          ref = toRef(x);
        const dout = { shape: [7], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7]) };
        expectExact(layer.forward(x), refRelu(ref));
        expectExact(layer.backward(dout), refReluBackward(ref, toRef(dout)));
      }
    }
    // -0 becomes +0 as the book's out[x <= 0] = 0 does, and NaN stays NaN.
    const y = layer.forward({ shape: [4], data: [-0, NaN, -Infinity, Infinity] });
    expect(Object.is(y.data[0], 0)).toBe(true);
    expect(y.data[1]).toBeNaN();
    expect(y.data[2]).toBe(0);
    expect(y.data[3]).toBe(Infinity);
    // Backward lets the gradient through where x was NaN (NaN <= 0 is false) and drops a NaN gradient where x <= 0.
    expect(Array.from(layer.backward({ shape: [4], data: [NaN, 5, NaN, 7] }).data)).toEqual([0, 5, 0, 7]);
    layer.dispose();
  });

  it("takes number[] and Float64Array data, rounded to float32 first", () => {
    const layer = new Relu();
    const values = [0.1, -0.1, 1e-50, -1e-50, 1 / 3, -0, 1e300];
    const ref = refRelu({ shape: [7], data: Float64Array.from(values, Math.fround) });
    expectExact(layer.forward({ shape: [7], data: values }), ref);
    expectExact(layer.forward({ shape: [7], data: Float64Array.from(values) }), ref);
    layer.dispose();
  });

  it("backward follows the latest forward when the shape changes", () => {
    const layer = new Relu();
    for (const shape of [[2, 3], [5], [1, 2, 2, 3], [5]]) {
      const x = specialTensor(rng(size(shape)), shape),
        dout = randTensor(rng(7 + size(shape)), shape);
      expectExact(layer.forward(x.t), refRelu(x.ref));
      expectExact(layer.backward(dout.t), refReluBackward(x.ref, dout.ref));
    }
    layer.dispose();
  });
});

interface AffineCase {
  xShape: number[];
  M: number;
}

function randAffineCase(r: () => number, kind: number): AffineCase {
  const N = randInt(r, 1, 9),
    M = randInt(r, 1, 40);
  if (kind === 0) return { xShape: [N, randInt(r, 1, 70)], M };
  for (;;) {
    const rest =
      kind === 1 ? [randInt(r, 1, 4), randInt(r, 1, 6), randInt(r, 1, 6)] : [randInt(r, 1, 7), randInt(r, 1, 10)];
    if (size(rest) <= 70) return { xShape: [N, ...rest], M };
  }
}

const affineEdges: AffineCase[] = [
  { xShape: [1, 1], M: 1 },
  { xShape: [9, 70], M: 40 },
  { xShape: [1, 70], M: 1 },
  { xShape: [9, 1], M: 40 },
  { xShape: [4, 8], M: 8 },
  { xShape: [5, 9], M: 7 },
  { xShape: [2, 1, 28, 1], M: 10 },
  { xShape: [3, 4, 4, 4], M: 3 },
];
const affineCases = [...affineEdges, ...Array.from({ length: 150 }, (_, i) => randAffineCase(rng(2000 + i), i % 3))];
const affineName = (c: AffineCase): string => `x ${JSON.stringify(c.xShape)} M ${c.M}`;

describe("Affine", () => {
  it(`forward and backward match the reference, x of rank 2 to 4 flattened (${affineCases.length} cases)`, () => {
    affineCases.forEach((c, i) => {
      const D = size(c.xShape) / c.xShape[0],
        N = c.xShape[0];
      const x = randTensor(rng(3 * i), c.xShape),
        w = randTensor(rng(3 * i + 1), [D, c.M]),
        b = randTensor(rng(3 * i + 2), [c.M]);
      // Alternate Tensors and plain { shape, data } objects for W and b.
      const layer =
        i % 2 === 0
          ? new Affine(new Tensor(w.t.data, [D, c.M]), new Tensor(b.t.data, [c.M]))
          : new Affine({ shape: [D, c.M], data: Array.from(w.t.data) }, b.t);
      try {
        const y = layer.forward(x.t);
        expectClose(y, refAffine(x.ref, w.ref, b.ref), 1e-5);
        const dout = randTensor(rng(9000 + i), [N, c.M]);
        const dx = layer.backward(dout.t);
        const want = refAffineBackward(x.ref, w.ref, dout.ref);
        expect(dx.shape).toEqual(c.xShape); // dx comes back in x's own shape
        expectClose(dx, want.dx, 1e-5);
        expectClose(layer.dW!, want.dW, 1e-5);
        expectClose(layer.db!, want.db, 1e-5);
      } catch (e) {
        fail(affineName(c), e);
      } finally {
        layer.dispose();
      }
    });
  });

  it("keeps W and b by reference when they are Tensors: in-place updates reach the next forward and backward", () => {
    const x = randTensor(rng(1), [3, 2, 2, 2]),
      w = randTensor(rng(2), [8, 5]),
      b = randTensor(rng(3), [5]);
    const W = new Tensor(w.t.data.slice(), [8, 5]),
      B = new Tensor(b.t.data.slice(), [5]);
    const layer = new Affine(W, B);
    expect(layer.W).toBe(W);
    expect(layer.b).toBe(B);
    expectClose(layer.forward(x.t), refAffine(x.ref, toRef(W), toRef(B)), 1e-5);
    for (let i = 0; i < W.size; i++) W.data[i] = W.data[i] * 0.5 - 0.25;
    B.data[2] += 10;
    const y = layer.forward(x.t);
    expectClose(y, refAffine(x.ref, toRef(W), toRef(B)), 1e-5);
    expect(y.data[2] - refAffine(x.ref, w.ref, b.ref).data[2]).not.toBeCloseTo(0, 1);
    const dout = randTensor(rng(4), [3, 5]);
    expectClose(layer.backward(dout.t), refAffineBackward(x.ref, toRef(W), dout.ref).dx, 1e-5);
    layer.dispose();
  });

  it("copies W and b given as plain { shape, data } objects", () => {
    const w = { shape: [2, 2], data: [1, 2, 3, 4] },
      b = { shape: [2], data: [0.5, -0.5] };
    const layer = new Affine(w, b);
    w.data[0] = 100;
    b.data[0] = 100;
    expect(Array.from(layer.forward({ shape: [1, 2], data: [1, 1] }).data)).toEqual([4.5, 5.5]);
    expect(layer.W).toBeInstanceOf(Tensor);
    layer.dispose();
  });

  it("accepts a new batch size between calls and backward follows the latest forward", () => {
    const w = randTensor(rng(5), [12, 3]),
      b = randTensor(rng(6), [3]);
    const layer = new Affine(w.t, b.t);
    for (const xShape of [
      [4, 12],
      [1, 3, 2, 2],
      [7, 12],
      [2, 12, 1],
    ]) {
      const x = randTensor(rng(size(xShape)), xShape),
        dout = randTensor(rng(50 + size(xShape)), [xShape[0], 3]);
      expectClose(layer.forward(x.t), refAffine(x.ref, w.ref, b.ref), 1e-5);
      const want = refAffineBackward(x.ref, w.ref, dout.ref);
      expectClose(layer.backward(dout.t), want.dx, 1e-5);
      expectClose(layer.dW!, want.dW, 1e-5);
      expectClose(layer.db!, want.db, 1e-5);
    }
    layer.dispose();
  });
});

type TForm = "Uint8Array" | "Int32Array" | "number[]" | "one-hot Tensor" | "one-hot object";
const T_FORMS: TForm[] = ["Uint8Array", "Int32Array", "number[]", "one-hot Tensor", "one-hot object"];

/** Labels in the given form and the same labels for the reference. */
function makeLabels(classes: number[], K: number, form: TForm): { t: never; ref: RefLabels } {
  if (form === "Uint8Array") return { t: Uint8Array.from(classes) as never, ref: classes };
  if (form === "Int32Array") return { t: Int32Array.from(classes) as never, ref: classes };
  if (form === "number[]") return { t: [...classes] as never, ref: classes };
  const oneHot = new Float32Array(classes.length * K);
  classes.forEach((c, i) => {
    oneHot[i * K + c] = 1;
  });
  const ref: Ref = { shape: [classes.length, K], data: Float64Array.from(oneHot) };
  return form === "one-hot Tensor"
    ? { t: new Tensor(oneHot, [classes.length, K]) as never, ref }
    : { t: { shape: [classes.length, K], data: Array.from(oneHot) } as never, ref };
}

/** |got - want| <= tol * max(1, |want|), NaN only where NaN is wanted. */
function expectNear(got: number, want: number, tol: number, what = ""): void {
  if (Number.isNaN(want)) {
    expect(got, what).toBeNaN();
    return;
  }
  const err = Math.abs(got - want);
  if (!(err <= tol * Math.max(1, Math.abs(want)))) throw new Error(`${what}: got ${got}, want ${want} (error ${err})`);
}

function scores(r: () => number, N: number, K: number): { t: TensorLike & { data: Float32Array }; ref: Ref } {
  const scale = [1, 5, 30][Math.floor(r() * 3)];
  const data = Float32Array.from({ length: N * K }, () => (r() * 2 - 1) * scale);
  return { t: { shape: [N, K], data }, ref: { shape: [N, K], data: Float64Array.from(data) } };
}

describe("SoftmaxWithLoss", () => {
  const cases = [
    [1, 1],
    [1, 2],
    [20, 12],
    [3, 4],
    [5, 1],
    [7, 5],
    ...Array.from({ length: 100 }, (_, i) => {
      const r = rng(4000 + i);
      return [randInt(r, 1, 20), randInt(r, 1, 12)];
    }),
  ];

  it(`loss, y and backward match the reference for every form of labels (${cases.length} cases x ${T_FORMS.length} forms)`, () => {
    const layer = new SoftmaxWithLoss();
    try {
      cases.forEach(([N, K], i) => {
        const r = rng(6000 + i);
        const x = scores(r, N, K);
        const classes = Array.from({ length: N }, () => randInt(r, 0, K - 1));
        for (const form of T_FORMS) {
          const what = `x [${N}, ${K}] t ${form}`;
          try {
            const t = makeLabels(classes, K, form);
            const want = refSoftmaxLoss(x.ref, t.ref);
            const loss = layer.forward(x.t, t.t);
            expectNear(loss, want.loss, 1e-6, "loss");
            expect(layer.loss).toBe(loss);
            expectClose(layer.y!, want.y, 1e-6);
            for (const dout of [1, 2.5]) {
              expectClose(layer.backward(dout), refSoftmaxLossBackward(want.y, t.ref, dout), 1e-6);
            }
            expectClose(layer.backward(), refSoftmaxLossBackward(want.y, t.ref, 1), 1e-6); // dout defaults to 1
          } catch (e) {
            fail(what, e);
          }
        }
      });
    } finally {
      layer.dispose();
    }
  });

  it("takes soft one-hot rows: the loss uses their argmax (first of ties), backward the rows themselves", () => {
    const layer = new SoftmaxWithLoss();
    const x = { shape: [3, 3], data: Float32Array.from([1, 2, 3, -1, 0.5, 0, 2, 2, -3]) };
    const t = { shape: [3, 3], data: Float64Array.from([0.1, 0.7, 0.2, 0.5, 0, 0.5, 0, 0, 0]) };
    const want = refSoftmaxLoss(toRef(x), t);
    // argmax rows: 1, 0 (tie: first), 0 (all zero: first)
    const byIndex = refSoftmaxLoss(toRef(x), [1, 0, 0]);
    expect(want.loss).toBe(byIndex.loss);
    expectNear(layer.forward(x, t), want.loss, 1e-6, "loss");
    expectClose(layer.backward(), refSoftmaxLossBackward(want.y, t, 1), 1e-6);
    layer.dispose();
  });

  it("stays finite on large scores and gives -log(1e-7) for a label with probability 0", () => {
    const layer = new SoftmaxWithLoss();
    const x = { shape: [3, 3], data: Float32Array.from([1000, -1000, 0, -1000, 1000, 1000, 3e38, -3e38, 0]) };
    const labels = [0, 0, 1];
    const want = refSoftmaxLoss(toRef(x), labels);
    const loss = layer.forward(x, labels);
    expect(Number.isFinite(loss)).toBe(true);
    expectNear(loss, want.loss, 1e-6, "loss");
    expectNear(loss, (-Math.log(1 + 1e-7) - 2 * Math.log(0 + 1e-7)) / 3, 1e-6, "loss by hand");
    expectClose(layer.y!, want.y, 1e-6);
    expect(Array.from(layer.y!.data)).toEqual([1, 0, 0, 0, 0.5, 0.5, 1, 0, 0]);
    const dx = layer.backward();
    expect(dx.data.every(Number.isFinite)).toBe(true);
    expectClose(dx, refSoftmaxLossBackward(want.y, labels, 1), 1e-6);
    layer.dispose();
  });

  it("a NaN score gives a NaN loss and a NaN row; -Infinity is probability 0; +Infinity is NaN as in NumPy", () => {
    const layer = new SoftmaxWithLoss();
    for (const at of [0, 1, 2, 3]) {
      const data = Float32Array.from([1, 2, 3, 4, 0.5, -1, 2, 0]);
      data[at] = NaN;
      const x = { shape: [2, 4], data };
      const want = refSoftmaxLoss(toRef(x), [1, 2]);
      expect(layer.forward(x, [1, 2])).toBeNaN();
      expect(layer.y!.data.slice(0, 4).every(Number.isNaN)).toBe(true);
      expectClose({ shape: [4], data: layer.y!.data.slice(4) }, { shape: [4], data: want.y.data.slice(4) }, 1e-6);
    }
    const minusInf = { shape: [1, 3], data: [-Infinity, 0, 0] };
    expectNear(layer.forward(minusInf, [1]), -Math.log(0.5 + 1e-7), 1e-6, "loss with -Infinity");
    expect(Array.from(layer.y!.data)).toEqual([0, 0.5, 0.5]);
    expect(layer.forward(minusInf, [0])).toBeCloseTo(-Math.log(1e-7), 6);
    expect(layer.forward({ shape: [1, 2], data: [Infinity, 0] }, [0])).toBeNaN();
    layer.dispose();
  });

  it("one class: y = 1 and the loss is -log(1 + 1e-7)", () => {
    const layer = new SoftmaxWithLoss();
    expectNear(
      layer.forward({ shape: [4, 1], data: [5, -5, 0, 100] }, [0, 0, 0, 0]),
      -Math.log(1 + 1e-7),
      1e-9,
      "loss",
    );
    expect(Array.from(layer.y!.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(layer.backward().data)).toEqual([0, 0, 0, 0]);
    layer.dispose();
  });
});

describe("finite differences", () => {
  /** Central difference of f at arr[j], with the step as float32 storage actually makes it. */
  function numeric(arr: Float32Array, j: number, h: number, f: () => number): number {
    const v = arr[j];
    arr[j] = v + h;
    const up = f(),
      hUp = arr[j];
    arr[j] = v - h;
    const down = f(),
      hDown = arr[j];
    arr[j] = v;
    return (up - down) / (hUp - hDown);
  }
  function check(
    what: string,
    arr: Float32Array,
    grad: ArrayLike<number>,
    h: number,
    tol: number,
    f: () => number,
  ): void {
    for (let j = 0; j < arr.length; j++) {
      const n = numeric(arr, j, h, f);
      if (!(Math.abs(n - grad[j]) <= tol)) throw new Error(`${what}[${j}]: numeric ${n}, backward ${grad[j]}`);
    }
  }

  it("Affine: dx, dW and db of L = sum(forward(x) * dout)", () => {
    for (const [i, xShape, M] of [
      [0, [3, 5], 4],
      [1, [2, 2, 2, 3], 3],
      [2, [1, 7], 1],
      [3, [4, 1], 6],
    ] as const) {
      const D = size(xShape) / xShape[0];
      const x = randTensor(rng(70 + i), [...xShape]),
        w = randTensor(rng(80 + i), [D, M]),
        b = randTensor(rng(90 + i), [M]);
      const W = new Tensor(w.t.data, [D, M]),
        B = new Tensor(b.t.data, [M]);
      const layer = new Affine(W, B);
      layer.forward(x.t);
      const dout = randTensor(rng(100 + i), [xShape[0], M]).t;
      const dx = layer.backward(dout).data.slice(),
        dW = layer.dW!.data.slice(),
        db = layer.db!.data.slice();
      const loss = () => dot(layer.forward(x.t).data, dout.data);
      // L is linear in each entry, so a large step only cuts the float32 rounding noise.
      check("x", x.t.data, dx, 0.25, 1e-4, loss);
      check("W", W.data, dW, 0.25, 1e-4, loss);
      check("b", B.data, db, 0.25, 1e-4, loss);
      layer.dispose();
    }
  });

  it("SoftmaxWithLoss: dx of the loss, for backward(1) and backward(2.5) of 2.5 * loss", () => {
    for (const [i, N, K] of [
      [0, 1, 3],
      [1, 4, 5],
      [2, 6, 10],
      [3, 2, 2],
    ]) {
      const r = rng(110 + i);
      const x = { shape: [N, K], data: Float32Array.from({ length: N * K }, () => r() * 4 - 2) };
      const t = Array.from({ length: N }, () => randInt(r, 0, K - 1));
      const layer = new SoftmaxWithLoss();
      layer.forward(x, t);
      const dx1 = layer.backward(1).data.slice(),
        dx25 = layer.backward(2.5).data.slice();
      const loss = () => layer.forward(x, t);
      check(`x [${N}, ${K}]`, x.data, dx1, 1e-3, 2e-5, loss);
      check(`x [${N}, ${K}] * 2.5`, x.data, dx25, 1e-3, 5e-5, () => 2.5 * loss());
      layer.dispose();
    }
  });

  it("Relu: dx of L = sum(forward(x) * dout), x away from 0", () => {
    const r = rng(120);
    const shape = [3, 2, 5];
    const x = Float32Array.from({ length: size(shape) }, () => (r() < 0.5 ? -1 : 1) * (0.1 + r()));
    const dout = randTensor(rng(121), shape).t;
    const layer = new Relu();
    layer.forward({ shape, data: x });
    const dx = layer.backward(dout).data.slice();
    check("x", x, dx, 1e-2, 1e-5, () => dot(layer.forward({ shape, data: x }).data, dout.data));
    expect(dx.some((v) => v === 0) && dx.some((v) => v !== 0)).toBe(true);
    layer.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// Errors: the right class, a message that names the argument, nothing left allocated, and the
// layer still right on the next good call.

const W43 = { shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => (i % 5) / 5 - 0.3) };
const B3 = { shape: [3], data: [0.1, -0.2, 0.3] };
const X24 = { shape: [2, 4], data: [1, -2, 3, 0.5, 0, 1, -1, 2] };
const S210 = { shape: [2, 10], data: Float32Array.from({ length: 20 }, (_, i) => Math.sin(i)) };

/** Relu: forward and backward of fresh random data against the reference. */
function goodRelu(l: Relu): void {
  const x = specialTensor(rng(31), [3, 5]),
    dout = randTensor(rng(32), [3, 5]);
  expectExact(l.forward(x.t), refRelu(x.ref));
  expectExact(l.backward(dout.t), refReluBackward(x.ref, dout.ref));
}
function goodAffine(l: Affine): void {
  const x = randTensor(rng(33), [3, 4]),
    dout = randTensor(rng(34), [3, 3]);
  expectClose(l.forward(x.t), refAffine(x.ref, toRef(W43), toRef(B3)), 1e-5);
  const want = refAffineBackward(x.ref, toRef(W43), dout.ref);
  expectClose(l.backward(dout.t), want.dx, 1e-5);
  expectClose(l.dW!, want.dW, 1e-5);
  expectClose(l.db!, want.db, 1e-5);
}
function goodLoss(l: SoftmaxWithLoss): void {
  const x = randTensor(rng(35), [3, 10]),
    t = [9, 0, 4];
  const want = refSoftmaxLoss(x.ref, t);
  expectNear(l.forward(x.t, t), want.loss, 1e-6, "loss");
  expectClose(l.backward(), refSoftmaxLossBackward(want.y, t, 1), 1e-6);
}

type Err = typeof TypeError | typeof RangeError;
interface ErrCase<L> {
  what: string;
  call: (l: L) => unknown;
  type: Err;
  message: RegExp;
  disposes?: boolean;
}

const reluErrors: ErrCase<Relu>[] = [
  {
    what: "x not a tensor",
    call: (l) => l.forward(42 as never),
    type: TypeError,
    message: /Relu\.forward: x must be a tensor \{ shape, data \}; got number 42/,
  },
  {
    what: "x null",
    call: (l) => l.forward(null as never),
    type: TypeError,
    message: /Relu\.forward: x must be a tensor .*got null/,
  },
  {
    what: "x data too short",
    call: (l) => l.forward({ shape: [2, 2], data: new Float32Array(3) }),
    type: RangeError,
    message: /Relu\.forward: x\.data has 3 elements but shape \[2, 2\]/,
  },
  {
    what: "x with a zero size",
    call: (l) => l.forward({ shape: [2, 0], data: [] }),
    type: RangeError,
    message: /Relu\.forward: x's shape\[1\] .* must be a positive integer/,
  },
  {
    what: "x data with a string",
    call: (l) => l.forward({ shape: [2], data: [1, "2"] as never }),
    type: TypeError,
    message: /Relu\.forward: x\.data\[1\] must be a number/,
  },
  {
    what: "backward before forward",
    call: (l) => l.backward({ shape: [1], data: [1] }),
    type: TypeError,
    message: /Relu\.backward: call forward\(\) before backward\(\)/,
  },
  {
    what: "dout of the wrong shape",
    call: (l) => {
      l.forward(X24);
      return l.backward({ shape: [4, 2], data: new Float32Array(8) });
    },
    type: RangeError,
    message: /Relu\.backward: dout must have shape \[2, 4\] \(the last forward's output\); got \[4, 2\]/,
  },
  {
    what: "dout not a tensor",
    call: (l) => {
      l.forward(X24);
      return l.backward([1, 2] as never);
    },
    type: TypeError,
    message: /Relu\.backward: dout must be a tensor/,
  },
  {
    what: "forward after dispose",
    call: (l) => {
      l.dispose();
      return l.forward(X24);
    },
    type: TypeError,
    message: /Relu\.forward: this Relu was disposed/,
    disposes: true,
  },
  {
    what: "backward after dispose",
    call: (l) => {
      l.forward(X24);
      l.dispose();
      return l.backward(X24);
    },
    type: TypeError,
    message: /Relu\.backward: this Relu was disposed/,
    disposes: true,
  },
];

const affineErrors: ErrCase<Affine>[] = [
  {
    what: "W not a tensor",
    call: () => new Affine("W" as never, B3),
    type: TypeError,
    message: /Affine: W must be a tensor \{ shape, data \}; got string "W"/,
  },
  {
    what: "W of rank 1",
    call: () => new Affine({ shape: [12], data: W43.data }, B3),
    type: RangeError,
    message: /Affine: W must be 2-D \[D, M\]; got shape \[12\]/,
  },
  {
    what: "b of the wrong length",
    call: () => new Affine(W43, { shape: [4], data: [1, 2, 3, 4] }),
    type: RangeError,
    message: /Affine: b must have shape \[3\], one bias per output column of W; got \[4\]/,
  },
  {
    what: "b missing",
    call: () => new Affine(W43, undefined as never),
    type: TypeError,
    message: /Affine: b must be a tensor .*got undefined/,
  },
  {
    what: "x not a tensor",
    call: (l) => l.forward([1, 2, 3, 4] as never),
    type: TypeError,
    message: /Affine\.forward: x must be a tensor/,
  },
  {
    what: "x with the wrong row length",
    call: (l) => l.forward({ shape: [2, 5], data: new Float32Array(10) }),
    type: RangeError,
    message: /Affine\.forward: x \[2, 5\] flattens to \[2, 5\] but W \[4, 3\] needs \[N, 4\]/,
  },
  {
    what: "4-D x with the wrong row length",
    call: (l) => l.forward({ shape: [2, 1, 2, 3], data: new Float32Array(12) }),
    type: RangeError,
    message: /Affine\.forward: x \[2, 1, 2, 3\] flattens to \[2, 6\] but W \[4, 3\] needs \[N, 4\]/,
  },
  {
    what: "backward before forward",
    call: (l) => l.backward({ shape: [2, 3], data: new Float32Array(6) }),
    type: TypeError,
    message: /Affine\.backward: call forward\(\) before backward\(\)/,
  },
  {
    what: "dout of the wrong shape",
    call: (l) => {
      l.forward(X24);
      return l.backward({ shape: [3, 2], data: new Float32Array(6) });
    },
    type: RangeError,
    message: /Affine\.backward: dout must have shape \[2, 3\] \(the last forward's output\); got \[3, 2\]/,
  },
  {
    what: "dout of rank 1",
    call: (l) => {
      l.forward(X24);
      return l.backward({ shape: [6], data: new Float32Array(6) });
    },
    type: RangeError,
    message: /Affine\.backward: dout must be 2-D \[N, M\]; got shape \[6\]/,
  },
  {
    what: "dout not a tensor",
    call: (l) => {
      l.forward(X24);
      return l.backward(7 as never);
    },
    type: TypeError,
    message: /Affine\.backward: dout must be a tensor .*got number 7/,
  },
  {
    what: "forward after dispose",
    call: (l) => {
      l.dispose();
      return l.forward(X24);
    },
    type: TypeError,
    message: /Affine\.forward: this Affine was disposed/,
    disposes: true,
  },
  {
    what: "backward after dispose",
    call: (l) => {
      l.forward(X24);
      l.dispose();
      return l.backward({ shape: [2, 3], data: new Float32Array(6) });
    },
    type: TypeError,
    message: /Affine\.backward: this Affine was disposed/,
    disposes: true,
  },
];

const lossErrors: ErrCase<SoftmaxWithLoss>[] = [
  {
    what: "x of rank 1",
    call: (l) => l.forward({ shape: [10], data: new Float32Array(10) }, [1]),
    type: RangeError,
    message: /SoftmaxWithLoss\.forward: x must be 2-D \[N, classes\]; got shape \[10\]/,
  },
  {
    what: "x not a tensor",
    call: (l) => l.forward(undefined as never, [1]),
    type: TypeError,
    message: /SoftmaxWithLoss\.forward: x must be a tensor .*got undefined/,
  },
  {
    what: "labels of the wrong length",
    call: (l) => l.forward(S210, [1, 2, 3]),
    type: RangeError,
    message: /SoftmaxWithLoss\.forward: t has 3 labels but x has 2 images/,
  },
  {
    what: "Uint8Array labels of the wrong length",
    call: (l) => l.forward(S210, new Uint8Array(1)),
    type: RangeError,
    message: /SoftmaxWithLoss\.forward: t has 1 labels but x has 2 images/,
  },
  {
    what: "label 10 for 10 classes",
    call: (l) => l.forward(S210, [3, 10]),
    type: RangeError,
    message: /SoftmaxWithLoss\.forward: t\[1\] must be a class index in 0\.\.9; got 10/,
  },
  {
    what: "label 10 in an Int32Array",
    call: (l) => l.forward(S210, Int32Array.from([10, 0])),
    type: RangeError,
    message: /t\[0\] must be a class index in 0\.\.9; got 10/,
  },
  {
    what: "negative label",
    call: (l) => l.forward(S210, [-1, 0]),
    type: RangeError,
    message: /t\[0\] must be a class index in 0\.\.9; got -1/,
  },
  {
    what: "fractional label",
    call: (l) => l.forward(S210, [0, 1.5]),
    type: RangeError,
    message: /t\[1\] must be a class index in 0\.\.9; got 1\.5/,
  },
  {
    what: "NaN label",
    call: (l) => l.forward(S210, [0, NaN]),
    type: RangeError,
    message: /t\[1\] must be a class index in 0\.\.9; got NaN/,
  },
  {
    what: "Float32Array of labels",
    call: (l) => l.forward(S210, new Float32Array([1, 2])),
    type: TypeError,
    message: /SoftmaxWithLoss\.forward: t must be class indices .*got Float32Array\(2\)/,
  },
  {
    what: "Float64Array of labels",
    call: (l) => l.forward(S210, new Float64Array([1, 2])),
    type: TypeError,
    message: /t must be class indices .*got Float64Array\(2\)/,
  },
  {
    what: "labels as strings",
    call: (l) => l.forward(S210, ["1", "2"] as never),
    type: TypeError,
    message: /SoftmaxWithLoss\.forward: t\[0\] must be a class index; got string "1"/,
  },
  {
    what: "a single number as labels",
    call: (l) => l.forward(S210, 3 as never),
    type: TypeError,
    message: /t must be class indices .*got number 3/,
  },
  {
    what: "labels null",
    call: (l) => l.forward(S210, null as never),
    type: TypeError,
    message: /t must be class indices .*got null/,
  },
  {
    what: "one-hot of the wrong shape",
    call: (l) => l.forward(S210, { shape: [2, 9], data: new Float32Array(18) }),
    type: RangeError,
    message: /SoftmaxWithLoss\.forward: one-hot t must have shape \[2, 10\], one row per image; got \[2, 9\]/,
  },
  {
    what: "one-hot of rank 1",
    call: (l) => l.forward(S210, { shape: [20], data: new Float32Array(20) }),
    type: RangeError,
    message: /t must be 2-D/,
  },
  {
    what: "one-hot data too short",
    call: (l) => l.forward(S210, { shape: [2, 10], data: new Float32Array(19) }),
    type: RangeError,
    message: /t\.data has 19 elements/,
  },
  {
    what: "backward before forward",
    call: (l) => l.backward(),
    type: TypeError,
    message: /SoftmaxWithLoss\.backward: call forward\(\) before backward\(\)/,
  },
  {
    what: "backward with a string dout",
    call: (l) => {
      l.forward(S210, [1, 2]);
      return l.backward("1" as never);
    },
    type: TypeError,
    message: /SoftmaxWithLoss\.backward: dout must be a number .*got string/,
  },
  {
    what: "backward with a tensor dout",
    call: (l) => {
      l.forward(S210, [1, 2]);
      return l.backward(S210 as never);
    },
    type: TypeError,
    message: /SoftmaxWithLoss\.backward: dout must be a number/,
  },
  {
    what: "forward after dispose",
    call: (l) => {
      l.dispose();
      return l.forward(S210, [1, 2]);
    },
    type: TypeError,
    message: /SoftmaxWithLoss\.forward: this SoftmaxWithLoss was disposed/,
    disposes: true,
  },
  {
    what: "backward after dispose",
    call: (l) => {
      l.forward(S210, [1, 2]);
      l.dispose();
      return l.backward();
    },
    type: TypeError,
    message: /SoftmaxWithLoss\.backward: this SoftmaxWithLoss was disposed/,
    disposes: true,
  },
];

function runErrorCase<L extends { dispose(): void }>(c: ErrCase<L>, make: () => L, good: (l: L) => void): void {
  const before = memoryStats().bytesInUse;
  const l = make();
  let caught: unknown;
  try {
    c.call(l);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(c.type);
  expect((caught as Error).message).toMatch(c.message);
  // The next good call is right: on the same layer, or a fresh one where the case disposed it.
  const next = c.disposes ? make() : l;
  good(next);
  next.dispose();
  l.dispose(); // a second dispose() is harmless
  expect(memoryStats().bytesInUse).toBe(before);
}

describe("layer errors", () => {
  it.each(reluErrors)("Relu: $what", (c) => runErrorCase(c, () => new Relu(), goodRelu));
  it.each(affineErrors)("Affine: $what", (c) => runErrorCase(c, () => new Affine(W43, B3), goodAffine));
  it.each(lossErrors)("SoftmaxWithLoss: $what", (c) => runErrorCase(c, () => new SoftmaxWithLoss(), goodLoss));

  it("Affine: W or b replaced by one of the wrong shape is named as this.W / this.b", () => {
    const layer = new Affine(W43, B3);
    layer.W = new Tensor(new Float32Array(10), [5, 2]);
    expect(() => layer.forward(X24)).toThrow(RangeError);
    expect(() => layer.forward({ shape: [2, 5], data: new Float32Array(10) })).toThrow(
      /Affine\.forward: this\.b must have shape \[2\]/,
    );
    layer.W = new Tensor(Float32Array.from(W43.data), [4, 3]);
    layer.b = new Tensor(new Float32Array(4), [4]);
    expect(() => layer.forward(X24)).toThrow(/Affine\.forward: this\.b must have shape \[3\].*got \[4\]/);
    layer.b = new Tensor(Float32Array.from(B3.data), [3]);
    goodAffine(layer);
    layer.dispose();
  });

  it("a rejected forward leaves the last good forward in place for backward", () => {
    const before = memoryStats().bytesInUse;
    const relu = new Relu(),
      affine = new Affine(W43, B3),
      loss = new SoftmaxWithLoss();
    const x = randTensor(rng(41), [2, 4]),
      dout = randTensor(rng(42), [2, 4]),
      dy = randTensor(rng(43), [2, 3]);
    relu.forward(x.t);
    expect(() => relu.forward({ shape: [3], data: [1, 2] })).toThrow(RangeError);
    expectExact(relu.backward(dout.t), refReluBackward(x.ref, dout.ref));
    expect(() => relu.backward({ shape: [3], data: [1, 2, 3] })).toThrow(RangeError);
    expectExact(relu.backward(dout.t), refReluBackward(x.ref, dout.ref));

    affine.forward(x.t);
    expect(() => affine.forward({ shape: [2, 3], data: new Float32Array(6) })).toThrow(RangeError);
    expect(() => affine.backward({ shape: [2, 4], data: new Float32Array(8) })).toThrow(RangeError);
    const want = refAffineBackward(x.ref, toRef(W43), dy.ref);
    expectClose(affine.backward(dy.t), want.dx, 1e-5);
    expectClose(affine.dW!, want.dW, 1e-5);

    const s = randTensor(rng(44), [2, 10]),
      t = [7, 2];
    const lossWant = refSoftmaxLoss(s.ref, t);
    loss.forward(s.t, t);
    expect(() => loss.forward(s.t, [7, 10])).toThrow(RangeError);
    expect(() => loss.forward(s.t, new Float32Array([7, 2]) as never)).toThrow(TypeError);
    expectNear(loss.loss, lossWant.loss, 1e-6, "loss kept");
    expectClose(loss.y!, lossWant.y, 1e-6);
    expectClose(loss.backward(), refSoftmaxLossBackward(lossWant.y, t, 1), 1e-6);

    expect(memoryStats().bytesInUse).toBeGreaterThan(before); // the layers hold their caches...
    relu.dispose();
    affine.dispose();
    loss.dispose();
    expect(memoryStats().bytesInUse).toBe(before); // ...until they are disposed
  });

  it("many forward/backward rounds of changing size hold no more than the last round's caches", () => {
    const before = memoryStats().bytesInUse;
    const relu = new Relu(),
      loss = new SoftmaxWithLoss(),
      affine = new Affine(W43, B3);
    for (let i = 0; i < 30; i++) {
      const N = 1 + (i % 7);
      const x = randTensor(rng(i), [N, 4]);
      const h = relu.forward(affine.forward(x.t));
      const y = { shape: [N, 3], data: h.data };
      loss.forward(
        y,
        Array.from({ length: N }, (_, k) => k % 3),
      );
      affine.backward(relu.backward(loss.backward()));
    }
    relu.dispose();
    affine.dispose();
    loss.dispose();
    expect(memoryStats().bytesInUse).toBe(before);
  });
});
