// The hardening issue's soak: 100,000 forward passes over tiny shapes that keep changing (conv2d,
// maxPool2d, matmul, Relu, Affine, im2col in both orders) and 10,000 training steps of a tiny
// SimpleConvNet with Adam. WebAssembly memory never shrinks, so a leak or a free list that
// fragments shows up as growth: memory must stop growing once the largest working set has been
// seen (its size after the first 10% of the iterations is its size at the end), the high-water
// mark must stay under a fixed bound, and once the layers and the optimiser are disposed the
// bytes in use are exactly what they were before. The figures are printed for the README.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Adam,
  Affine,
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseConv2d,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  Convolution,
  im2col,
  init,
  globalAvgPool2d,
  matmul,
  matmulBackward,
  maxPool2d,
  maxPool2dBackward,
  memoryStats,
  Relu,
  SimpleConvNet,
  type Tensor,
  type TensorLike,
  add,
  toWasm,
  type WasmTensor,
} from "../src/index.js";
import { refAffine, refConv2d, refIm2col, refMatmul, refMaxPool, refRelu } from "./reference.js";
import { drawConvCase } from "./conv_cases.js";
import { expectClose, expectExact, randInt, randTensor, rng } from "./util.js";

/**
 * The most bytes that may be held at once: the SGEMM's packing scratch (sgemm_workspace_bytes,
 * 1.18 MB) once per thread, so twice with ZEROCONV_THREADS=2, plus at most a few hundred KB of
 * tensors (measured: 1.33 MB on one thread, 2.52 MB on two; init's warm-up reaches 1.29 MB).
 * A leak of a few KB per call would pass it within a few hundred of the 100,000 calls.
 */
const HIGH_WATER_BOUND = 4 * 1024 * 1024;
const FORWARDS = 100_000;
const STEPS = 10_000;

const figures: string[] = [];
beforeAll(async () => {
  await init();
});
afterAll(() => {
  for (const f of figures) console.log(f);
});

describe("soak", () => {
  it(`${FORWARDS.toLocaleString("en")} forward passes of changing tiny shapes: memory flat after the first 10%, nothing held at the end`, () => {
    const r = rng(2026);
    const start = memoryStats();
    // Ten shapes per kind, drawn once; each call takes one in a scrambled order, so blocks of
    // every size are freed and reused in ever different sequences.
    const convs = Array.from({ length: 10 }, () => {
      const N = randInt(r, 1, 4),
        C = randInt(r, 1, 3),
        H = randInt(r, 4, 64),
        W = randInt(r, 4, 64),
        FN = randInt(r, 1, 8),
        F = randInt(r, 1, 3);
      return {
        x: randTensor(r, [N, C, H, W]),
        w: randTensor(r, [FN, C, F, F]),
        b: randTensor(r, [FN]),
        stride: randInt(r, 1, 2),
        pad: randInt(r, 0, 1),
      };
    });
    const pools = Array.from({ length: 10 }, () => {
      const p = randInt(r, 2, 3);
      return {
        x: randTensor(r, [randInt(r, 1, 4), randInt(r, 1, 3), randInt(r, p, 64), randInt(r, p, 64)]),
        p,
        stride: randInt(r, 1, p),
      };
    });
    const matmuls = Array.from({ length: 10 }, () => {
      const M = randInt(r, 1, 128),
        K = randInt(r, 1, 128),
        N = randInt(r, 1, 128);
      return { a: randTensor(r, [M, K]), b: randTensor(r, [K, N]) };
    });
    const relus = Array.from({ length: 10 }, () =>
      randTensor(
        r,
        Array.from({ length: randInt(r, 1, 4) }, () => randInt(r, 1, 16)),
      ),
    );
    const affines = Array.from({ length: 10 }, () => {
      const rest = Array.from({ length: randInt(r, 1, 3) }, () => randInt(r, 1, 8)),
        M = randInt(r, 1, 32);
      const D = rest.reduce((a, b) => a * b, 1);
      const w = randTensor(r, [D, M]),
        b = randTensor(r, [M]);
      return { layer: new Affine(w.t, b.t), w, b, x: randTensor(r, [randInt(r, 1, 4), ...rest]) };
    });
    const cols = Array.from({ length: 10 }, (_, i) => ({
      ...convs[i],
      order: i % 2 === 0 ? ("kernel" as const) : ("output" as const),
    }));
    const relu = new Relu();

    const calls: (() => Tensor)[][] = [
      convs.map((c) => () => conv2d(c.x.t, c.w.t, c.b.t, { stride: c.stride, pad: c.pad })),
      pools.map((p) => () => maxPool2d(p.x.t, { poolH: p.p, poolW: p.p, stride: p.stride })),
      matmuls.map((m) => () => matmul(m.a.t, m.b.t)),
      relus.map((x) => () => relu.forward(x.t)),
      affines.map((a) => () => a.layer.forward(a.x.t)),
      cols.map((c) => () => im2col(c.x.t, c.w.t.shape[2], c.w.t.shape[3], c.stride, c.pad, c.order)),
    ];
    let settled = 0;
    const started = performance.now();
    for (let i = 0; i < FORWARDS; i++) {
      const kind = calls[i % calls.length];
      kind[(Math.floor(i / calls.length) * 7 + (i >> 5)) % kind.length]();
      if (i === FORWARDS / 10 - 1) settled = memoryStats().memoryBytes;
    }
    const seconds = (performance.now() - started) / 1000;
    const end = memoryStats();

    // Still right after all that: one of each kind against the reference.
    const c = convs[3],
      p = pools[3],
      m = matmuls[3],
      x = relus[3],
      a = affines[3],
      k = cols[3];
    expectClose(
      conv2d(c.x.t, c.w.t, c.b.t, { stride: c.stride, pad: c.pad }),
      refConv2d(c.x.ref, c.w.ref, c.b.ref, c.stride, c.pad),
      1e-5,
    );
    expectExact(
      maxPool2d(p.x.t, { poolH: p.p, poolW: p.p, stride: p.stride }),
      refMaxPool(p.x.ref, p.p, p.p, p.stride, p.stride, 0).y,
    );
    expectClose(matmul(m.a.t, m.b.t), refMatmul(m.a.ref, m.b.ref), 1e-5);
    expectExact(relu.forward(x.t), refRelu(x.ref));
    expectClose(a.layer.forward(a.x.t), refAffine(a.x.ref, a.w.ref, a.b.ref), 1e-5);
    expectExact(
      im2col(k.x.t, k.w.t.shape[2], k.w.t.shape[3], k.stride, k.pad, k.order),
      refIm2col(k.x.ref, k.w.t.shape[2], k.w.t.shape[3], k.stride, k.pad),
    );

    relu.dispose();
    for (const l of affines) l.layer.dispose();
    const disposed = memoryStats();
    figures.push(
      `soak: ${FORWARDS} forward passes in ${seconds.toFixed(1)} s; bytes in use ${start.bytesInUse} at the start, ` +
        `${end.bytesInUse} at the end with the layers' buffers, ${disposed.bytesInUse} after dispose(); high-water ${end.highWater} bytes; ` +
        `memory ${start.memoryBytes} bytes at the start, ${settled} after 10% of the passes, ${end.memoryBytes} at the end`,
    );
    expect(end.memoryBytes).toBe(settled);
    expect(end.highWater).toBeLessThan(HIGH_WATER_BOUND);
    expect(disposed.bytesInUse).toBe(start.bytesInUse);
  });

  it(`${STEPS.toLocaleString("en")} Adam training steps of a tiny SimpleConvNet: memory flat after the first 10%, nothing held after dispose()`, () => {
    const r = rng(7);
    const start = memoryStats();
    const net = new SimpleConvNet({
      inputDim: [1, 8, 8],
      convParam: { filterNum: 2, filterSize: 3 },
      hiddenSize: 8,
      weightInitStd: 0.1,
      seed: 3,
    });
    const adam = new Adam();
    // 64 images, each labelled by the quadrant that holds its brightest pixel: learnable, so the loss must fall.
    const pool = 64,
      image = 64;
    const xs = Float32Array.from({ length: pool * image }, () => r());
    const ts = Int32Array.from({ length: pool }, (_, n) => {
      let best = 0;
      for (let i = 1; i < image; i++) if (xs[n * image + i] > xs[n * image + best]) best = i;
      return (Math.floor(best / 8) < 4 ? 0 : 2) + (best % 8 < 4 ? 0 : 1);
    });
    const losses: number[] = [];
    let settled = 0;
    const started = performance.now();
    for (let step = 0; step < STEPS; step++) {
      // Batches of 4, and every 10th one of 1 to 3 images, so the buffers change size now and then.
      const n = step % 10 === 9 ? 1 + (Math.floor(step / 10) % 3) : 4;
      const first = (step * 4) % (pool - 4);
      const x: TensorLike = { shape: [n, 1, 8, 8], data: xs.subarray(first * image, (first + n) * image) };
      adam.update(net.params, net.gradient(x, ts.subarray(first, first + n)));
      losses.push(net.lastLoss);
      if (step === STEPS / 10 - 1) settled = memoryStats().memoryBytes;
    }
    const seconds = (performance.now() - started) / 1000;
    const end = memoryStats();
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    const [early, late] = [mean(losses.slice(0, 500)), mean(losses.slice(-500))];
    const accuracy = net.accuracy({ shape: [pool, 1, 8, 8], data: xs }, ts);

    adam.dispose();
    const disposed = memoryStats();
    figures.push(
      `soak: ${STEPS} training steps in ${seconds.toFixed(1)} s (mean loss ${early.toFixed(3)} over the first 500, ${late.toFixed(3)} over the last 500; ` +
        `accuracy ${accuracy.toFixed(2)} on the 64 images); bytes in use ${start.bytesInUse} at the start, ${end.bytesInUse} with Adam's moments, ` +
        `${disposed.bytesInUse} after dispose(); high-water ${end.highWater} bytes; memory ${start.memoryBytes} bytes at the start, ` +
        `${settled} after 10% of the steps, ${end.memoryBytes} at the end`,
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(late).toBeLessThan(early);
    expect(end.memoryBytes).toBe(settled);
    expect(end.highWater).toBeLessThan(HIGH_WATER_BOUND);
    expect(disposed.bytesInUse).toBe(start.bytesInUse);
  });

  it("20,000 calls of the general ops (conv2d's geometries, its gradients and transpose, the layer, pooling and its gradients, batched matmul, the ops on WasmTensors): memory flat after the first 10%", () => {
    const r = rng(11);
    const start = memoryStats();
    const cases = Array.from({ length: 12 }, (_, i) => {
      const c = drawConvCase(r, 24);
      const xs = [c.N, c.C, c.H, c.W];
      const x = randTensor(r, c.layout === "NCHW" ? xs : [c.N, c.H, c.W, c.C]).t;
      const ws = c.layout === "NCHW" ? [c.FN, c.Cg, c.FH, c.FW] : [c.FH, c.FW, c.Cg, c.FN];
      const w = randTensor(r, ws).t;
      const y = conv2d(x, w, null, c.opts as never);
      const layer = new Convolution(w, randTensor(r, [c.FN]).t, c.opts as never);
      return { c, x, w, y, layer, activation: ["relu6", "linear", "sigmoid"][i % 3] };
    });
    const pools = Array.from({ length: 8 }, (_, i) => {
      const layout = i % 2 === 0 ? ("NCHW" as const) : ("NHWC" as const);
      const [C, H, W] = [randInt(r, 1, 16), randInt(r, 3, 30), randInt(r, 3, 30)];
      const x = randTensor(r, layout === "NCHW" ? [2, C, H, W] : [2, H, W, C]).t;
      const opts = {
        window: randInt(r, 2, 3),
        stride: randInt(r, 1, 2),
        pad: i % 3 === 0 ? "same" : 1,
        layout,
      } as const;
      return { x, opts, y: avgPool2d(x, opts) };
    });
    const products = Array.from({ length: 6 }, () => {
      const [M, K, N] = [randInt(r, 1, 40), randInt(r, 1, 40), randInt(r, 1, 40)];
      return { a: randTensor(r, [3, M, K]).t, b: randTensor(r, [K, N]).t, dy: randTensor(r, [3, M, N]).t };
    });
    const depthwise = Array.from({ length: 4 }, (_, i) => {
      const [C, H, W, M] = [randInt(r, 1, 24), randInt(r, 3, 20), randInt(r, 3, 20), randInt(r, 1, 2)];
      const x = randTensor(r, [2, H, W, C]).t;
      const w = randTensor(r, [3, 3, C, M]).t;
      const opts = { stride: randInt(r, 1, 2), pad: i % 2 === 0 ? ("same" as const) : 1 };
      return { x, w, opts, dy: depthwiseConv2d(x, w, null, opts) };
    });
    // The same ops on WasmTensors, each result disposed: the resident blocks come and go.
    const resident = [
      ...cases.slice(0, 6).map(({ x, w }) => [toWasm(x), toWasm(w)]),
      ...pools.map(({ x }) => [toWasm(x)]),
    ];
    const freed = (y: WasmTensor) => y.dispose();
    const calls = [
      ...cases.slice(0, 6).map(
        ({ c }, i) =>
          () =>
            freed(conv2d(resident[i][0], resident[i][1], null, c.opts as never)),
      ),
      ...pools.flatMap(({ opts }, i) => {
        const x = resident[6 + i][0];
        return [
          () => freed(maxPool2d(x, opts)),
          () => freed(add(x, x, { activation: "relu" })),
          () => freed(globalAvgPool2d(x, { layout: opts.layout })),
        ];
      }),
      ...cases.flatMap(({ c, x, w, y, layer, activation }) => [
        () => conv2d(x, w, null, { ...c.opts, activation } as never),
        () => conv2dBackpropInput(y, w, x.shape, c.opts as never),
        () => conv2dBackpropFilter(x, y, w.shape, c.opts as never),
        () => layer.backward(layer.forward(x)),
      ]),
      ...pools.flatMap(({ x, opts, y }) => [
        () => maxPool2d(x, opts),
        () => avgPool2dBackward(y, x.shape, opts),
        () => maxPool2dBackward(y, x, opts),
        () => globalAvgPool2d(x, { layout: opts.layout }),
      ]),
      ...products.flatMap(({ a, b, dy }) => [
        () => matmul(a, b, { activation: "relu" }),
        () => matmulBackward(a, b, dy).da,
      ]),
      ...depthwise.flatMap(({ x, w, opts, dy }) => [
        () => depthwiseConv2d(x, w, null, { ...opts, activation: "relu6" }),
        () => depthwiseConv2dBackpropInput(dy, w, x.shape, opts),
        () => depthwiseConv2dBackpropFilter(x, dy, w.shape, opts),
      ]),
    ];
    let settled = 0;
    const CALLS = 20_000;
    for (let i = 0; i < CALLS; i++) {
      calls[(i * 7 + (i >> 4)) % calls.length]();
      if (i === CALLS / 10 - 1) settled = memoryStats().memoryBytes;
    }
    const end = memoryStats();
    for (const k of cases) k.layer.dispose();
    for (const t of resident.flat()) t.dispose();
    figures.push(
      `soak: ${CALLS} calls of the general ops; memory ${settled} bytes after 10%, ${end.memoryBytes} at the end; ` +
        `high-water ${end.highWater} bytes; ${memoryStats().bytesInUse} bytes in use after dispose()`,
    );
    expect(end.memoryBytes).toBe(settled);
    expect(end.highWater).toBeLessThan(HIGH_WATER_BOUND);
    expect(memoryStats().bytesInUse).toBe(start.bytesInUse);
  });
});
