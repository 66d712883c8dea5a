// WasmTensors: every op that takes them (the gradients included) gives, bit for bit, what it gives on Tensors (whose
// results the other suites check against the references), with any mix of resident and copied
// arguments; add against a JS loop; memory given back; every misuse a clear error.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  add,
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dTranspose,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  depthwiseConv2d,
  globalAvgPool2d,
  globalMaxPool2d,
  init,
  matmul,
  maxPool2d,
  maxPool2dBackward,
  memoryStats,
  Tensor,
  toWasm,
  WasmTensor,
  type Input,
  type TensorLike,
} from "../src/index.js";
import { drawConvCase } from "./conv_cases.js";
import { toHwio, toNhwc } from "./reference_conv.js";
import { expectSameBytes, randInt, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

/** Each argument made resident with probability 1/2 (the first always, so the result is too); all freed by `free`. */
function mix(r: () => number, ts: (TensorLike | null)[]): { args: (Input | null)[]; free: () => void } {
  const made: WasmTensor[] = [];
  const args = ts.map((t, i) => {
    if (t === null || (i > 0 && r() < 0.5)) return t;
    const w = toWasm(t);
    made.push(w);
    return w;
  });
  return { args, free: () => made.forEach((w) => w.dispose()) };
}

/** The resident call's result, read out and disposed, against the Tensor call's, bit for bit. */
function expectSame(resident: unknown, copied: Tensor): void {
  expect(resident).toBeInstanceOf(WasmTensor);
  const w = resident as WasmTensor;
  expect(w.shape).toEqual(copied.shape);
  const got = w.read();
  w.dispose();
  expectSameBytes(got.data, copied.data);
}

const ACTS = ["linear", "relu", "relu6", "leakyRelu", "prelu", "elu", "sigmoid"] as const;

describe("WasmTensor arguments give the Tensor results, bit for bit", () => {
  it("conv2d on 150 random geometries (every option, both layouts, prelu slopes resident or not)", () => {
    const base = memoryStats().bytesInUse;
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(7000 + seed);
      const { layout, N, C, H, W, FN, Cg, FH, FW, opts } = drawConvCase(r);
      const act = ACTS[randInt(r, 0, ACTS.length - 1)];
      let x: TensorLike = randTensor(r, [N, C, H, W]).t;
      let w: TensorLike = randTensor(r, [FN, Cg, FH, FW]).t;
      if (layout === "NHWC") {
        x = { shape: [N, H, W, C], data: toNhwc(x.data as Float32Array, [N, C, H, W]) };
        w = { shape: [FH, FW, Cg, FN], data: toHwio(w.data as Float32Array, [FN, Cg, FH, FW]) };
      }
      const b = r() < 0.7 ? randTensor(r, [FN]).t : null;
      const slopes = randTensor(r, [FN]).t;
      const { args, free } = mix(r, [x, w, b, slopes]);
      const alpha = act === "leakyRelu" ? 0.3 : act === "prelu" ? slopes : undefined;
      const o = { ...opts, activation: act, ...(alpha === undefined ? {} : { alpha }) } as never;
      const ro = {
        ...opts,
        activation: act,
        ...(alpha === undefined ? {} : { alpha: act === "prelu" ? args[3] : alpha }),
      };
      const want = conv2d(x, w, b, o);
      expectSame(conv2d(args[0] as WasmTensor, args[1]!, args[2], ro as never), want);
      free();
    }
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("a resident filter's kept packing (NHWC GEMM paths) follows WasmTensor.write and goes with dispose", () => {
    const r = rng(41);
    const base = memoryStats().bytesInUse;
    // NHWC: a 1x1 past the in-register kernel (K = 300 > 256), the im2row GEMM (3x3 stride 2) and
    // the few-channel direct kernel (C = 3), each with two groups and without.
    for (const [C, FN, k, stride, groups] of [
      [300, 20, 1, 1, 1],
      [300, 24, 1, 1, 2],
      [16, 20, 3, 2, 1],
      [16, 16, 3, 2, 2],
      [3, 12, 3, 1, 1],
    ]) {
      const x = randTensor(r, [1, 9, 7, C]).t;
      const w1 = randTensor(r, [k, k, C / groups, FN]).t;
      const w2 = randTensor(r, [k, k, C / groups, FN]).t;
      const b = randTensor(r, [FN]).t;
      const o = { stride, pad: "same" as const, groups, layout: "NHWC" as const, activation: "relu6" as const };
      const wr = toWasm(w1);
      const xr = toWasm(x);
      expectSame(conv2d(xr, wr, b, o), conv2d(x, w1, b, o));
      const held = memoryStats().bytesInUse;
      expectSameBytes(conv2d(x, wr, b, o).data, conv2d(x, w1, b, o).data); // the kept packing
      expect(memoryStats().bytesInUse).toBe(held);
      wr.write(w2.data);
      expectSame(conv2d(xr, wr, b, o), conv2d(x, w2, b, o));
      wr.dispose();
      xr.dispose();
    }
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("Winograd's kept filter transform follows WasmTensor.write", () => {
    const r = rng(31);
    const x = randTensor(r, [1, 8, 10, 10]).t;
    const w1 = randTensor(r, [8, 8, 3, 3]).t;
    const w2 = randTensor(r, [8, 8, 3, 3]).t;
    const xr = toWasm(x);
    const wr = toWasm(w1);
    for (const algorithm of ["winograd", "winograd-2x2", "gemm"] as const) {
      const o = { pad: 1, algorithm };
      expectSame(conv2d(xr, wr, null, o), conv2d(x, w1, null, o));
      expectSame(conv2d(xr, wr, null, o), conv2d(x, w1, null, o)); // the kept transform
      wr.write(w2.data);
      expectSame(conv2d(xr, wr, null, o), conv2d(x, w2, null, o));
      wr.write(w1.data);
    }
    xr.dispose();
    wr.dispose();
  });

  it("depthwiseConv2d, pools, global pools, matmul on random shapes", () => {
    const base = memoryStats().bytesInUse;
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(9000 + seed);
      const [N, H, W, C, M] = [
        randInt(r, 1, 2),
        randInt(r, 1, 12),
        randInt(r, 1, 12),
        randInt(r, 1, 9),
        randInt(r, 1, 2),
      ];
      const k = randInt(r, 1, 3);
      const x = randTensor(r, [N, H, W, C]).t;
      const dw = randTensor(r, [k, k, C, M]).t;
      const db = randTensor(r, [C * M]).t;
      const conv = { stride: randInt(r, 1, 2), pad: "same" as const, activation: "relu6" as const };
      const d = mix(r, [x, dw, db]);
      expectSame(
        depthwiseConv2d(d.args[0] as WasmTensor, d.args[1]!, d.args[2], conv),
        depthwiseConv2d(x, dw, db, conv),
      );
      d.free();
      const layout = r() < 0.5 ? ("NCHW" as const) : ("NHWC" as const);
      const pool = { window: randInt(r, 1, 3), stride: randInt(r, 1, 2), pad: "same" as const, layout };
      const xr = toWasm(x);
      expectSame(maxPool2d(xr, pool), maxPool2d(x, pool));
      expectSame(avgPool2d(xr, pool), avgPool2d(x, pool));
      expectSame(globalAvgPool2d(xr, { layout }), globalAvgPool2d(x, { layout }));
      expectSame(globalMaxPool2d(xr, { layout }), globalMaxPool2d(x, { layout }));
      xr.dispose();
      const [B, Mr, K, Nc] = [randInt(r, 1, 3), randInt(r, 1, 9), randInt(r, 1, 20), randInt(r, 1, 19)];
      const a = randTensor(r, [B, Mr, K]).t;
      const bm = randTensor(r, r() < 0.5 ? [K, Nc] : [B, K, Nc]).t;
      const bias = randTensor(r, [Nc]).t;
      const m = mix(r, [a, bm, bias]);
      expectSame(
        matmul(m.args[0] as WasmTensor, m.args[1]!, { bias: m.args[2], activation: "relu" }),
        matmul(a, bm, { bias, activation: "relu" }),
      );
      m.free();
    }
    expect(memoryStats().bytesInUse).toBe(base);
  });
});

describe("WasmTensor arguments to the gradients give the Tensor results, bit for bit", () => {
  it("conv2d's backprop input and filter on 80 random geometries, depthwise's and the pools' on 40 shapes", () => {
    const base = memoryStats().bytesInUse;
    for (let seed = 1; seed <= 80; seed++) {
      const r = rng(11000 + seed);
      const { layout, N, C, H, W, FN, Cg, FH, FW, opts } = drawConvCase(r);
      let x: TensorLike = randTensor(r, [N, C, H, W]).t;
      let w: TensorLike = randTensor(r, [FN, Cg, FH, FW]).t;
      if (layout === "NHWC") {
        x = { shape: [N, H, W, C], data: toNhwc(x.data as Float32Array, [N, C, H, W]) };
        w = { shape: [FH, FW, Cg, FN], data: toHwio(w.data as Float32Array, [FN, Cg, FH, FW]) };
      }
      const o = opts as never;
      const dy = randTensor(r, [...conv2d(x, w, null, o).shape]).t;
      const m = mix(r, [dy, w, x]);
      expectSame(
        conv2dBackpropInput(m.args[0] as WasmTensor, m.args[1]!, x.shape, o),
        conv2dBackpropInput(dy, w, x.shape, o),
      );
      expectSame(
        conv2dBackpropFilter(m.args[2]!, m.args[0] as WasmTensor, w.shape, o),
        conv2dBackpropFilter(x, dy, w.shape, o),
      );
      m.free();
    }
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(12000 + seed);
      const [N, H, W, C, M] = [
        randInt(r, 1, 2),
        randInt(r, 1, 10),
        randInt(r, 1, 10),
        randInt(r, 1, 6),
        randInt(r, 1, 2),
      ];
      const k = randInt(r, 1, 3);
      const x = randTensor(r, [N, H, W, C]).t;
      const dw = randTensor(r, [k, k, C, M]).t;
      const conv = { stride: randInt(r, 1, 2), pad: "same" as const };
      const dy = randTensor(r, [...depthwiseConv2d(x, dw, null, conv).shape]).t;
      const d = mix(r, [dy, dw, x]);
      expectSame(
        depthwiseConv2dBackpropInput(d.args[0] as WasmTensor, d.args[1]!, x.shape, conv),
        depthwiseConv2dBackpropInput(dy, dw, x.shape, conv),
      );
      expectSame(
        depthwiseConv2dBackpropFilter(d.args[2]!, d.args[0] as WasmTensor, dw.shape, conv),
        depthwiseConv2dBackpropFilter(x, dy, dw.shape, conv),
      );
      d.free();
      const layout = r() < 0.5 ? ("NCHW" as const) : ("NHWC" as const);
      const xl = layout === "NHWC" ? x : { shape: [N, C, H, W], data: x.data };
      const pool = { window: randInt(r, 1, 3), stride: randInt(r, 1, 2), pad: "same" as const, layout };
      const py = randTensor(r, [...maxPool2d(xl, pool).shape]).t;
      const p = mix(r, [py, xl]);
      expectSame(maxPool2dBackward(p.args[0] as WasmTensor, p.args[1]!, pool), maxPool2dBackward(py, xl, pool));
      expectSame(avgPool2dBackward(p.args[0] as WasmTensor, xl.shape, pool), avgPool2dBackward(py, xl.shape, pool));
      p.free();
    }
    expect(memoryStats().bytesInUse).toBe(base);
  });
});

describe("add", () => {
  it("is a + b (then relu, NaN kept) against a JS loop, on Tensors and WasmTensors", () => {
    const r = rng(5);
    for (const shape of [[1], [7], [2, 3, 5], [1, 16, 9, 9]]) {
      const a = randTensor(r, shape).t;
      const b = randTensor(r, shape).t;
      a.data[0] = Number.NaN;
      for (const activation of ["linear", "relu"] as const) {
        const want = a.data.map((v, i) => {
          const s = Math.fround(v + b.data[i]);
          return activation === "relu" && s < 0 ? 0 : s;
        });
        const y = add(a, b, { activation });
        expect(y.shape).toEqual(shape);
        expectSameBytes(y.data, want);
        const [ar, br] = [toWasm(a), toWasm(b)];
        expectSame(add(ar, b, { activation }), y);
        expectSame(add(a, br, { activation }), y);
        expectSame(add(ar, br, { activation }), y);
        ar.dispose();
        br.dispose();
      }
    }
  });

  it("refuses other shapes, activations and option keys", () => {
    const a = new Tensor(new Float32Array(6), [2, 3]);
    expect(() => add(a, new Tensor(new Float32Array(6), [3, 2]))).toThrow(
      new RangeError("add: b must have a's shape [2, 3]; got [3, 2]"),
    );
    expect(() => add(a, a, { activation: "relu6" as never })).toThrow(TypeError);
    expect(() => add(a, a, { actvation: "relu" } as never)).toThrow(/unknown option "actvation"|actvation/);
  });
});

describe("WasmTensor's life", () => {
  it("holds its floats across memory growth, and gives them back on dispose", () => {
    const base = memoryStats().bytesInUse;
    const data = Float32Array.from({ length: 1000 }, (_, i) => i / 7);
    const w = toWasm({ shape: [10, 100], data });
    expect(memoryStats().bytesInUse).toBeGreaterThan(base);
    // A call needing more memory than there is grows it, which detaches every earlier view.
    const big = memoryStats().memoryBytes / 4 + 1024;
    const huge = toWasm({ shape: [big], data: new Float32Array(big) });
    huge.dispose();
    expectSameBytes(w.read().data, data);
    const moved = w.reshape([1000]);
    expect(w.disposed).toBe(true);
    expect(moved.shape).toEqual([1000]);
    expectSameBytes(moved.read().data, data);
    moved.dispose();
    moved.dispose();
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("a network of resident calls, its intermediates disposed, keeps memory flat", () => {
    const r = rng(77);
    const w = toWasm(randTensor(r, [8, 3, 3, 3]).t);
    const x = randTensor(r, [1, 3, 16, 16]).t;
    const step = () => {
      const xr = toWasm(x);
      const h = conv2d(xr, w, null, { pad: 1, activation: "relu" });
      xr.dispose();
      const p = maxPool2d(h, { window: 2, stride: 2 });
      const s = add(p, p, { activation: "relu" });
      h.dispose();
      p.dispose();
      const y = s.read();
      s.dispose();
      return y;
    };
    step();
    const settled = memoryStats().bytesInUse;
    for (let i = 0; i < 200; i++) step();
    expect(memoryStats().bytesInUse).toBe(settled);
    w.dispose();
  });
});

describe("misuse is a clear error", () => {
  const r = rng(3);
  const x = randTensor(r, [1, 2, 5, 5]).t;
  const w = randTensor(r, [3, 2, 3, 3]).t;

  it("a disposed WasmTensor, as an argument or itself", () => {
    const xr = toWasm(x);
    xr.dispose();
    expect(() => conv2d(xr, w)).toThrow(new TypeError("conv2d: x is a WasmTensor that was disposed"));
    expect(() => xr.read()).toThrow(TypeError);
    expect(() => xr.write(x.data)).toThrow(TypeError);
    const wr = toWasm(w);
    wr.dispose();
    expect(() => conv2d(x, wr)).toThrow(new TypeError("conv2d: W is a WasmTensor that was disposed"));
  });

  it("an op that does not take WasmTensors names the argument", () => {
    const xr = toWasm(x);
    expect(() => conv2dTranspose(xr as never, w)).toThrow(
      new TypeError("conv2dTranspose: x must be a tensor { shape, data }; got a WasmTensor (x.read() copies it out)"),
    );
    xr.dispose();
  });

  it("opts.out with a resident x, a wrong size for write or reshape, a bad toWasm", () => {
    const xr = toWasm(x);
    const out = new Tensor(new Float32Array(3 * 9), [1, 3, 3, 3]);
    expect(() => conv2d(xr, w, null, { out } as never)).toThrow(
      /conv2d: opts\.out must be left out when x is a WasmTensor/,
    );
    expect(() => xr.write(new Float32Array(3))).toThrow(RangeError);
    expect(() => xr.write("abc" as never)).toThrow(TypeError);
    expect(() => xr.reshape([7])).toThrow(RangeError);
    expect(() => xr.reshape([0.5, 100] as never)).toThrow(RangeError);
    expect(xr.disposed).toBe(false);
    xr.dispose();
    expect(() => toWasm({ shape: [2], data: [1] })).toThrow(RangeError);
    expect(() => toWasm(null as never)).toThrow(TypeError);
  });
});

describe("fuzz: WasmTensor arguments against Tensor arguments", () => {
  const JUNK = [0, -1, 1.5, Number.NaN, "2", null, [], [1, 2, 3], {}, true, "SAME"];
  const intIn = (min: number, max: number) => fc.integer({ min, max });
  const maybe = (a: fc.Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 8, arbitrary: a },
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...JUNK) },
    );
  const OPS = ["conv2d", "depthwiseConv2d", "maxPool2d", "avgPool2d", "globalAvgPool2d", "matmul", "add"] as const;
  const KEYS: Record<(typeof OPS)[number], string[]> = {
    conv2d: ["stride", "pad", "layout", "activation"],
    depthwiseConv2d: ["stride", "pad", "activation"],
    maxPool2d: ["window", "stride", "pad", "layout"],
    avgPool2d: ["window", "stride", "pad", "layout"],
    globalAvgPool2d: ["layout"],
    matmul: ["transposeB", "activation"],
    add: ["activation"],
  };
  const arb = fc.record({
    op: fc.constantFrom(...OPS),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    dims: fc.array(intIn(1, 7), { minLength: 4, maxLength: 4 }),
    other: fc.array(intIn(1, 7), { minLength: 4, maxLength: 4 }),
    resident: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    opts: fc.record(
      {
        stride: maybe(fc.oneof(intIn(1, 3), fc.tuple(intIn(1, 3), intIn(1, 3)))),
        pad: maybe(fc.oneof(intIn(0, 2), fc.constantFrom("same", "valid"))),
        layout: maybe(fc.constantFrom("NCHW", "NHWC")),
        activation: maybe(fc.constantFrom("relu", "relu6", "linear", "sigmoid")),
        window: maybe(intIn(1, 3)),
        transposeB: maybe(fc.boolean()),
        typo: fc.constant(1),
      },
      { requiredKeys: [] },
    ),
    fit: fc.boolean(),
    typo: intIn(0, 9),
  });

  /** Shapes that fit the op (most of the time), so that many calls are answered, not refused. */
  function fitted(op: (typeof OPS)[number], x: number[], w: number[], opts: Record<string, unknown>): number[][] {
    const [small0, small1] = [Math.min(w[0], 3), Math.min(w[1], 3)];
    if (op === "conv2d") {
      const nhwc = opts.layout === "NHWC";
      const W = nhwc ? [small0, small1, x[3], w[3]] : [w[0], x[1], Math.min(w[2], 3), Math.min(w[3], 3)];
      return [x, W, [nhwc ? w[3] : w[0]]];
    }
    if (op === "depthwiseConv2d") return [x, [small0, small1, x[3], w[3]], [x[3] * w[3]]];
    if (op === "matmul")
      return [x, opts.transposeB === true ? [x[0], x[1], w[3], x[3]] : [x[0], x[1], x[3], w[3]], [1]];
    return [x, w, [w[0]]];
  }

  it("the same bytes or the same error, and nothing left allocated", () => {
    let cases = 0;
    let answered = 0;
    let refused = 0;
    const base = memoryStats().bytesInUse;
    fc.assert(
      fc.property(arb, ({ op, seed, dims, other, resident, opts: drawn, fit, typo }) => {
        cases++;
        const r = rng(seed);
        // The op's own keys, and now and then another's (an unknown key is a TypeError).
        const opts: Record<string, unknown> = Object.fromEntries(
          Object.entries(drawn).filter(([k]) => typo === 0 || KEYS[op].includes(k)),
        );
        const shapes = fit ? fitted(op, dims, other, opts) : [dims, other, [other[0]]];
        const [a, b, c] = shapes.map((s) => randTensor(r, s).t);
        const addSelf = r() < 0.5;
        const call = (args: (Input | null)[]) => {
          const [x, y, z] = args as [never, never, never];
          switch (op) {
            case "conv2d":
              return conv2d(x, y, z, opts as never);
            case "depthwiseConv2d":
              return depthwiseConv2d(x, y, z, opts as never);
            case "maxPool2d":
              return maxPool2d(x, opts as never);
            case "avgPool2d":
              return avgPool2d(x, opts as never);
            case "globalAvgPool2d":
              return globalAvgPool2d(x, opts as never);
            case "matmul":
              return matmul(x, y, opts as never);
            case "add":
              return add(x, addSelf ? x : y, { activation: (opts as { activation?: never }).activation });
          }
        };
        const outcome = (args: (Input | null)[]) => {
          try {
            return { ok: true as const, y: call(args) };
          } catch (e) {
            return { ok: false as const, e: e as Error };
          }
        };
        const plain = outcome([a, b, c]);
        const made: WasmTensor[] = [];
        const args = [a, b, c].map((t, i) => {
          if (!resident[i]) return t;
          const w = toWasm(t);
          made.push(w);
          return w;
        });
        const res = outcome(args);
        for (const w of made) w.dispose();
        if (plain.ok) {
          expect(res.ok, res.ok ? "" : res.e.message).toBe(true);
          if (res.y instanceof WasmTensor) expectSame(res.y, plain.y as Tensor);
          else expectSameBytes((res as { y: Tensor }).y.data, (plain.y as Tensor).data);
          answered++;
        } else {
          expect(res.ok).toBe(false);
          const e = (res as { e: Error }).e;
          expect([e.constructor, e.message]).toEqual([plain.e.constructor, plain.e.message]);
          expect(e.constructor === TypeError || e.constructor === RangeError, e.message).toBe(true);
          refused++;
        }
        expect(memoryStats().bytesInUse).toBe(base);
      }),
      { seed: 20261204, numRuns: 1500 },
    );
    console.log(
      `WasmTensor fuzz: ${cases} cases, ${2 * cases} calls: ${answered} answered alike, ${refused} refused alike`,
    );
    expect(answered).toBeGreaterThan(50);
  });
});
