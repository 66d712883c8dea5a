// depthwiseConv2d's gradients in TensorFlow's layout (NHWC x, W [FH, FW, C, M]): against a scalar
// float64 definition written from the sums themselves (no grouped conv, no im2col), on random
// geometries with every pad form, strides, dilations and multipliers, and as the adjoints of
// depthwiseConv2d: <dwconv(x, W), dy> = <x, dx(dy, W)> = <W, dW(x, dy)>.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  depthwiseConv2d,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  init,
  memoryStats,
} from "../src/index.js";
import { expectClose, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

type Pads = [number, number, number, number];
interface Geometry {
  N: number;
  H: number;
  W: number;
  C: number;
  M: number;
  FH: number;
  FW: number;
  sy: number;
  sx: number;
  dh: number;
  dw: number;
  pad: number | Pads | "same" | "valid";
}

/** TensorFlow's padding on one axis: SAME_UPPER, the odd pixel after. */
function axisPads(size: number, f: number, s: number, d: number, pad: Geometry["pad"], explicit: [number, number]) {
  if (pad === "valid") return [0, 0];
  if (pad === "same") {
    const total = Math.max((Math.ceil(size / s) - 1) * s + (f - 1) * d + 1 - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  return explicit;
}

function resolve(g: Geometry) {
  const p: Pads =
    typeof g.pad === "number" ? [g.pad, g.pad, g.pad, g.pad] : Array.isArray(g.pad) ? g.pad : [0, 0, 0, 0];
  const [top, bottom] = axisPads(g.H, g.FH, g.sy, g.dh, g.pad, [p[0], p[1]]);
  const [left, right] = axisPads(g.W, g.FW, g.sx, g.dw, g.pad, [p[2], p[3]]);
  const outH = Math.floor((g.H + top + bottom - (g.FH - 1) * g.dh - 1) / g.sy) + 1;
  const outW = Math.floor((g.W + left + right - (g.FW - 1) * g.dw - 1) / g.sx) + 1;
  return { top, left, outH, outW };
}

/** Calls f(n, oy, ox, c, m, fy, fx, xIndex, yIndex, wIndex) for every tap that reads the image. */
function eachTap(g: Geometry, f: (xi: number, yi: number, wi: number) => void) {
  const { top, left, outH, outW } = resolve(g);
  const CM = g.C * g.M;
  for (let n = 0; n < g.N; n++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let fy = 0; fy < g.FH; fy++)
          for (let fx = 0; fx < g.FW; fx++) {
            const iy = oy * g.sy - top + fy * g.dh;
            const ix = ox * g.sx - left + fx * g.dw;
            if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
            for (let c = 0; c < g.C; c++)
              for (let m = 0; m < g.M; m++)
                f(
                  ((n * g.H + iy) * g.W + ix) * g.C + c,
                  ((n * outH + oy) * outW + ox) * CM + c * g.M + m,
                  ((fy * g.FW + fx) * g.C + c) * g.M + m,
                );
          }
}

function randomGeometry(r: () => number): Geometry {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const FH = int(1, 5);
  const FW = int(1, 5);
  const strided = r() < 0.5;
  const sy = strided ? int(1, 3) : 1;
  const sx = strided ? int(1, 3) : 1;
  // TensorFlow refuses strides and dilations both above 1; zeroconv does not, so cross them too.
  const dh = int(1, 2);
  const dw = int(1, 2);
  const forms: Geometry["pad"][] = ["same", "valid", int(0, 2), [int(0, 2), int(0, 2), int(0, 2), int(0, 2)]];
  const pad = forms[int(0, 3)];
  const H = int((FH - 1) * dh + 1, 12);
  const W = int((FW - 1) * dw + 1, 12);
  return { N: int(1, 2), H, W, C: int(1, 20), M: int(1, 2), FH, FW, sy, sx, dh, dw, pad };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe("depthwiseConv2dBackpropInput / depthwiseConv2dBackpropFilter", () => {
  it("match the float64 definition and are depthwiseConv2d's adjoints on 120 random geometries", () => {
    const r = rng(0xd3);
    for (let i = 0; i < 120; i++) {
      const g = randomGeometry(r);
      const { outH, outW } = resolve(g);
      const opts = { stride: [g.sy, g.sx] as [number, number], dilation: [g.dh, g.dw] as [number, number], pad: g.pad };
      const xShape = [g.N, g.H, g.W, g.C];
      const wShape = [g.FH, g.FW, g.C, g.M];
      const x = randTensor(r, xShape);
      const w = randTensor(r, wShape);
      const dy = randTensor(r, [g.N, outH, outW, g.C * g.M]);
      const dx = new Float64Array(x.ref.data.length);
      const dW = new Float64Array(w.ref.data.length);
      eachTap(g, (xi, yi, wi) => {
        dx[xi] += dy.ref.data[yi] * w.ref.data[wi];
        dW[wi] += dy.ref.data[yi] * x.ref.data[xi];
      });
      const label = JSON.stringify(g);
      const gotDx = depthwiseConv2dBackpropInput(dy.t, w.t, xShape, opts);
      const gotDw = depthwiseConv2dBackpropFilter(x.t, dy.t, wShape, opts);
      expect(gotDx.shape, label).toEqual(xShape);
      expectClose(gotDx, { shape: xShape, data: dx }, 1e-5);
      expectClose(gotDw, { shape: wShape, data: dW }, 1e-5);
      const y = depthwiseConv2d(x.t, w.t, null, opts);
      const yDy = dot(y.data, dy.t.data);
      const scale = Math.max(1, Math.abs(yDy));
      expect(Math.abs(dot(x.t.data, gotDx.data) - yDy) / scale, label).toBeLessThan(1e-5);
      expect(Math.abs(dot(w.t.data, gotDw.data) - yDy) / scale, label).toBeLessThan(1e-5);
    }
  });

  it("write into out, and refuse bad arguments by name, leaving no memory in use", () => {
    const before = memoryStats().bytesInUse;
    const x = { shape: [1, 4, 4, 2], data: new Float32Array(32).fill(1) };
    const w = { shape: [3, 3, 2, 1], data: new Float32Array(18).fill(1) };
    const dy = { shape: [1, 4, 4, 2], data: new Float32Array(32).fill(1) };
    const out = { shape: [3, 3, 2, 1], data: new Float32Array(18) };
    expect(depthwiseConv2dBackpropFilter(x, dy, w.shape, { pad: "same", out }).data).toBe(out.data);
    // The centre tap sees all 16 pixels, a corner tap 9.
    expect([out.data[8], out.data[0]]).toEqual([16, 9]);
    expect(() => depthwiseConv2dBackpropInput(dy, w, [1, 4, 4, 3])).toThrow(
      /depthwiseConv2dBackpropInput: xShape has C = 3 channels but W \[FH, FW, C, M\] has C = 2/,
    );
    expect(() => depthwiseConv2dBackpropInput(dy, w, x.shape, { groups: 2 } as never)).toThrow(
      /depthwiseConv2dBackpropInput: unknown option "groups"; the options are stride, pad, dilation, out/,
    );
    expect(() => depthwiseConv2dBackpropFilter(x, dy, [3, 3, 2], { pad: "same" })).toThrow(
      /depthwiseConv2dBackpropFilter: wShape must be 4-D \[FH, FW, C, M\]/,
    );
    expect(() => depthwiseConv2dBackpropFilter(x, dy, w.shape)).toThrow(
      /depthwiseConv2dBackpropFilter: dy must have conv2d's output shape \[1, 2, 2, 2\]/,
    );
    expect(memoryStats().bytesInUse).toBe(before);
  });

  it("fuzz: the definition's numbers, or a TypeError/RangeError naming the function; memory settles", () => {
    const JUNK = [0, -1, 1.5, NaN, "2", null, [], [1], [1, 2, 3], {}, true, "SAME", [0, 0, 0, -1]];
    const maybe = (a: fc.Arbitrary<unknown>) =>
      fc.oneof(
        { weight: 8, arbitrary: a },
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(...JUNK) },
      );
    const pair = fc.oneof(
      fc.integer({ min: 1, max: 3 }),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    );
    const pads = fc.oneof(
      fc.constantFrom("same", "valid"),
      fc.integer({ min: 0, max: 2 }),
      fc.tuple(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
      ),
    );
    let answered = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.record({
          filter: fc.boolean(),
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
          sizes: fc.tuple(
            fc.integer({ min: 1, max: 7 }),
            fc.integer({ min: 1, max: 7 }),
            fc.integer({ min: 1, max: 5 }),
            fc.integer({ min: 1, max: 2 }),
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 3 }),
          ),
          opts: fc.record(
            {
              stride: maybe(pair),
              dilation: maybe(pair),
              pad: maybe(pads),
              strides: fc.constantFrom(undefined, undefined, 2),
            },
            { requiredKeys: [] },
          ),
        }),
        ({ filter, seed, sizes: [H, W, C, M, FH, FW], opts }) => {
          const before = memoryStats().bytesInUse;
          const fn = filter ? "depthwiseConv2dBackpropFilter" : "depthwiseConv2dBackpropInput";
          const r = rng(seed);
          const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
          const x = randTensor(r, [1, H, W, C]);
          const w = randTensor(r, [FH, FW, C, M]);
          try {
            const y = depthwiseConv2d(x.t, w.t, null, given as never);
            const dy = randTensor(r, Array.from(y.shape));
            const pairOf = (v: unknown) => (Array.isArray(v) ? v : [v ?? 1, v ?? 1]) as number[];
            const [sy, sx] = pairOf(given.stride);
            const [dh, dw] = pairOf(given.dilation);
            const g = { N: 1, H, W, C, M, FH, FW, sy, sx, dh, dw, pad: (given.pad ?? 0) as Geometry["pad"] };
            const want = new Float64Array(filter ? w.ref.data.length : x.ref.data.length);
            eachTap(g, (xi, yi, wi) => {
              if (filter) want[wi] += dy.ref.data[yi] * x.ref.data[xi];
              else want[xi] += dy.ref.data[yi] * w.ref.data[wi];
            });
            const got = filter
              ? depthwiseConv2dBackpropFilter(x.t, dy.t, w.t.shape, given as never)
              : depthwiseConv2dBackpropInput(dy.t, w.t, x.t.shape, given as never);
            expectClose(got, { shape: Array.from(filter ? w.t.shape : x.t.shape), data: want }, 1e-5);
            answered++;
          } catch (e) {
            if (e instanceof Error && e.message.startsWith("element")) throw e;
            if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
            // The forward call refuses first where the options are bad for both.
            expect(e.message.startsWith(`${fn}:`) || e.message.startsWith("depthwiseConv2d:"), e.message).toBe(true);
            refused++;
          }
          expect(memoryStats().bytesInUse).toBe(before);
        },
      ),
      { seed: 20261203, numRuns: 400 },
    );
    console.log(`fuzz, depthwise gradients: 400 cases: ${answered} answered and checked, ${refused} refused`);
    expect(answered).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(40);
  });
});
