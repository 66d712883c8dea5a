// The pooling surface of issue 13 (maxPool2d and avgPool2d with every option, both layouts, their
// backward ops, the global pools) against the float64 definition in reference_pool.ts.
import { beforeAll, describe, expect, it } from "vitest";
import {
  avgPool2d,
  avgPool2dBackward,
  globalAvgPool2d,
  globalMaxPool2d,
  init,
  maxPool2d,
  maxPool2dBackward,
  memoryStats,
  Tensor,
  type TensorLike,
} from "../src/index.js";
import type { Ref } from "./reference.js";
import { toNchw, toNhwc } from "./reference_conv.js";
import { refPool, refPoolBackward, refSame, type RefPoolOptions } from "./reference_pool.js";
import { dot, expectClose, expectExact, expectSameBytes, randInt, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

type Kind = "max" | "avg";
type Opts = Record<string, unknown>;

interface Drawn {
  kind: Kind;
  shape: [number, number, number, number];
  opts: Opts;
  ref: RefPoolOptions;
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[randInt(r, 0, items.length - 1)];

/** A random geometry and one random spelling of it, crossing every option. */
function draw(r: () => number, kind: Kind, small = false): Drawn {
  const N = randInt(r, 1, 2);
  const C = small ? randInt(r, 1, 3) : r() < 0.3 ? randInt(r, 13, 20) : randInt(r, 1, 6);
  const H = randInt(r, 1, small ? 7 : 12),
    W = randInt(r, 1, small ? 7 : 26);
  const fh = randInt(r, 1, 4),
    fw = randInt(r, 1, 4);
  const opts: Opts = {};
  const windowForm = randInt(r, 0, 2);
  if (windowForm === 0) {
    opts.window = fh;
  } else if (windowForm === 1) opts.window = [fh, fw];
  else Object.assign(opts, { poolH: fh, poolW: fw });
  const fw2 = windowForm === 0 ? fh : fw;
  // Strides 1 and 2 most (the kernels' vector paths), 3 sometimes.
  const stride = () => pick(r, [1, 1, 2, 2, 3]);
  let sy = fh,
    sx = fw2;
  const strideForm = randInt(r, 0, 2);
  if (strideForm === 1) {
    sy = sx = stride();
    opts.stride = sy;
  } else if (strideForm === 2) {
    sy = stride();
    sx = stride();
    opts.stride = [sy, sx];
  }
  let dh = 1,
    dw = 1;
  if (kind === "max") {
    const dilationForm = pick(r, [0, 0, 1, 2]);
    if (dilationForm === 1) {
      dh = dw = randInt(r, 1, 3);
      opts.dilation = dh;
    } else if (dilationForm === 2) {
      dh = randInt(r, 1, 3);
      dw = randInt(r, 1, 3);
      opts.dilation = [dh, dw];
    }
  } else if (r() < 0.1) opts.dilation = pick(r, [1, [1, 1]]);
  let pads = [0, 0, 0, 0];
  const padForm = randInt(r, 0, 5);
  if (padForm === 1) {
    const p = randInt(r, 0, 3);
    opts.pad = p;
    pads = [p, p, p, p];
  } else if (padForm === 2) {
    const ph = randInt(r, 0, 2),
      pw = randInt(r, 0, 2);
    opts.pad = [ph, pw];
    pads = [ph, ph, pw, pw];
  } else if (padForm === 3) {
    pads = [randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3)];
    opts.pad = pads;
  } else if (padForm === 4) {
    opts.pad = "valid";
  } else if (padForm === 5) {
    opts.pad = "same";
    pads = [...refSame(H, fh, sy, dh), ...refSame(W, fw2, sx, dw)];
  }
  const ceilMode = r() < 0.5;
  if (ceilMode || r() < 0.3) opts.ceilMode = ceilMode;
  const countIncludePad = kind === "avg" && r() < 0.5;
  if (kind === "avg" && (countIncludePad || r() < 0.3)) opts.countIncludePad = countIncludePad;
  const [top, bottom, left, right] = pads;
  return {
    kind,
    shape: [N, C, H, W],
    opts,
    ref: { fh, fw: fw2, sy, sx, dh, dw, top, bottom, left, right, ceilMode, countIncludePad },
  };
}

/** Uniform data; for max also data full of ties, and NaN, infinities and signed zeros. */
function drawData(r: () => number, kind: Kind, shape: number[]): { t: TensorLike & { data: Float32Array }; ref: Ref } {
  const flavour = kind === "avg" ? 0 : randInt(r, 0, 2);
  if (flavour === 0) return randTensor(r, shape);
  if (flavour === 2) return specials(r, shape);
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => randInt(r, -2, 2));
  return { t: { shape, data }, ref: { shape, data: Float64Array.from(data) } };
}

function specials(r: () => number, shape: number[]): { t: TensorLike & { data: Float32Array }; ref: Ref } {
  const values = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => pick(r, values));
  return { t: { shape, data }, ref: { shape, data: Float64Array.from(data) } };
}

const forward = (kind: Kind, x: TensorLike, opts: Opts) =>
  kind === "max" ? maxPool2d(x, opts as never) : avgPool2d(x, opts as never);
const backward = (kind: Kind, dy: TensorLike, x: TensorLike, opts: Opts) =>
  kind === "max" ? maxPool2dBackward(dy, x, opts as never) : avgPool2dBackward(dy, x.shape, opts as never);

/** Element by element with Object.is: NaN equals NaN whatever its bits, -0 differs from +0. */
function expectSameValues(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

function expectRefused(call: () => unknown, pattern: RegExp): void {
  const before = memoryStats().bytesInUse;
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RangeError);
  expect((error as Error).message).toMatch(pattern);
  expect(memoryStats().bytesInUse).toBe(before);
}

const nhwcShape = ([N, C, H, W]: readonly number[]) => [N, H, W, C];

/**
 * Runs one drawn case in both layouts, forward and backward, against the reference; returns
 * whether the geometry was valid (false: it was refused, as the reference says it must be).
 */
/** What a valid case exercised, so the test can show that every option came up. */
function features(d: Drawn, outW: number, usedOut: boolean): string[] {
  const o = d.opts;
  const f = [
    "window" in o ? (typeof o.window === "number" ? "window: n" : "window: [h, w]") : "poolH, poolW",
    "stride" in o ? (typeof o.stride === "number" ? "stride: n" : "stride: [sh, sw]") : "stride: default",
    "pad" in o
      ? `pad: ${typeof o.pad === "string" ? o.pad : Array.isArray(o.pad) ? `${o.pad.length} sides` : "n"}`
      : "pad: default",
  ];
  if (d.ref.ceilMode) f.push("ceilMode");
  if (d.ref.dh > 1 || d.ref.dw > 1) f.push("dilation");
  if (d.ref.countIncludePad) f.push("countIncludePad");
  if (d.shape[1] >= 16) f.push("16 channels");
  if (d.ref.sx <= 2 && outW >= 8) f.push("vector rows");
  if (usedOut) f.push("out");
  return f;
}

function runCase(seed: number, kind: Kind, seen: Map<string, number>): boolean {
  const r = rng(seed);
  const d = draw(r, kind);
  const x = drawData(r, kind, d.shape);
  const want = refPool(x.ref, kind, d.ref);
  const [N, C, outH, outW] = want.y.shape;
  const xs = { shape: nhwcShape(d.shape), data: toNhwc(x.t.data, d.shape) };
  const nhwc = { ...d.opts, layout: "NHWC" };
  if (outH === 0 || outW === 0 || want.empty !== null) {
    const says = /covers only padding|would be below 1/;
    expectRefused(() => forward(kind, x.t, d.opts), says);
    expectRefused(() => forward(kind, xs, nhwc), says);
    return false;
  }
  // Half the cases write into an `out` of their own.
  const useOut = r() < 0.5;
  const out = useOut ? new Tensor(new Float32Array(N * C * outH * outW).fill(NaN), [N, C, outH, outW]) : undefined;
  const y = forward(kind, x.t, useOut ? { ...d.opts, out } : d.opts);
  if (useOut) expect(y).toBe(out);
  if (kind === "max") expectExact(y, want.y);
  else expectClose(y, want.y, 1e-5);
  // NHWC gives the same values as NCHW on the transposed tensor (avg: the same bits, the same sums).
  const ys = forward(kind, xs, nhwc);
  expect(Array.from(ys.shape)).toEqual([N, outH, outW, C]);
  const back = toNchw(ys.data, [N, C, outH, outW]);
  if (kind === "max") expectSameValues(back, y.data);
  else expectSameBytes(back, y.data);
  // Backward, with distinct gradients so that each routing shows.
  const dy = randTensor(r, [N, C, outH, outW]);
  const dx = backward(kind, dy.t, x.t, d.opts);
  expectClose(dx, refPoolBackward(d.shape, kind, want, dy.ref), 1e-5);
  const dys = { shape: [N, outH, outW, C], data: toNhwc(dy.t.data, [N, C, outH, outW]) };
  const dxs = backward(kind, dys, xs, nhwc);
  expect(Array.from(dxs.shape)).toEqual(nhwcShape(d.shape));
  expectSameBytes(toNchw(dxs.data, d.shape), dx.data);
  for (const f of features(d, outW, useOut)) seen.set(f, (seen.get(f) ?? 0) + 1);
  return true;
}

describe("maxPool2d and avgPool2d options", () => {
  for (const kind of ["max", "avg"] as const) {
    it(`${kind}: forward and backward match the float64 definition on 200 valid random geometries, both layouts`, () => {
      let valid = 0,
        refused = 0;
      const seen = new Map<string, number>();
      for (let seed = 1; valid < 200; seed++) {
        const salt = kind === "max" ? 0 : 100_000;
        try {
          if (runCase(seed + salt, kind, seen)) valid++;
          else refused++;
        } catch (e) {
          throw new Error(
            `${kind} seed ${seed + salt}: ${JSON.stringify(draw(rng(seed + salt), kind))}: ${(e as Error).message}`,
          );
        }
      }
      // Geometries whose windows miss x were drawn too, and refused.
      expect(refused).toBeGreaterThan(5);
      const every = [
        ...["window: n", "window: [h, w]", "poolH, poolW", "stride: default", "stride: n", "stride: [sh, sw]"],
        ...["pad: default", "pad: n", "pad: 2 sides", "pad: 4 sides", "pad: valid", "pad: same"],
        ...["ceilMode", kind === "max" ? "dilation" : "countIncludePad", "16 channels", "vector rows", "out"],
      ];
      for (const f of every) expect(seen.get(f) ?? 0, f).toBeGreaterThanOrEqual(10);
    });
  }

  it("takes the fast paths on larger planes: stride 1 and 2, dilation, padding, ceil mode, both layouts", () => {
    const r = rng(77);
    const configs: [Kind, Opts, RefPoolOptions][] = [
      ["avg", { window: 3, stride: 1, pad: 1 }, opts(3, 3, 1, 1, 1, 1, [1, 1, 1, 1])],
      [
        "avg",
        { window: 3, stride: 2, pad: 1, countIncludePad: true },
        { ...opts(3, 3, 2, 2, 1, 1, [1, 1, 1, 1]), countIncludePad: true },
      ],
      [
        "avg",
        { window: [2, 5], stride: [1, 2], pad: "same", ceilMode: true },
        { ...opts(2, 5, 1, 2, 1, 1, [0, 1, 2, 2]), ceilMode: true },
      ],
      ["max", { window: 3, stride: 2, pad: 1 }, opts(3, 3, 2, 2, 1, 1, [1, 1, 1, 1])],
      ["max", { window: 3, stride: 1, dilation: 2, pad: 2 }, opts(3, 3, 1, 1, 2, 2, [2, 2, 2, 2])],
      [
        "max",
        { window: [3, 2], stride: [2, 1], ceilMode: true },
        { ...opts(3, 2, 2, 1, 1, 1, [0, 0, 0, 0]), ceilMode: true },
      ],
    ];
    for (const [kind, o, ref] of configs) {
      const shape: [number, number, number, number] = [2, 19, 21, 37];
      const x = randTensor(r, shape);
      const want = refPool(x.ref, kind, ref);
      const y = forward(kind, x.t, o);
      if (kind === "max") expectExact(y, want.y);
      else expectClose(y, want.y, 1e-5);
      const ys = forward(kind, { shape: nhwcShape(shape), data: toNhwc(x.t.data, shape) }, { ...o, layout: "NHWC" });
      expectSameBytes(toNchw(ys.data, want.y.shape), y.data);
      const dy = randTensor(r, want.y.shape);
      expectClose(backward(kind, dy.t, x.t, o), refPoolBackward(shape, kind, want, dy.ref), 1e-5);
    }
  });

  it("spells the window three ways and defaults the stride to it, with the same bits", () => {
    const { t } = randTensor(rng(5), [2, 3, 9, 8]);
    const base = maxPool2d(t, { poolH: 3, poolW: 2 });
    expect(base.shape).toEqual([2, 3, 3, 4]);
    expectSameBytes(maxPool2d(t, { window: [3, 2] }).data, base.data);
    expectSameBytes(maxPool2d(t, { window: [3, 2], stride: [3, 2], pad: 0 }).data, base.data);
    expectSameBytes(avgPool2d(t, { window: 2 }).data, avgPool2d(t, { poolH: 2, poolW: 2, stride: 2 }).data);
  });

  it("sizes its scratch by the windows, not by the stride: one window at stride 2^31 - 1 is a small call", () => {
    const x = { shape: [1, 2, 3, 5], data: Float32Array.from({ length: 30 }, (_, i) => (i * 7) % 11) };
    // A scratch row of whole 16-output blocks at that stride would be 2^37 bytes, refused.
    for (const ceilMode of [false, true]) {
      const big = { window: [2, 3] as [number, number], stride: 2 ** 31 - 1, ceilMode };
      expect(Array.from(maxPool2d(x, big).data)).toEqual([9, 9]);
      expect(Array.from(avgPool2d(x, big).data, (v) => Math.round(6 * v))).toEqual([26, 29]);
    }
  });

  it("ceilMode adds a last window that starts inside x, never one that would start in the padding (PyTorch)", () => {
    const x = { shape: [1, 1, 5, 5], data: Float32Array.from({ length: 25 }, (_, i) => i) };
    expect(maxPool2d(x, { window: 2 }).shape).toEqual([1, 1, 2, 2]);
    const y = maxPool2d(x, { window: 2, ceilMode: true });
    expect(Array.from(y.data)).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
    // The mean of the last window's one row or column of x, never of the overhang.
    expect(Array.from(avgPool2d(x, { window: 2, ceilMode: true, countIncludePad: true }).data)).toEqual([
      3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24,
    ]);
    // 3 + 1 + 1 = 5 padded rows: the ceiling (5 - 2) / 2 + 1 = 3 windows, but the third would start
    // on the bottom padding, so there are 2, as in PyTorch.
    const z = { shape: [1, 1, 3, 3], data: [1, 2, 3, 4, 5, 6, 7, 8, 9] };
    const p = maxPool2d(z, { window: 2, pad: 1, ceilMode: true });
    expect(p.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(p.data)).toEqual([1, 3, 7, 9]);
  });

  it("countIncludePad: false divides by the elements of x (a constant stays constant), true by the padded window", () => {
    const ones = { shape: [1, 1, 3, 3], data: new Float32Array(9).fill(1) };
    expect(Array.from(avgPool2d(ones, { window: 3, stride: 1, pad: 1 }).data)).toEqual(Array(9).fill(1));
    const counted = avgPool2d(ones, { window: 3, stride: 1, pad: 1, countIncludePad: true });
    expect(Array.from(counted.data, (v) => Math.round(v * 9))).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    const dx = avgPool2dBackward({ shape: [1, 1, 3, 3], data: new Float32Array(9).fill(1) }, [1, 1, 3, 3], {
      window: 3,
      stride: 1,
      pad: 1,
    });
    // Corner element: in 4 windows of 4, 6, 6 and 9 elements.
    expect(dx.data[0]).toBeCloseTo(1 / 4 + 2 / 6 + 1 / 9, 6);
  });

  it('pads "same" as TensorFlow: ceil(H / stride) outputs, the odd padding at the bottom and right', () => {
    const x = { shape: [1, 1, 4, 5], data: Float32Array.from({ length: 20 }, (_, i) => i) };
    const y = maxPool2d(x, { window: 3, stride: 2, pad: "same" });
    // Heights: 4 -> 2 windows, 1 row of padding at the bottom; widths: 5 -> 3, 1 column left and
    // right. The average is over the elements of x: 6, 9 and 6 of them in the first row of windows.
    expect(y.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(y.data)).toEqual([11, 13, 14, 16, 18, 19]);
    expect(Array.from(avgPool2d(x, { window: 3, stride: 2, pad: "same" }).data)).toEqual([5.5, 7, 8.5, 13, 14.5, 16]);
  });

  it("keeps the first maximum and lets NaN win in every kernel: vector rows, row ends, NHWC channels", () => {
    // Ten windows along a row (the vector path and both ends), each holding -0 before +0, or a NaN.
    const W = 22;
    const data = new Float32Array(2 * W).fill(-5);
    for (let ox = 0; ox < 11; ox++) {
      data[2 * ox] = -0;
      data[W + 2 * ox + 1] = 0;
    }
    data[7] = NaN;
    const x = { shape: [1, 1, 2, W], data };
    const y = maxPool2d(x, { window: 2, stride: 2, pad: [0, 0, 1, 1] });
    const got = Array.from(y.data);
    expect(got.length).toBe(12);
    // Window 4 (columns 7, 8) holds the NaN; every other one that sees column 2k has its -0 first.
    expect(Number.isNaN(got[4])).toBe(true);
    for (const i of [0, 1, 2, 3, 5, 6, 7, 8, 9, 10]) expect(Object.is(got[i], -0), `window ${i}`).toBe(true);
    expect(Object.is(got[11], 0)).toBe(true);
    const single = maxPool2d(x, { window: [2, 1], stride: 1 });
    expect(Object.is(single.data[0], -0)).toBe(true);
    // Gradients go to that first maximum, and to the NaN.
    const dx = maxPool2dBackward({ shape: y.shape, data: new Float32Array(12).fill(1) }, x, {
      window: 2,
      stride: 2,
      pad: [0, 0, 1, 1],
    });
    expect(dx.data[7]).toBe(1);
    expect(dx.data[W + 3]).toBe(0);
  });
});

/** opts for the reference: window, strides, dilations and [top, bottom, left, right]. */
function opts(
  fh: number,
  fw: number,
  sy: number,
  sx: number,
  dh: number,
  dw: number,
  [top, bottom, left, right]: number[],
): RefPoolOptions {
  return { fh, fw, sy, sx, dh, dw, top, bottom, left, right, ceilMode: false, countIncludePad: false };
}

describe("pooling gradients against finite differences", () => {
  it("maxPool2dBackward and avgPool2dBackward on 60 random small geometries, every option, both layouts", () => {
    let checked = 0;
    for (let seed = 1; checked < 60; seed++) {
      const r = rng(50_000 + seed);
      const kind: Kind = seed % 2 === 0 ? "max" : "avg";
      const d = draw(r, kind, true);
      const want = refPool(randTensor(rng(0), d.shape).ref, kind, d.ref);
      if (want.empty !== null || want.y.data.length === 0) continue;
      const nhwc = seed % 4 < 2;
      const size = d.shape.reduce((a, b) => a * b, 1);
      // Distinct values at least 2 / size apart, so that h moves no maximum.
      const order = Array.from({ length: size }, (_, i) => i);
      for (let i = size - 1; i > 0; i--) {
        const j = randInt(r, 0, i);
        [order[i], order[j]] = [order[j], order[i]];
      }
      const nchwData = Float32Array.from(order, (i) => -1 + (2 * i) / size);
      const x = nhwc
        ? { shape: nhwcShape(d.shape), data: toNhwc(nchwData, d.shape) }
        : { shape: [...d.shape], data: nchwData };
      const o = nhwc ? { ...d.opts, layout: "NHWC" } : d.opts;
      const yShape = Array.from(forward(kind, x, o).shape);
      const dy = randTensor(r, yShape).t;
      const dx = backward(kind, dy, x, o);
      // Max is piecewise linear and h stays inside each piece; avg is linear, so any h is exact.
      const h = kind === "max" ? 1e-3 : 0.25;
      const loss = () => dot(forward(kind, x, o).data, dy.data);
      for (let j = 0; j < size; j++) {
        const v = x.data[j];
        x.data[j] = v + h;
        const up = loss();
        x.data[j] = v - h;
        const down = loss();
        x.data[j] = v;
        const fd = (up - down) / (Math.fround(v + h) - Math.fround(v - h));
        if (!(Math.abs(fd - dx.data[j]) < 1e-3)) {
          throw new Error(
            `seed ${seed} ${kind} ${JSON.stringify(o)} x[${j}]: finite difference ${fd}, backward ${dx.data[j]}`,
          );
        }
      }
      checked++;
    }
  });
});

describe("globalAvgPool2d and globalMaxPool2d", () => {
  it("reduce every plane, both layouts, as the windowed ops with window [H, W] (40 random shapes)", () => {
    for (let i = 0; i < 40; i++) {
      const r = rng(3000 + i);
      const shape: [number, number, number, number] = [
        randInt(r, 1, 3),
        randInt(r, 1, 40),
        randInt(r, 1, 9),
        randInt(r, 1, 9),
      ];
      const [N, C, H, W] = shape;
      const special = i % 3 === 0;
      const x = special ? specials(r, shape) : randTensor(r, shape);
      const whole = opts(H, W, 1, 1, 1, 1, [0, 0, 0, 0]);
      const xs = { shape: nhwcShape(shape), data: toNhwc(x.t.data, shape) };
      try {
        const mx = globalMaxPool2d(x.t);
        expectExact(mx, refPool(x.ref, "max", whole).y);
        expectSameValues(mx.data, maxPool2d(x.t, { window: [H, W] }).data);
        const mxs = globalMaxPool2d(xs, { layout: "NHWC" });
        expect(Array.from(mxs.shape)).toEqual([N, 1, 1, C]);
        expectSameValues(mxs.data, mx.data);
        if (special) continue;
        const av = globalAvgPool2d(x.t);
        expect(av.shape).toEqual([N, C, 1, 1]);
        expectClose(av, refPool(x.ref, "avg", whole).y, 1e-6);
        expectClose(
          globalAvgPool2d(xs, { layout: "NHWC" }),
          { shape: [N, 1, 1, C], data: Float64Array.from(av.data) },
          1e-6,
        );
      } catch (e) {
        throw new Error(`x [${shape}]${special ? " (special values)" : ""}: ${(e as Error).message}`);
      }
    }
  });

  it("keeps the plane's first zero where -0 and +0 tie, and write into out", () => {
    const x = { shape: [1, 2, 5, 5], data: new Float32Array(50).fill(-1) };
    x.data[3] = -0;
    x.data[20] = 0;
    x.data[25 + 2] = 0;
    x.data[25 + 24] = -0;
    const out = { shape: [1, 2, 1, 1], data: new Float32Array(2) };
    const y = globalMaxPool2d(x, { out });
    expect(y.data).toBe(out.data);
    expect(Object.is(y.data[0], -0)).toBe(true);
    expect(Object.is(y.data[1], 0)).toBe(true);
    expect(Array.from(globalAvgPool2d({ shape: [1, 1, 1, 3], data: [1, 2, 6] }, {}).data)).toEqual([3]);
  });
});

describe("pooling errors", () => {
  const x = { shape: [1, 2, 4, 4], data: new Float32Array(32) };
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    [
      "an unknown key",
      () => maxPool2d(x, { window: 2, strides: 2 } as never),
      TypeError,
      /^maxPool2d: unknown option "strides"; the options are window, poolH, poolW, stride, pad, dilation, ceilMode, layout, out$/,
    ],
    [
      "countIncludePad on max",
      () => maxPool2d(x, { window: 2, countIncludePad: true } as never),
      TypeError,
      /^maxPool2d: unknown option "countIncludePad"/,
    ],
    [
      "avg's keys",
      () => avgPool2d(x, { window: 2, padding: 1 } as never),
      TypeError,
      /^avgPool2d: unknown option "padding"; the options are window, poolH, poolW, stride, pad, dilation, ceilMode, countIncludePad, layout, out$/,
    ],
    [
      "no options",
      () => avgPool2d(x, undefined as never),
      TypeError,
      /^avgPool2d: opts must be an object like \{ window: 2 \}; got undefined$/,
    ],
    [
      "no window",
      () => maxPool2d(x, { stride: 2 }),
      TypeError,
      /^maxPool2d: opts\.window is missing: give window: n or \[height, width\]$/,
    ],
    [
      "window and poolH",
      () => maxPool2d(x, { window: 2, poolH: 2, poolW: 2 }),
      TypeError,
      /^maxPool2d: give the window as window or as poolH and poolW, not both; got window number 2, poolH number 2 and poolW number 2$/,
    ],
    ["poolH alone", () => maxPool2d(x, { poolH: 2 }), TypeError, /^maxPool2d: poolW must be a number; got undefined$/],
    [
      "a zero window",
      () => avgPool2d(x, { window: [2, 0] }),
      RangeError,
      /^avgPool2d: window\[1\] must be an integer >= 1; got 0$/,
    ],
    [
      "a window of three",
      () => avgPool2d(x, { window: [2, 2, 2] as never }),
      TypeError,
      /^avgPool2d: window must be a number or a pair \[height, width\]; got Array\(3\)$/,
    ],
    [
      "a bad pad form",
      () => maxPool2d(x, { window: 2, pad: [1, 1, 1] as never }),
      TypeError,
      /^maxPool2d: pad must be a number, \[padH, padW\], \[top, bottom, left, right\], "valid" or "same"; got Array\(3\)$/,
    ],
    [
      "a negative pad",
      () => avgPool2d(x, { window: 2, pad: [0, -1] }),
      RangeError,
      /^avgPool2d: pad\[1\] must be an integer >= 0; got -1$/,
    ],
    [
      "dilation on avg",
      () => avgPool2d(x, { window: 2, dilation: 2 as never }),
      RangeError,
      /^avgPool2d: dilation must be 1: average pooling has no dilated form; got 2$/,
    ],
    [
      "dilation pair on avg",
      () => avgPool2dBackward(x, [1, 2, 4, 4], { window: 2, dilation: [1, 2] as never }),
      RangeError,
      /^avgPool2dBackward: dilation must be 1: average pooling has no dilated form; got \[1,2\]$/,
    ],
    [
      "ceilMode not a boolean",
      () => maxPool2d(x, { window: 2, ceilMode: 1 as never }),
      TypeError,
      /^maxPool2d: ceilMode must be true or false; got number 1$/,
    ],
    [
      "countIncludePad not a boolean",
      () => avgPool2d(x, { window: 2, countIncludePad: "yes" as never }),
      TypeError,
      /^avgPool2d: countIncludePad must be true or false; got string "yes"$/,
    ],
    [
      "a lower-case layout",
      () => avgPool2d(x, { window: 2, layout: "nhwc" as never }),
      TypeError,
      /^avgPool2d: layout must be "NCHW" or "NHWC"; got string "nhwc"$/,
    ],
    [
      "a window larger than the padded image",
      () => maxPool2d(x, { window: [2, 7], pad: 1 }),
      RangeError,
      /^maxPool2d: output width would be below 1: input width 4 padded by 1 \+ 1 = 6 is smaller than the window's span 7$/,
    ],
    [
      "avg padding that leaves a window on padding alone (its mean would divide by zero)",
      () => avgPool2d(x, { window: 2, pad: [0, 0, 2, 0] }),
      RangeError,
      /^avgPool2d: window 0 along the width covers only padding \(columns -2 to -1; x has 4 columns, padded by 2 \+ 0\); every window must cover an element of x, as padding alone has no maximum or average$/,
    ],
    [
      "the same with the padding counted (its mean would be a made-up 0)",
      () => avgPool2d(x, { window: 2, pad: 2, countIncludePad: true }),
      RangeError,
      /^avgPool2d: window 0 along the height covers only padding/,
    ],
    [
      "trailing padding past x",
      () => maxPool2d(x, { window: 2, stride: 2, pad: [0, 3, 0, 0] }),
      RangeError,
      /^maxPool2d: window 2 along the height covers only padding \(rows 4 to 5; x has 4 rows, padded by 0 \+ 3\)/,
    ],
    [
      "dilated taps that jump over x",
      () =>
        maxPool2d(
          { shape: [1, 1, 2, 3], data: [1, 2, 3, 4, 5, 6] },
          { window: [2, 1], dilation: [3, 1], pad: [1, 1, 0, 0] },
        ),
      RangeError,
      /^maxPool2d: window 0 along the height covers only padding \(rows -1 to 2 every 3; x has 2 rows, padded by 1 \+ 1\)/,
    ],
    [
      "dy of the wrong shape",
      () => maxPool2dBackward({ shape: [1, 2, 3, 2], data: new Float32Array(12) }, x, { window: 2 }),
      RangeError,
      /^maxPool2dBackward: dy must have the forward's output shape \[1, 2, 2, 2\] \[N, C, outH, outW\] for x \[1, 2, 4, 4\] and these options; got \[1, 2, 3, 2\]$/,
    ],
    [
      "dy in NCHW order for an NHWC x",
      () =>
        avgPool2dBackward({ shape: [1, 3, 2, 2], data: new Float32Array(12) }, [1, 4, 4, 3], {
          window: 2,
          layout: "NHWC",
        }),
      RangeError,
      /^avgPool2dBackward: dy must have the forward's output shape \[1, 2, 2, 3\] \[N, outH, outW, C\] for x \[1, 4, 4, 3\] and these options; got \[1, 3, 2, 2\]$/,
    ],
    [
      "xShape not a shape",
      () => avgPool2dBackward(x, 16 as never, { window: 2 }),
      TypeError,
      /^avgPool2dBackward: xShape must be x's shape, an array of sizes \[N, C, H, W\]; got number 16$/,
    ],
    [
      "xShape of rank 3",
      () => avgPool2dBackward(x, [2, 4, 4], { window: 2 }),
      RangeError,
      /^avgPool2dBackward: xShape must be 4-D \[N, C, H, W\]; got shape \[2, 4, 4\]$/,
    ],
    [
      "out of the wrong shape",
      () => avgPool2d(x, { window: 2, out: { shape: [1, 2, 2, 3], data: new Float32Array(12) } }),
      RangeError,
      /^avgPool2d: opts\.out must have the result's shape \[1, 2, 2, 2\] \[N, C, outH, outW\]; got \[1, 2, 2, 3\]$/,
    ],
    [
      "backward's out has x's shape",
      () =>
        maxPool2dBackward({ shape: [1, 2, 2, 2], data: new Float32Array(8) }, x, {
          window: 2,
          out: { shape: [1, 2, 2, 2], data: new Float32Array(8) },
        }),
      RangeError,
      /^maxPool2dBackward: opts\.out must have the result's shape \[1, 2, 4, 4\] \[N, C, H, W\]/,
    ],
    [
      "a global pool's unknown key",
      () => globalAvgPool2d(x, { window: 2 } as never),
      TypeError,
      /^globalAvgPool2d: unknown option "window"; the options are layout, out$/,
    ],
    [
      "a global pool's x",
      () => globalMaxPool2d({ shape: [2, 4, 4], data: new Float32Array(32) }, { layout: "NHWC" }),
      RangeError,
      /^globalMaxPool2d: x must be 4-D \[N, H, W, C\]; got shape \[2, 4, 4\]$/,
    ],
    [
      "a global pool's out",
      () => globalMaxPool2d(x, { out: { shape: [1, 2], data: new Float32Array(2) } }),
      RangeError,
      /^globalMaxPool2d: opts\.out must have the result's shape \[1, 2, 1, 1\] \[N, C, 1, 1\]; got \[1, 2\]$/,
    ],
  ];

  it.each(cases)("%s", (_what, call, kind, message) => {
    const before = memoryStats().bytesInUse;
    let caught: unknown;
    try {
      call();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(kind);
    expect((caught as Error).message).toMatch(message);
    expect(memoryStats().bytesInUse).toBe(before);
    // The next good call is right.
    const good = { shape: [1, 1, 2, 2], data: [1, 5, 3, 2] };
    expect(Array.from(maxPool2d(good, { window: 2 }).data)).toEqual([5]);
    expect(Array.from(avgPool2d(good, { window: 2 }).data)).toEqual([2.75]);
  });
});
