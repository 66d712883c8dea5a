// conv2d's option surface (per-axis strides, four padding forms with "same", dilation, groups and
// depthwise, NHWC, fused activations) against the scalar float64 reference on random geometries.
import { beforeAll, describe, expect, it } from "vitest";
import { conv2d, depthwiseConv2d, init } from "../src/index.js";
import { refActivate, refConvGeneral, toHwio, toNchw, toNhwc, type RefConvOptions } from "./reference_conv.js";
import { drawConvCase, drawDepthwiseCase, same } from "./conv_cases.js";
import { expectClose, randInt, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

const ACTIVATIONS = ["linear", "relu", "relu6", "leakyRelu", "prelu", "elu", "sigmoid"] as const;

function runCase(seed: number, draw = drawConvCase): void {
  const r = rng(seed);
  const { layout, N, C, H, W, FN, Cg, FH, FW, opts: geometry, ref } = draw(r);
  const act = ACTIVATIONS[randInt(r, 0, ACTIVATIONS.length - 1)];
  const x = randTensor(r, [N, C, H, W]);
  const w = randTensor(r, [FN, Cg, FH, FW]);
  const b = r() < 0.7 ? randTensor(r, [FN]) : null;
  const prelu = randTensor(r, [FN]);
  const alpha = act === "leakyRelu" ? r() : act === "prelu" ? prelu.t : undefined;
  const want = refActivate(
    refConvGeneral(x.ref, w.ref, b?.ref ?? null, ref),
    act,
    act === "prelu" ? prelu.ref.data : (alpha as number),
  );
  const opts = {
    ...geometry,
    activation: act,
    ...(alpha === undefined ? {} : { alpha }),
  } as never;
  const what = `seed ${seed}: x [${N},${C},${H},${W}] W [${FN},${Cg},${FH},${FW}] ${JSON.stringify({ ...geometry, act })}`;
  try {
    if (layout === "NCHW") {
      expectClose(conv2d(x.t, w.t, b?.t, opts), want, 1e-5);
    } else {
      const xs = { shape: [N, H, W, C], data: toNhwc(x.t.data, [N, C, H, W]) };
      const ws = { shape: [FH, FW, Cg, FN], data: toHwio(w.t.data, [FN, Cg, FH, FW]) };
      const y = conv2d(xs, ws, b?.t, opts);
      const [, , outH, outW] = want.shape;
      expect(Array.from(y.shape)).toEqual([N, outH, outW, FN]);
      expectClose({ shape: want.shape, data: toNchw(y.data, want.shape) }, want, 1e-5);
    }
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

describe("conv2d options", () => {
  it("matches the float64 reference on 400 random geometries: every option, both layouts", () => {
    for (let seed = 1; seed <= 400; seed++) runCase(seed);
  });

  it("matches it on 150 random depthwise geometries wide enough for the tiled kernels and their edges", () => {
    for (let seed = 5001; seed <= 5150; seed++) runCase(seed, drawDepthwiseCase);
  });

  it("NCHW depthwise on rows wider than its strips of the padded plane, with padding taller than a strip", () => {
    const r = rng(6001);
    const x = randTensor(r, [1, 3, 5, 1100]);
    const w = randTensor(r, [3, 1, 3, 3]);
    const b = randTensor(r, [3]);
    const ref = { sy: 1, sx: 1, dh: 1, dw: 1, top: 6, bottom: 2, left: 1, right: 1, groups: 3 };
    const want = refActivate(refConvGeneral(x.ref, w.ref, b.ref, ref), "relu6", 0);
    expectClose(conv2d(x.t, w.t, b.t, { pad: [6, 2, 1, 1], groups: 3, activation: "relu6" }), want, 1e-5);
  });

  it("runs large enough shapes to take every kernel's fast path", () => {
    // 3x3 depthwise (s1, s2), pointwise, dilated and grouped convolutions on MobileNet-like sizes.
    for (const seed of [7001, 7002, 7003]) {
      const r = rng(seed);
      for (const [C, FN, groups, k, s, d] of [
        [24, 24, 24, 3, 1, 1],
        [16, 32, 16, 3, 2, 1],
        [24, 40, 1, 1, 1, 1],
        [16, 16, 1, 3, 1, 2],
        [32, 32, 8, 3, 1, 1],
      ]) {
        // W = 39: sixteen outputs a row at stride 2 too, the depthwise kernels' widest blocks.
        const H = 21,
          W = 39;
        const x = randTensor(r, [1, C, H, W]);
        const w = randTensor(r, [FN, C / groups, k, k]);
        const b = randTensor(r, [FN]);
        const [t, bo] = same(H, k, s, d),
          [l, ri] = same(W, k, s, d);
        const ref = { sy: s, sx: s, dh: d, dw: d, top: t, bottom: bo, left: l, right: ri, groups };
        const want = refActivate(refConvGeneral(x.ref, w.ref, b.ref, ref), "relu6", 0);
        const opts = { stride: s, dilation: d, pad: "same", groups, activation: "relu6" } as const;
        expectClose(conv2d(x.t, w.t, b.t, opts), want, 1e-5);
        const xs = { shape: [1, H, W, C], data: toNhwc(x.t.data, [1, C, H, W]) };
        const ws = { shape: [k, k, C / groups, FN], data: toHwio(w.t.data, [FN, C / groups, k, k]) };
        const y = conv2d(xs, ws, b.t, { ...opts, layout: "NHWC" });
        expectClose({ shape: want.shape, data: toNchw(y.data, want.shape) }, want, 1e-5);
      }
    }
  });

  it("NHWC with few input channels (the direct kernel): C 1-4, any filter count, every pad form and activation", () => {
    // Wide enough rows for the kernel's 4-pixel tiles beside the pixel-by-pixel edges; FN across
    // its 8-filter panels' tails; batch 2 so that a second image's offsets are used.
    const pads: unknown[] = [0, 2, [1, 0], [0, 1, 2, 1], "valid", "same"];
    const r = rng(8100);
    let n = 0;
    for (const C of [1, 2, 3, 4])
      for (const FN of [1, 6, 13, 30]) {
        const act = ACTIVATIONS[n % ACTIVATIONS.length];
        const pad = pads[n % pads.length];
        const [s, d] = [
          [1, 1],
          [2, 1],
          [1, 2],
          [2, 2],
        ][(n >> 1) % 4];
        const k = 1 + (n % 5);
        n++;
        const N = 2,
          H = 11 + (n % 3),
          W = 23 + (n % 4);
        const x = randTensor(r, [N, C, H, W]);
        const w = randTensor(r, [FN, C, k, k + (n % 2)]);
        const b = n % 3 === 0 ? null : randTensor(r, [FN]);
        const prelu = randTensor(r, [FN]);
        const alpha = act === "leakyRelu" ? 0.3 : act === "prelu" ? prelu.t : undefined;
        const FW = k + (n % 2);
        const [t, bo] = pad === "same" ? same(H, k, s, d) : [0, 0];
        const [l, ri] = pad === "same" ? same(W, FW, s, d) : [0, 0];
        const explicit = Array.isArray(pad)
          ? pad.length === 2
            ? [pad[0], pad[0], pad[1], pad[1]]
            : (pad as number[])
          : typeof pad === "number"
            ? [pad, pad, pad, pad]
            : [t, bo, l, ri];
        const ref: RefConvOptions = {
          sy: s,
          sx: s,
          dh: d,
          dw: d,
          top: explicit[0],
          bottom: explicit[1],
          left: explicit[2],
          right: explicit[3],
          groups: 1,
        };
        const want = refActivate(
          refConvGeneral(x.ref, w.ref, b?.ref ?? null, ref),
          act,
          act === "prelu" ? prelu.ref.data : (alpha as number),
        );
        const xs = { shape: [N, H, W, C], data: toNhwc(x.t.data, [N, C, H, W]) };
        const ws = { shape: [k, FW, C, FN], data: toHwio(w.t.data, [FN, C, k, FW]) };
        const opts = {
          stride: s,
          dilation: d,
          pad,
          activation: act,
          layout: "NHWC",
          ...(alpha === undefined ? {} : { alpha }),
        };
        const y = conv2d(xs, ws, b?.t, opts as never);
        const what = `C ${C} FN ${FN} ${k}x${FW} ${JSON.stringify({ s, d, pad, act })}`;
        expect(Array.from(y.shape), what).toEqual([N, want.shape[2], want.shape[3], FN]);
        expectClose({ shape: want.shape, data: toNchw(y.data, want.shape) }, want, 1e-5);
      }
  });

  it("1x1 and small-group kernels on their edges: ragged K, channels and pixels, batches, every activation", () => {
    // [C, FN, groups, k, stride, pad]: 1x1 with K = 3, 5, 24 and FN = 5, 12, 20 (4-row and 8-column
    // panels cut short), per group; groups of 4 and 8 filters (four at a time), 6 (four, then two
    // alone), 36 (past the kernels' limit), at stride 2 and dilated; W = 13 and 5 leave ragged runs
    // of eight (NCHW) and four (NHWC) interior pixels, or none.
    const r = rng(8100);
    let seen = 0;
    for (const [C, FN, groups, k, s, pad, d] of [
      [3, 5, 1, 1, 1, 0, 1],
      [5, 12, 1, 1, 1, 0, 1],
      [24, 20, 1, 1, 1, 0, 1],
      [10, 24, 2, 1, 1, 0, 1],
      [16, 16, 4, 3, 1, 1, 1],
      [16, 32, 2, 3, 1, 1, 1],
      [8, 24, 4, 3, 1, 1, 1],
      [12, 72, 2, 3, 1, 1, 1],
      [16, 16, 4, 3, 2, 1, 1],
      [16, 16, 4, 3, 1, 2, 2],
    ]) {
      for (const [H, W] of [
        [6, 13],
        [4, 5],
      ]) {
        const act = ACTIVATIONS[seen++ % ACTIVATIONS.length];
        const N = 2;
        const x = randTensor(r, [N, C, H, W]);
        const w = randTensor(r, [FN, C / groups, k, k]);
        const b = seen % 3 === 0 ? null : randTensor(r, [FN]);
        const slopes = randTensor(r, [FN]);
        const alpha = act === "leakyRelu" ? 0.3 : act === "prelu" ? slopes.t : undefined;
        const ref = { sy: s, sx: s, dh: d, dw: d, top: pad, bottom: pad, left: pad, right: pad, groups };
        const want = refActivate(
          refConvGeneral(x.ref, w.ref, b?.ref ?? null, ref),
          act,
          act === "prelu" ? slopes.ref.data : 0.3,
        );
        const opts = {
          stride: s,
          dilation: d,
          pad,
          groups,
          activation: act,
          ...(alpha === undefined ? {} : { alpha }),
        };
        const what = `C ${C} FN ${FN} groups ${groups} ${k}x${k} s${s} pad ${pad} d${d} ${H}x${W} ${act}`;
        try {
          expectClose(conv2d(x.t, w.t, b?.t, opts as never), want, 1e-5);
          const xs = { shape: [N, H, W, C], data: toNhwc(x.t.data, [N, C, H, W]) };
          const ws = { shape: [k, k, C / groups, FN], data: toHwio(w.t.data, [FN, C / groups, k, k]) };
          const y = conv2d(xs, ws, b?.t, { ...opts, layout: "NHWC" } as never);
          expectClose({ shape: want.shape, data: toNchw(y.data, want.shape) }, want, 1e-5);
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`);
        }
      }
    }
  });

  it("depthwiseConv2d takes TensorFlow's [FH, FW, C, M] filter: channel c*M + m", () => {
    const r = rng(99);
    for (const M of [1, 2]) {
      const C = 6,
        H = 9,
        W = 8;
      const x = randTensor(r, [1, C, H, W]);
      const w = randTensor(r, [C * M, 1, 3, 3]); // output channel o = c*M + m
      const tf = new Float32Array(3 * 3 * C * M);
      for (let o = 0; o < C * M; o++) for (let i = 0; i < 9; i++) tf[i * C * M + o] = w.t.data[o * 9 + i];
      const [top, bottom] = same(H, 3, 2, 1);
      const [left, right] = same(W, 3, 2, 1);
      const ref: RefConvOptions = { sy: 2, sx: 2, dh: 1, dw: 1, top, bottom, left, right, groups: C };
      const want = refConvGeneral(x.ref, w.ref, null, ref);
      const y = depthwiseConv2d(
        { shape: [1, H, W, C], data: toNhwc(x.t.data, [1, C, H, W]) },
        { shape: [3, 3, C, M], data: tf },
        null,
        { stride: 2, pad: "same" },
      );
      expectClose({ shape: want.shape, data: toNchw(y.data, want.shape) }, want, 1e-5);
    }
  });

  it("refuses unknown option keys, naming them and the known ones", () => {
    const x = { shape: [1, 1, 4, 4], data: new Float32Array(16) };
    const w = { shape: [1, 1, 3, 3], data: new Float32Array(9) };
    expect(() => conv2d(x, w, null, { strides: 2 } as never)).toThrow(TypeError);
    expect(() => conv2d(x, w, null, { strides: 2 } as never)).toThrow(
      /unknown option "strides"; the options are stride, pad, dilation/,
    );
    expect(() => conv2d(x, w, null, { groups: 2 })).toThrow(/groups = 2 must divide x's C = 1/);
    expect(() => conv2d(x, w, null, { activation: "relu", alpha: 0.1 })).toThrow(
      /alpha is for "leakyRelu" and "prelu" only/,
    );
    expect(() => conv2d(x, w, null, { activation: "prelu" })).toThrow(/needs alpha/);
    expect(() => conv2d(x, w, null, { activation: "tanh" as never })).toThrow(/activation must be one of/);
    expect(() => conv2d(x, w, null, { pad: [1, 2, 3] as never })).toThrow(
      /pad must be a number, \[padH, padW\], \[top, bottom, left, right\]/,
    );
    expect(() => conv2d(x, w, null, { layout: "nhwc" as never })).toThrow(/layout must be "NCHW" or "NHWC"/);
    expect(() => conv2d(x, w, null, { dilation: 0 })).toThrow(RangeError);
  });
});
