// conv2d's gradients and transposed convolution in every geometry: against the scalar float64
// references of test/reference_conv.ts, as finite differences of conv2d itself, and the transpose
// as conv2d's exact adjoint, <conv2d(x), y> = <x, conv2dTranspose(y)>.
import { beforeAll, describe, expect, it } from "vitest";
import {
  conv2d,
  conv2dBackpropBias,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dTranspose,
  Convolution,
  init,
  memoryStats,
} from "../src/index.js";
import { drawConvCase, same as sameOf, type ConvCase } from "./conv_cases.js";
import {
  refActivate,
  refConvGeneral,
  refConvBackpropFilter,
  refConvBackpropInput,
  toHwio,
  toNchw,
  toNhwc,
} from "./reference_conv.js";
import { expectClose, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Tensors in the case's layout, from NCHW data (x and y shapes) or [FN, Cg, FH, FW] (filters). */
function inLayout(c: ConvCase) {
  const nhwc = c.layout === "NHWC";
  return {
    image: (data: Float32Array, [N, C, H, W]: number[]) =>
      nhwc ? { shape: [N, H, W, C], data: toNhwc(data, [N, C, H, W]) } : { shape: [N, C, H, W], data },
    filter: (data: Float32Array, [FN, Cg, FH, FW]: number[]) =>
      nhwc ? { shape: [FH, FW, Cg, FN], data: toHwio(data, [FN, Cg, FH, FW]) } : { shape: [FN, Cg, FH, FW], data },
    /** An NCHW view of a result in the case's layout (images only). */
    back: (t: { data: Float32Array }, shape: number[]) => ({ shape, data: nhwc ? toNchw(t.data, shape) : t.data }),
  };
}

/** HWIO back to [FN, Cg, FH, FW]. */
function fromHwio(a: Float32Array, [FN, Cg, FH, FW]: number[]): Float32Array {
  const out = new Float32Array(a.length);
  for (let f = 0; f < FN; f++)
    for (let c = 0; c < Cg; c++)
      for (let y = 0; y < FH; y++)
        for (let x = 0; x < FW; x++) out[((f * Cg + c) * FH + y) * FW + x] = a[((y * FW + x) * Cg + c) * FN + f];
  return out;
}

function outShape(c: ConvCase): number[] {
  const o = c.ref;
  const outH = Math.floor((c.H + o.top + o.bottom - ((c.FH - 1) * o.dh + 1)) / o.sy) + 1;
  const outW = Math.floor((c.W + o.left + o.right - ((c.FW - 1) * o.dw + 1)) / o.sx) + 1;
  return [c.N, c.FN, outH, outW];
}

describe("conv2d gradients", () => {
  it("conv2dBackpropInput, conv2dBackpropFilter and conv2dBackpropBias match the float64 references on 300 random geometries", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const c = drawConvCase(r, 13);
      const xShape = [c.N, c.C, c.H, c.W];
      const wShape = [c.FN, c.Cg, c.FH, c.FW];
      const yShape = outShape(c);
      const x = randTensor(r, xShape);
      const w = randTensor(r, wShape);
      const dy = randTensor(r, yShape);
      const L = inLayout(c);
      const what = `seed ${seed}: x [${xShape}] W [${wShape}] ${JSON.stringify(c.opts)}`;
      try {
        const xl = L.image(x.t.data, xShape);
        const wl = L.filter(w.t.data, wShape);
        const dyl = L.image(dy.t.data, yShape);
        const dx = conv2dBackpropInput(dyl, wl, xl.shape, c.opts as never);
        expectClose(L.back(dx, xShape), refConvBackpropInput(dy.ref, w.ref, xShape, c.ref), 1e-5);
        const dw = conv2dBackpropFilter(xl, dyl, wl.shape, c.opts as never);
        expect(Array.from(dw.shape)).toEqual(wl.shape);
        const dwNchw = c.layout === "NHWC" ? fromHwio(dw.data, wShape) : dw.data;
        expectClose({ shape: wShape, data: dwNchw }, refConvBackpropFilter(x.ref, dy.ref, wShape, c.ref), 1e-5);
        const db = conv2dBackpropBias(dyl, { layout: c.layout });
        const want = new Float64Array(c.FN);
        const plane = yShape[2] * yShape[3];
        dy.ref.data.forEach((v, i) => {
          want[Math.floor(i / plane) % c.FN] += v;
        });
        expectClose(db, { shape: [c.FN], data: want }, 1e-5);
      } catch (e) {
        throw new Error(`${what}: ${(e as Error).message}`);
      }
    }
  });

  it("conv2dBackpropFilter with few NHWC input channels (the direct kernel): C 1-4, any filter count and pad", () => {
    // Rows wide enough for the windows wholly inside beside the cut ones; FN across the kernel's
    // 8-filter panels' tails and K across its 4-tap tiles'; batch 3, so that images accumulate.
    const pads = [0, 2, [1, 0], [0, 1, 2, 1], "same"];
    const r = rng(8200);
    let n = 0;
    for (const C of [1, 2, 3, 4])
      for (const FN of [1, 6, 13, 30]) {
        const [s, d] = [
          [1, 1],
          [2, 1],
          [1, 2],
          [2, 2],
        ][(n >> 1) % 4];
        const pad = pads[n % pads.length];
        const FH = 1 + (n % 5),
          FW = 1 + ((n + 2) % 5);
        n++;
        const [N, H, W] = [3, 9 + (n % 3), 17 + (n % 4)];
        const explicit =
          pad === "same"
            ? [...sameOf(H, FH, s, d), ...sameOf(W, FW, s, d)]
            : Array.isArray(pad)
              ? pad.length === 2
                ? [pad[0], pad[0], pad[1], pad[1]]
                : pad
              : [pad, pad, pad, pad];
        const [top, bottom, left, right] = explicit as number[];
        const c: ConvCase = {
          ...{ layout: "NHWC", N, C, H, W, FN, Cg: C, FH, FW, groups: 1 },
          opts: { stride: s, dilation: d, pad, groups: 1, layout: "NHWC" },
          ref: { sy: s, sx: s, dh: d, dw: d, top, bottom, left, right, groups: 1 },
        };
        const xShape = [N, C, H, W],
          wShape = [FN, C, FH, FW];
        const x = randTensor(r, xShape);
        const dy = randTensor(r, outShape(c));
        const L = inLayout(c);
        const dyl = L.image(dy.t.data, outShape(c));
        const dw = conv2dBackpropFilter(L.image(x.t.data, xShape), dyl, [FH, FW, C, FN], c.opts as never);
        expectClose(
          { shape: wShape, data: fromHwio(dw.data, wShape) },
          refConvBackpropFilter(x.ref, dy.ref, wShape, c.ref),
          1e-5,
        );
      }
  });

  it("are the finite differences of conv2d itself (every option, both layouts)", () => {
    // L = <conv2d(x, W), r> is linear in x and in W, so a central difference with a large step is
    // exact up to float32 rounding: dL/dx_i = (L(x + h e_i) - L(x - h e_i)) / 2h.
    for (let seed = 301; seed <= 340; seed++) {
      const r = rng(seed);
      const c = drawConvCase(r, 9);
      const xShape = [c.N, c.C, c.H, c.W];
      const wShape = [c.FN, c.Cg, c.FH, c.FW];
      const yShape = outShape(c);
      const L = inLayout(c);
      const x = L.image(randTensor(r, xShape).t.data, xShape);
      const w = L.filter(randTensor(r, wShape).t.data, wShape);
      const rr = L.image(randTensor(r, yShape).t.data, yShape);
      const loss = (xv: typeof x, wv: typeof w) => dot(conv2d(xv, wv, null, c.opts as never).data, rr.data);
      const dx = conv2dBackpropInput(rr, w, x.shape, c.opts as never);
      const dw = conv2dBackpropFilter(x, rr, w.shape, c.opts as never);
      const h = 0.5;
      for (let trial = 0; trial < 4; trial++) {
        for (const [t, grad, isX] of [
          [x, dx, true],
          [w, dw, false],
        ] as const) {
          const i = Math.floor(r() * t.data.length);
          const plus = { shape: t.shape, data: t.data.slice() };
          const minus = { shape: t.shape, data: t.data.slice() };
          plus.data[i] += h;
          minus.data[i] -= h;
          const fd = isX ? (loss(plus, w) - loss(minus, w)) / (2 * h) : (loss(x, plus) - loss(x, minus)) / (2 * h);
          expect(Math.abs(fd - grad.data[i]), `seed ${seed} ${isX ? "dx" : "dW"}[${i}]`).toBeLessThan(
            1e-4 * (1 + Math.abs(fd)),
          );
        }
      }
    }
  });
});

describe("Convolution with conv2d's options", () => {
  it("forward is conv2d, backward gives the references' dx, dW and db, on 100 random geometries", () => {
    for (let seed = 601; seed <= 700; seed++) {
      const r = rng(seed);
      const c = drawConvCase(r, 11);
      const xShape = [c.N, c.C, c.H, c.W];
      const wShape = [c.FN, c.Cg, c.FH, c.FW];
      const yShape = outShape(c);
      const L = inLayout(c);
      const x = randTensor(r, xShape);
      const w = randTensor(r, wShape);
      const b = randTensor(r, [c.FN]);
      const dy = randTensor(r, yShape);
      const what = `seed ${seed}: x [${xShape}] W [${wShape}] ${JSON.stringify(c.opts)}`;
      const layer = new Convolution(L.filter(w.t.data, wShape), b.t, c.opts as never);
      try {
        const y = layer.forward(L.image(x.t.data, xShape));
        expectClose(L.back(y, yShape), refConvGeneral(x.ref, w.ref, b.ref, c.ref), 1e-5);
        const dx = layer.backward(L.image(dy.t.data, yShape));
        expectClose(L.back(dx, xShape), refConvBackpropInput(dy.ref, w.ref, xShape, c.ref), 1e-5);
        const dW = layer.dW!;
        const dwNchw = c.layout === "NHWC" ? fromHwio(dW.data, wShape) : dW.data;
        expectClose({ shape: wShape, data: dwNchw }, refConvBackpropFilter(x.ref, dy.ref, wShape, c.ref), 1e-5);
        expect(Array.from(layer.db!.shape)).toEqual([c.FN]);
      } catch (e) {
        throw new Error(`${what}: ${(e as Error).message}`);
      } finally {
        layer.dispose();
      }
    }
  });

  it("keeps the book's positional form, and refuses a pad after an options object", () => {
    const w = { shape: [2, 1, 3, 3], data: new Float32Array(18).fill(1) };
    const b = { shape: [2], data: [0, 0] };
    expect(new Convolution(w, b, 2, 1).stride).toBe(2);
    const Untyped = Convolution as unknown as new (...args: unknown[]) => Convolution;
    expect(() => new Untyped(w, b, { stride: 2 }, 1)).toThrow(
      /Convolution: give pad in the options object, not after it; got number 1/,
    );
    expect(() => new Convolution(w, b, { strides: 2 } as never)).toThrow(/unknown option "strides"/);
    expect(() => new Convolution(w, b, { layout: "NHWC" })).toThrow(/b must have shape \[3\], one bias per filter/);
  });
});

describe("conv2dTranspose", () => {
  it("is conv2d's adjoint: <conv2d(x, W), y> = <x, conv2dTranspose(y, W)> on 200 random geometries", () => {
    for (let seed = 401; seed <= 600; seed++) {
      const r = rng(seed);
      const c = drawConvCase(r, 13);
      const xShape = [c.N, c.C, c.H, c.W];
      const yShape = outShape(c);
      const L = inLayout(c);
      const x = L.image(randTensor(r, xShape).t.data, xShape);
      const w = L.filter(randTensor(r, [c.FN, c.Cg, c.FH, c.FW]).t.data, [c.FN, c.Cg, c.FH, c.FW]);
      const y = L.image(randTensor(r, yShape).t.data, yShape);
      // The output size conv2d maps back from: explicit pads give it through outputPadding.
      const [top, bottom, left, right] = [c.ref.top, c.ref.bottom, c.ref.left, c.ref.right];
      const span = (k: number, d: number) => (k - 1) * d + 1;
      const baseH = (yShape[2] - 1) * c.ref.sy - top - bottom + span(c.FH, c.ref.dh);
      const baseW = (yShape[3] - 1) * c.ref.sx - left - right + span(c.FW, c.ref.dw);
      const opts =
        c.opts.pad === "same"
          ? c.opts
          : { ...c.opts, pad: [top, bottom, left, right], outputPadding: [c.H - baseH, c.W - baseW] };
      const what = `seed ${seed}: x [${xShape}] ${JSON.stringify(opts)}`;
      if (
        c.opts.pad === "same" &&
        (Math.ceil(c.H / c.ref.sy) * c.ref.sy !== c.H || Math.ceil(c.W / c.ref.sx) * c.ref.sx !== c.W)
      ) {
        continue; // "same" gives back x's size only where the stride divides it
      }
      const t = conv2dTranspose(y, w, null, opts as never);
      expect(Array.from(t.shape), what).toEqual(x.shape);
      const lhs = dot(conv2d(x, w, null, c.opts as never).data, y.data);
      const rhs = dot(x.data, t.data);
      expect(Math.abs(lhs - rhs), what).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    }
  });

  it("adds the bias and applies the activation after the overlaps are summed", () => {
    const r = rng(7);
    const x = randTensor(r, [2, 4, 5, 6]);
    const w = randTensor(r, [4, 3, 3, 3]);
    const b = randTensor(r, [3]);
    const opts = { sy: 2, sx: 2, dh: 1, dw: 1, top: 1, bottom: 1, left: 1, right: 1, groups: 1 };
    const xShape = [2, 3, 10, 12]; // (5 - 1)·2 - 2 + 3 + 1 = 10, (6 - 1)·2 - 2 + 3 + 1 = 12
    const lin = refConvBackpropInput(x.ref, w.ref, xShape, opts);
    const plane = 120;
    const biased = { shape: xShape, data: lin.data.map((v, i) => v + b.ref.data[Math.floor(i / plane) % 3]) };
    for (const activation of ["linear", "relu6", "sigmoid"] as const) {
      const got = conv2dTranspose(x.t, w.t, b.t, { stride: 2, pad: 1, outputPadding: 1, activation });
      expectClose(got, refActivate(biased, activation, 0), 1e-5);
      const nhwc = conv2dTranspose(
        { shape: [2, 5, 6, 4], data: toNhwc(x.t.data, [2, 4, 5, 6]) },
        { shape: [3, 3, 3, 4], data: toHwio(w.t.data, [4, 3, 3, 3]) },
        b.t,
        { stride: 2, pad: 1, outputPadding: 1, activation, layout: "NHWC" },
      );
      expectClose({ shape: xShape, data: toNchw(nhwc.data, xShape) }, refActivate(biased, activation, 0), 1e-5);
    }
    // tfjs's "same": x's size times the stride.
    expect(conv2dTranspose(x.t, w.t, null, { stride: 2, pad: "same" }).shape).toEqual([2, 3, 10, 12]);
  });

  it("refuses bad arguments with a named TypeError or RangeError, leaving no memory in use", () => {
    const before = memoryStats().bytesInUse;
    const x = { shape: [1, 2, 4, 4], data: new Float32Array(32) };
    const w = { shape: [2, 1, 3, 3], data: new Float32Array(18) };
    expect(() => conv2dTranspose(x, w, null, { outputPadding: 1 })).toThrow(
      /conv2dTranspose: outputPadding must be below the stride on each axis \(1, 1\); got \[1, 1\]/,
    );
    expect(() => conv2dTranspose(x, w, null, { stride: 2, pad: "same", outputPadding: 1 })).toThrow(RangeError);
    expect(() => conv2dTranspose(x, { shape: [3, 1, 3, 3], data: new Float32Array(27) })).toThrow(
      /x has 2 channels but W has FN = 3 filters/,
    );
    expect(() => conv2dTranspose(x, w, null, { outputPading: 1 } as never)).toThrow(
      /unknown option "outputPading"; the options are stride, pad, dilation, groups, layout, outputPadding/,
    );
    expect(() => conv2dTranspose(x, w, null, { pad: 3 })).toThrow(/the padding leaves an output of 0x0/);
    const dy = { shape: [1, 2, 3, 3], data: new Float32Array(18) };
    expect(() => conv2dBackpropInput(dy, w, [1, 1, 4, 4])).toThrow(
      /conv2dBackpropInput: dy must have conv2d's output shape \[1, 2, 2, 2\] \[N, FN, H, W\] for this geometry \(2x2 windows\); got \[1, 2, 3, 3\]/,
    );
    expect(() => conv2dBackpropFilter(x, dy, [2, 2, 3, 3], { strides: 1 } as never)).toThrow(TypeError);
    expect(() => conv2dBackpropInput(dy, w, [1, 1, 4] as never)).toThrow(/xShape must be 4-D \[N, C, H, W\]/);
    expect(() => conv2dBackpropBias(dy, { layout: "CHW" as never })).toThrow(/layout must be "NCHW" or "NHWC"/);
    expect(memoryStats().bytesInUse).toBe(before);
  });
});
