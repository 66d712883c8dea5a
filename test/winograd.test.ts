// Winograd's 3x3 convolutions (conv2d's `algorithm`) against test/reference/winograd_grid.py:
// NumPy in float64 from the definition, C from 1 to 512, every pad form, both layouts, bias and
// every activation. Each tile's largest error relative to max|y| is printed and bounded; the
// 1e-4 bound is what lets "auto" take Winograd. Then the filter cache's rule (a W changed in
// place is seen), the Convolution layer, the error paths and the memory.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { conv2d, Convolution, depthwiseConv2d, init, memoryStats, Tensor } from "../src/index.js";
import { refActivate, refConvGeneral, toHwio, toNchw, toNhwc } from "./reference_conv.js";
import { needs } from "./requirements.js";
import {
  base64Floats32,
  base64Floats64,
  expectClose,
  expectSameBytes,
  randTensor,
  rng,
  runModule,
  wasmFlags,
} from "./util.js";

const script = fileURLToPath(new URL("reference/winograd_grid.py", import.meta.url));
const ALGORITHMS = ["gemm", "winograd-2x2", "winograd-4x4", "auto"] as const;
/** Each algorithm's bound on max |error| / max |y| over the grid: measured, with room for the FMA build. */
const BOUNDS = { gemm: 1e-5, "winograd-2x2": 1e-5, "winograd-4x4": 5e-5, auto: 5e-5 };

interface GridCase {
  shapes: { x: number[]; w: number[]; y: number[] };
  pad: unknown;
  activation: string;
  bias: boolean;
  alpha: number | null;
  x: string;
  w: string;
  b: string;
  slopes: string;
  y: string;
}

let cases: GridCase[] = [];
const req = needs("test/winograd.test.ts", "every algorithm matches NumPy on the Winograd grid", { numpy: true });

beforeAll(async () => {
  await init();
  if (req.skip) return;
  const run = spawnSync("python3", [script], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`winograd_grid.py failed: ${run.stderr}`);
  cases = JSON.parse(run.stdout).cases;
});

/** max |got - want| / max |want|. */
function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0,
    scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

describe("Winograd against NumPy (test/reference/winograd_grid.py)", () => {
  it.skipIf(req.skip)(req.title, () => {
    const worst = Object.fromEntries(ALGORITHMS.map((a) => [a, 0])) as Record<(typeof ALGORITHMS)[number], number>;
    const channels = new Set<number>();
    for (const [i, c] of cases.entries()) {
      const { x: xs, w: ws, y: ys } = c.shapes;
      channels.add(xs[1]);
      const x = base64Floats32(c.x),
        w = base64Floats32(c.w),
        want = base64Floats64(c.y);
      const bias = c.bias ? { shape: [ws[0]], data: base64Floats32(c.b) } : null;
      const alpha =
        c.activation === "prelu" ? { shape: [ws[0]], data: base64Floats32(c.slopes) } : (c.alpha ?? undefined);
      for (const layout of ["NCHW", "NHWC"] as const) {
        const nhwc = layout === "NHWC";
        const img = nhwc ? { shape: [xs[0], xs[2], xs[3], xs[1]], data: toNhwc(x, xs) } : { shape: xs, data: x };
        const filter = nhwc ? { shape: [3, 3, ws[1], ws[0]], data: toHwio(w, ws) } : { shape: ws, data: w };
        for (const algorithm of ALGORITHMS) {
          const opts = { pad: c.pad, layout, activation: c.activation, alpha, algorithm } as never;
          const y = conv2d(img, filter, bias, opts);
          const err = relError(nhwc ? toNchw(y.data, ys) : y.data, want);
          const what = `case ${i} x [${xs}] W [${ws}] pad ${JSON.stringify(c.pad)} ${c.activation} ${layout} ${algorithm}`;
          expect(err, what).toBeLessThanOrEqual(BOUNDS[algorithm]);
          worst[algorithm] = Math.max(worst[algorithm], err);
        }
      }
    }
    console.log(
      `max |error| / max |y| over ${cases.length} cases x 2 layouts: ` +
        ALGORITHMS.map((a) => `${a} ${worst[a].toExponential(2)}`).join(", "),
    );
    // "auto" may take Winograd only where its error stays within 1e-4 of max|y|.
    for (const a of ALGORITHMS) expect(worst[a]).toBeLessThan(1e-4);
    expect(Math.min(...channels)).toBe(1);
    expect(Math.max(...channels)).toBe(512);
  });
});

describe("Winograd", () => {
  const make = (seed: number, C: number, FN: number, H: number, W: number) => {
    const r = rng(seed);
    return { x: randTensor(r, [2, C, H, W]), w: randTensor(r, [FN, C, 3, 3]), b: randTensor(r, [FN]) };
  };
  const pad1 = { sy: 1, sx: 1, dh: 1, dw: 1, top: 1, bottom: 1, left: 1, right: 1, groups: 1 };

  it("each tile gives the same bits in NCHW and NHWC, and on every call with the same weights", () => {
    const { x, w, b } = make(1, 13, 20, 11, 9);
    for (const algorithm of ["winograd-2x2", "winograd-4x4"] as const) {
      const nchw = conv2d(x.t, w.t, b.t, { pad: 1, algorithm, activation: "relu" });
      const xs = { shape: [2, 11, 9, 13], data: toNhwc(x.t.data, [2, 13, 11, 9]) };
      const ws = { shape: [3, 3, 13, 20], data: toHwio(w.t.data, [20, 13, 3, 3]) };
      const nhwc = conv2d(xs, ws, b.t, { pad: 1, algorithm, activation: "relu", layout: "NHWC" });
      expectSameBytes(toNchw(nhwc.data, [2, 20, 11, 9]), nchw.data);
      // The second call takes the kept transform; a copy of W (another array) makes its own.
      expectSameBytes(conv2d(x.t, w.t, b.t, { pad: 1, algorithm, activation: "relu" }).data, nchw.data);
      const copy = { shape: w.t.shape, data: w.t.data.slice() };
      expectSameBytes(conv2d(x.t, copy, b.t, { pad: 1, algorithm, activation: "relu" }).data, nchw.data);
    }
  });

  it("a filter changed in place is transformed again (conv2d and the layer)", () => {
    const { x, w, b } = make(2, 8, 16, 14, 14);
    // A Tensor: the layer keeps it by reference, as an optimiser's in-place updates need.
    const layer = new Convolution(new Tensor(w.t.data, Array.from(w.t.shape)), b.t, { pad: 1, algorithm: "winograd" });
    for (let step = 0; step < 3; step++) {
      const want = refConvGeneral(x.ref, { shape: w.ref.shape, data: Float64Array.from(w.t.data) }, b.ref, pad1);
      expectClose(conv2d(x.t, w.t, b.t, { pad: 1, algorithm: "winograd" }), want, 2e-5);
      expectClose(layer.forward(x.t), want, 2e-5);
      expectClose(layer.forward(x.t), want, 2e-5); // the kept transform
      // As an optimiser does: one weight, in place.
      w.t.data[37 * step + 5] += 0.5;
    }
    layer.dispose();
    expect(memoryStats().bytesInUse).toBe(0);
  });

  it("the Convolution layer's gradients after a Winograd forward match the reference", () => {
    const { x, w, b } = make(3, 16, 16, 9, 10);
    const layer = new Convolution(w.t, b.t, { pad: [1, 0], algorithm: "winograd-4x4" });
    const ref = { ...pad1, top: 1, bottom: 1, left: 0, right: 0 };
    const want = refConvGeneral(x.ref, w.ref, b.ref, ref);
    expectClose(layer.forward(x.t), want, 2e-5);
    const dout = new Tensor(new Float32Array(want.data.length).fill(1), want.shape);
    const dx = layer.backward(dout);
    const gemm = new Convolution(w.t, b.t, { pad: [1, 0], algorithm: "gemm" });
    gemm.forward(x.t);
    const dxGemm = gemm.backward(dout);
    expectSameBytes(dx.data, dxGemm.data);
    expectSameBytes(layer.dW!.data, gemm.dW!.data);
    layer.dispose();
    gemm.dispose();
  });

  it("auto takes Winograd where it was measured faster, and gives the GEMM's bits elsewhere", () => {
    // 64 channels on 28x28: F(4x4) (its rounding differs from the GEMM's); 3 channels: the GEMM.
    const big = make(4, 64, 64, 28, 28);
    const auto = conv2d(big.x.t, big.w.t, big.b.t, { pad: 1 });
    expectSameBytes(auto.data, conv2d(big.x.t, big.w.t, big.b.t, { pad: 1, algorithm: "winograd" }).data);
    const small = make(5, 3, 16, 28, 28);
    const gemm = conv2d(small.x.t, small.w.t, small.b.t, { pad: 1, algorithm: "gemm" });
    expectSameBytes(conv2d(small.x.t, small.w.t, small.b.t, { pad: 1 }).data, gemm.data);
    expect(memoryStats().bytesInUse).toBe(0);
  });

  it("refuses a Winograd algorithm on a shape it cannot take, and unknown algorithms", () => {
    const x = randTensor(rng(6), [1, 4, 8, 8]).t;
    const w3 = randTensor(rng(7), [4, 4, 3, 3]).t;
    const w5 = randTensor(rng(8), [4, 4, 5, 5]).t;
    const w3g = randTensor(rng(9), [4, 2, 3, 3]).t;
    const cases: [() => unknown, RegExp][] = [
      [() => conv2d(x, w3, null, { stride: 2, algorithm: "winograd" }), /algorithm "winograd" needs stride 1/],
      [() => conv2d(x, w3, null, { dilation: [1, 2], algorithm: "winograd-2x2" }), /needs dilation 1/],
      [() => conv2d(x, w3g, null, { groups: 2, algorithm: "winograd-4x4" }), /needs groups = 1/],
      [() => conv2d(x, w5, null, { algorithm: "winograd" }), /needs a 3x3 filter \(got 5x5\)/],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(RangeError);
      expect(call).toThrow(message);
    }
    expect(() => conv2d(x, w3, null, { algorithm: "fast" as never })).toThrow(TypeError);
    expect(() => conv2d(x, w3, null, { algorithm: "fast" as never })).toThrow(/conv2d: algorithm must be "auto"/);
    const layer = new Convolution(w3, randTensor(rng(10), [4]).t, { stride: 2, algorithm: "winograd" });
    expect(() => layer.forward(x)).toThrow(/Convolution.forward: algorithm "winograd" needs stride 1/);
    layer.dispose();
    expect(() => new Convolution(w3, randTensor(rng(10), [4]).t, { algorithm: 4 as never })).toThrow(TypeError);
    const dw = randTensor(rng(11), [3, 3, 4, 1]).t;
    const xn = randTensor(rng(12), [1, 8, 8, 4]).t;
    expect(() => depthwiseConv2d(xn, dw, null, { algorithm: "gemm" } as never)).toThrow(/unknown option "algorithm"/);
    // A GEMM-only shape with "gemm" or "auto" runs.
    expect(conv2d(x, w5, null, { algorithm: "gemm" }).shape).toEqual([1, 4, 4, 4]);
    expect(memoryStats().bytesInUse).toBe(0);
  });

  it("fused activations and every pad form on a 4-tile-wide image match the reference, NHWC too", () => {
    const { x, w, b } = make(13, 12, 24, 17, 18);
    for (const [pad, ref] of [
      ["same", { top: 1, bottom: 1, left: 1, right: 1 }],
      ["valid", { top: 0, bottom: 0, left: 0, right: 0 }],
      [[0, 2, 2, 1], { top: 0, bottom: 2, left: 2, right: 1 }],
    ] as const) {
      for (const activation of ["relu6", "leakyRelu", "sigmoid"] as const) {
        const want = refActivate(refConvGeneral(x.ref, w.ref, b.ref, { ...pad1, ...ref }), activation, 0.2);
        const y = conv2d(x.t, w.t, b.t, { pad, activation, algorithm: "winograd" });
        expectClose(y, want, 2e-5);
        const xs = { shape: [2, 17, 18, 12], data: toNhwc(x.t.data, [2, 12, 17, 18]) };
        const ws = { shape: [3, 3, 12, 24], data: toHwio(w.t.data, [24, 12, 3, 3]) };
        const yn = conv2d(xs, ws, b.t, { pad, activation, algorithm: "winograd", layout: "NHWC" });
        expectClose({ shape: want.shape, data: toNchw(yn.data, want.shape) }, want, 2e-5);
      }
    }
  });

  it("gives the same bits on 1, 2 and 3 threads: tiles are shared out, never a sum", () => {
    // The built package in child processes (each can init() once); one image (its blocks of
    // tiles split) and three (whole images and blocks), both layouts.
    const script = `
      import { init, conv2d } from "./dist/index.js";
      await init();
      let s = 5;
      const rand = (n) => Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 31) - 1);
      const out = [];
      for (const [N, layout] of [[1, "NCHW"], [3, "NHWC"]]) {
        const x = { shape: layout === "NCHW" ? [N, 24, 30, 29] : [N, 30, 29, 24], data: rand(N * 24 * 30 * 29) };
        const w = { shape: layout === "NCHW" ? [40, 24, 3, 3] : [3, 3, 24, 40], data: rand(40 * 24 * 9) };
        const y = conv2d(x, w, { shape: [40], data: rand(40) }, { pad: 1, layout, activation: "relu", algorithm: "winograd" });
        out.push(Buffer.from(y.data.buffer).toString("base64"));
      }
      console.log(JSON.stringify(out));
    `;
    const run = (threads: number) => {
      const child = runModule(script, wasmFlags, { ZEROCONV_THREADS: String(threads) });
      if (child.status !== 0) throw new Error(`ZEROCONV_THREADS=${threads}: ${child.stderr}`);
      return JSON.parse(child.stdout) as string[];
    };
    const one = run(1);
    for (const threads of [2, 3]) expect(run(threads)).toEqual(one);
  });
});
