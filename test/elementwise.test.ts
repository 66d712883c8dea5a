// The element-wise ops zeroconv/tfjs serves (src/ops/elementwise.ts) against plain loops on random
// shapes, with NaN, infinities and signed zeros mixed in, and on bad arguments.
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../src/runtime/wasm.js";
import { binary, sumLeading, unary, type BinaryOp } from "../src/ops/elementwise.js";
import { memoryStats } from "../src/runtime/memory_stats.js";
import { toWasm } from "../src/runtime/memory.js";
import { WasmTensor } from "../src/tensor/wasm_tensor.js";
import { rng } from "./util.js";

beforeAll(async () => {
  await init();
});

const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1e-39, 3.4e38, -3.4e38];

function tensor(r: () => number, shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () =>
    r() < 0.1 ? SPECIALS[Math.floor(r() * SPECIALS.length)] : r() * 4 - 2,
  );
  return { shape, data };
}

function randShape(r: () => number): number[] {
  return Array.from({ length: 1 + Math.floor(r() * 4) }, () => 1 + Math.floor(r() * 9));
}

/** Bit for bit (Object.is: signed zeros differ), any NaN equal to any NaN. */
function expectSame(got: Float32Array, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const w = Math.fround(want[i]);
    if (!Object.is(got[i], w) && !(Number.isNaN(got[i]) && Number.isNaN(w))) {
      throw new Error(`element ${i} of ${got.length}: got ${got[i]}, want ${w}`);
    }
  }
}

describe("element-wise ops", () => {
  const OPS: Record<BinaryOp, (x: number, y: number) => number> = {
    add: (x, y) => x + y,
    sub: (x, y) => x - y,
    mul: (x, y) => x * y,
    div: (x, y) => x / y,
  };

  it("binary ops: one shape, a scalar on either side, and add's bias along the last axis, on 100 shapes each", () => {
    const r = rng(11);
    for (const [op, f] of Object.entries(OPS) as [BinaryOp, (x: number, y: number) => number][]) {
      for (let k = 0; k < 100; k++) {
        const s = randShape(r);
        const a = tensor(r, s);
        const b = tensor(r, s);
        expectSame(
          binary(op, a, b).data,
          Array.from(a.data, (v, i) => f(v, b.data[i])),
        );
        const one = { shape: [1], data: tensor(r, [1]).data };
        expectSame(
          binary(op, a, one).data,
          Array.from(a.data, (v) => f(v, one.data[0])),
        );
        const left = binary(op, one, a);
        expect(left.shape).toEqual(s);
        expectSame(
          left.data,
          Array.from(a.data, (v) => f(one.data[0], v)),
        );
        if (op !== "add") continue;
        const C = s[s.length - 1];
        const bias = tensor(r, [C]);
        expectSame(
          binary(op, a, bias).data,
          Array.from(a.data, (v, i) => v + bias.data[i % C]),
        );
      }
    }
  });

  it("unary ops: relu, step (NaN kept, alpha below zero), sqrt, square", () => {
    const r = rng(12);
    for (let k = 0; k < 200; k++) {
      const a = tensor(r, randShape(r));
      expectSame(
        unary("relu", a).data,
        Array.from(a.data, (v) => Math.max(v, 0)),
      );
      const alpha = k % 2 ? 0 : 0.25;
      expectSame(
        unary("step", a, alpha).data,
        Array.from(a.data, (v) => (Number.isNaN(v) ? v : v > 0 ? 1 : alpha)),
      );
      expectSame(
        unary("sqrt", a).data,
        Array.from(a.data, (v) => Math.sqrt(v)),
      );
      expectSame(
        unary("square", a).data,
        Array.from(a.data, (v) => v * v),
      );
    }
  });

  it("sumLeading: the sum over every axis but the last, within a float32 sum's rounding of the float64 sum", () => {
    const r = rng(13);
    for (let k = 0; k < 100; k++) {
      const s = randShape(r);
      const x = { shape: s, data: Float32Array.from({ length: s.reduce((p, d) => p * d, 1) }, () => r() * 2 - 1) };
      const C = s[s.length - 1];
      const want = new Float64Array(C);
      const abs = new Float64Array(C);
      x.data.forEach((v, i) => {
        want[i % C] += v;
        abs[i % C] += Math.abs(v);
      });
      const got = sumLeading(x);
      expect(got.shape).toEqual([C]);
      const rows = x.data.length / C;
      // A sequential float32 sum's error bound: (rows - 1) units of rounding times the sum of |x|.
      for (let c = 0; c < C; c++) expect(Math.abs(got.data[c] - want[c])).toBeLessThanOrEqual(rows * 6e-8 * abs[c]);
    }
  });

  it("refuses shapes it has no broadcast for, naming the argument, and returns its memory", () => {
    const base = memoryStats().bytesInUse;
    const a = { shape: [2, 3], data: new Float32Array(6) };
    expect(() => binary("add", a, { shape: [2], data: new Float32Array(2) })).toThrow(
      /add: b must have a's shape \[2, 3\] or one value per channel, \[3\], or be one value; got \[2\]/,
    );
    expect(() => binary("mul", a, { shape: [3], data: new Float32Array(3) })).toThrow(RangeError);
    expect(() => unary("relu", { shape: [2], data: new Float32Array(3) })).toThrow(/relu: x.data has 3 elements/);
    expect(() => sumLeading({ shape: [], data: [1] })).toThrow(RangeError);
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("read WasmTensors where they lie, give a WasmTensor when the tensor operand is one, and the Tensor path's floats", () => {
    const r = rng(17);
    const base = memoryStats().bytesInUse;
    for (let k = 0; k < 40; k++) {
      const s = randShape(r);
      const a = tensor(r, s);
      const b = tensor(r, s);
      const one = tensor(r, [1]);
      const bias = tensor(r, [s[s.length - 1]]);
      const [wa, wb, wOne, wBias] = [a, b, one, bias].map(toWasm);
      const pairs: [() => unknown, () => unknown][] = [
        [() => binary("mul", a, b), () => binary("mul", wa, wb)],
        [() => binary("sub", a, b), () => binary("sub", a, wb)],
        [() => binary("div", one, b), () => binary("div", wOne, wb)],
        [() => binary("sub", a, one), () => binary("sub", wa, one)],
        [() => binary("add", a, bias), () => binary("add", wa, wBias)],
        [() => unary("step", a, 0.5), () => unary("step", wa, 0.5)],
        [() => unary("relu", a), () => unary("relu", wa)],
        [() => sumLeading(a), () => sumLeading(wa)],
      ];
      for (const [plain, resident] of pairs) {
        const want = plain() as { shape: number[]; data: Float32Array };
        const got = resident();
        expect(got).toBeInstanceOf(WasmTensor);
        const w = got as WasmTensor;
        expect(w.shape).toEqual(want.shape);
        expectSame(w.read().data, want.data);
        w.dispose();
      }
      // The operands are left as they were.
      expectSame(wa.read().data, a.data);
      for (const w of [wa, wb, wOne, wBias]) w.dispose();
    }
    expect(memoryStats().bytesInUse).toBe(base);
  });
});
