import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  init,
  memoryStats,
  PARAM_NAMES,
  SimpleConvNet,
  Tensor,
  train,
  type SimpleConvNetOptions,
} from "../src/index.js";
import { refForward, refLossAndGradient, type RefParams } from "./reference_net.js";
import { expectClose, expectSameBytes, randInt, rng, toRef } from "./util.js";

beforeAll(async () => {
  await init();
});
const dir = mkdtempSync(join(tmpdir(), "zeroconv-net-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TinyCase {
  opts: SimpleConvNetOptions;
  N: number;
}

/** Small networks of every geometry the options allow, with weights big enough to matter. */
function tinyCase(seed: number): TinyCase {
  const r = rng(seed);
  const C = randInt(r, 1, 3),
    H = randInt(r, 4, 11),
    W = randInt(r, 4, 11);
  const filterSize = randInt(r, 1, 4),
    pad = randInt(r, 0, 2),
    stride = randInt(r, 1, 2);
  if (
    Math.floor((H + 2 * pad - filterSize) / stride) + 1 < 2 ||
    Math.floor((W + 2 * pad - filterSize) / stride) + 1 < 2
  )
    return tinyCase(seed + 1000);
  return {
    opts: {
      inputDim: [C, H, W],
      convParam: { filterNum: randInt(r, 1, 4), filterSize, pad, stride },
      hiddenSize: randInt(r, 1, 7),
      outputSize: randInt(r, 2, 6),
      weightInitStd: 0.5,
      seed,
    },
    N: randInt(r, 1, 5),
  };
}

function randomize(net: SimpleConvNet, seed: number): void {
  const r = rng(seed);
  for (const name of PARAM_NAMES)
    net.params[name].data.forEach((_, i, a) => {
      a[i] = r() * 2 - 1;
    });
}

function images(opts: SimpleConvNetOptions, N: number, seed: number): Tensor {
  const [C, H, W] = opts.inputDim!;
  const r = rng(seed);
  return new Tensor(
    Float32Array.from({ length: N * C * H * W }, () => r() * 2 - 1),
    [N, C, H, W],
  );
}

const refParams = (net: SimpleConvNet): RefParams =>
  Object.fromEntries(PARAM_NAMES.map((n) => [n, toRef(net.params[n])])) as unknown as RefParams;

const cases = Array.from({ length: 40 }, (_, i) => tinyCase(500 + i));

describe("SimpleConvNet", () => {
  it("is the book's network by default: the parameter shapes of ch07/simple_convnet.py", () => {
    const net = new SimpleConvNet({ seed: 1 });
    expect(Object.fromEntries(PARAM_NAMES.map((n) => [n, net.params[n].shape]))).toEqual({
      W1: [30, 1, 5, 5],
      b1: [30],
      W2: [4320, 100],
      b2: [100],
      W3: [100, 10],
      b3: [10],
    });
    expect(net.params.b1.data.every((v) => v === 0)).toBe(true);
    const w2 = net.params.W2.data;
    const mean = w2.reduce((a, b) => a + b, 0) / w2.length;
    const std = Math.sqrt(w2.reduce((a, b) => a + (b - mean) ** 2, 0) / w2.length);
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(Math.abs(std - 0.01)).toBeLessThan(2e-4);
  });

  it("gives the same weights for the same seed and different ones for another", () => {
    const a = new SimpleConvNet({ seed: 7 }),
      b = new SimpleConvNet({ seed: 7 }),
      c = new SimpleConvNet({ seed: 8 });
    expectSameBytes(a.params.W2.data, b.params.W2.data);
    expect(a.params.W1.data).not.toEqual(c.params.W1.data);
  });

  it(`predict matches the float64 reference network (${cases.length} geometries)`, () => {
    cases.forEach(({ opts, N }, i) => {
      const net = new SimpleConvNet(opts);
      randomize(net, i);
      const x = images(opts, N, 100 + i);
      const want = refForward(
        refParams(net),
        { stride: opts.convParam!.stride!, pad: opts.convParam!.pad! },
        toRef(x),
      ).scores;
      expectClose(net.predict(x), want, 1e-5);
      // Flattened images are the same images.
      expectClose(net.predict({ shape: [N, x.size / N], data: x.data }), want, 1e-5);
    });
  });

  it(`gradient and its loss match float64 backpropagation (${cases.length} geometries)`, () => {
    cases.forEach(({ opts, N }, i) => {
      const net = new SimpleConvNet(opts);
      randomize(net, 50 + i);
      const x = images(opts, N, 200 + i);
      const r = rng(300 + i);
      const t = Int32Array.from({ length: N }, () => randInt(r, 0, opts.outputSize! - 1));
      const want = refLossAndGradient(
        refParams(net),
        { stride: opts.convParam!.stride!, pad: opts.convParam!.pad! },
        toRef(x),
        t,
      );
      const grads = net.gradient(x, t);
      expect(net.lastLoss).toBeCloseTo(want.loss, 4);
      expect(net.loss(x, t)).toBeCloseTo(want.loss, 4);
      for (const name of PARAM_NAMES) {
        try {
          expectClose(grads[name], want.grads[name], 1e-4);
        } catch (e) {
          throw new Error(`case ${i} ${JSON.stringify(opts)} ${name}: ${(e as Error).message}`);
        }
      }
    });
  });

  it("gradient matches numerical derivatives of loss on a tiny network", () => {
    const opts: SimpleConvNetOptions = {
      inputDim: [1, 6, 6],
      convParam: { filterNum: 2, filterSize: 3, pad: 1, stride: 1 },
      hiddenSize: 4,
      outputSize: 3,
      seed: 3,
    };
    const net = new SimpleConvNet(opts);
    randomize(net, 9);
    const x = images(opts, 3, 10);
    const t = new Uint8Array([0, 2, 1]);
    const grads = net.gradient(x, t);
    const h = 1e-2;
    let checked = 0;
    for (const name of PARAM_NAMES) {
      const p = net.params[name].data;
      for (let i = 0; i < p.length; i++) {
        const keep = p[i];
        p[i] = keep + h;
        const up = net.loss(x, t);
        p[i] = keep - h;
        const down = net.loss(x, t);
        p[i] = keep;
        const numeric = (up - down) / (2 * h);
        // float32 losses and a finite step: a loose but meaningful bound (a wrong index or sign is off by far more).
        expect(Math.abs(grads[name].data[i] - numeric), `${name}[${i}]`).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
        checked++;
      }
    }
    expect(checked).toBe(2 * 9 + 2 + 2 * 9 * 4 + 4 + 4 * 3 + 3);
  });

  it("takes labels as class indices or one-hot rows, with the same loss and gradient", () => {
    const { opts, N } = cases[3];
    const net = new SimpleConvNet(opts);
    randomize(net, 1);
    const x = images(opts, N, 1);
    const K = opts.outputSize!;
    const idx = Uint8Array.from({ length: N }, (_, i) => i % K);
    const oneHot = new Tensor(new Float32Array(N * K), [N, K]);
    idx.forEach((c, i) => {
      oneHot.data[i * K + c] = 1;
    });
    expect(net.loss(x, oneHot)).toBe(net.loss(x, idx));
    expect(net.loss(x, Array.from(idx))).toBe(net.loss(x, idx));
    const a = net.gradient(x, idx),
      b = net.gradient(x, oneHot);
    for (const name of PARAM_NAMES) expect(b[name].data).toEqual(a[name].data);
  });

  it("gradient writes into opts.out's arrays, the same bits, and refuses a wrong out whole", () => {
    const { opts, N } = cases[3];
    const net = new SimpleConvNet(opts);
    randomize(net, 2);
    const x = images(opts, N, 2);
    const t = Uint8Array.from({ length: N }, (_, i) => i % opts.outputSize!);
    const want = net.gradient(x, t);
    const out = net.gradient(images(opts, N, 3), t); // another batch's gradients, overwritten
    const got = net.gradient(x, t, { out });
    for (const name of PARAM_NAMES) {
      expect(got[name]).toBe(out[name]);
      expect(got[name].data).toEqual(want[name].data);
    }
    const before = out.W1.data.slice();
    const bad = { ...out, W2: new Tensor(new Float32Array(3), [3]) };
    expect(() => net.gradient(x, t, { out: bad })).toThrow(
      new RangeError(
        `SimpleConvNet.gradient: opts.out.W2 must have W2's shape [${net.params.W2.shape.join(", ")}]; got [3]`,
      ),
    );
    expect(() => net.gradient(x, t, { out: { ...out, b3: undefined } as never })).toThrow(TypeError);
    expect(() => net.gradient(x, t, { outt: out } as never)).toThrow(TypeError);
    expect(out.W1.data).toEqual(before);
  });

  it("accuracy is the share of rows whose largest score is the label, for any batch size", () => {
    const opts: SimpleConvNetOptions = {
      inputDim: [1, 8, 8],
      convParam: { filterNum: 3, filterSize: 3 },
      hiddenSize: 6,
      outputSize: 4,
      weightInitStd: 0.5,
      seed: 2,
    };
    const net = new SimpleConvNet(opts);
    const N = 37;
    const x = images(opts, N, 5);
    const scores = net.predict(x);
    const r = rng(6);
    const t = Uint8Array.from({ length: N }, () => randInt(r, 0, 3));
    let correct = 0;
    for (let i = 0; i < N; i++) {
      const row = Array.from(scores.data.subarray(i * 4, i * 4 + 4));
      if (row.indexOf(Math.max(...row)) === t[i]) correct++;
    }
    for (const batch of [1, 5, 36, 37, 100]) expect(net.accuracy(x, t, batch)).toBe(correct / N);
  });

  it("rejects bad input with TypeError or RangeError naming the argument, and holds no memory after a call", () => {
    const net = new SimpleConvNet({ seed: 1 });
    const before = memoryStats().bytesInUse;
    const x = new Tensor(new Float32Array(2 * 784), [2, 1, 28, 28]);
    expect(() => net.predict(new Tensor(new Float32Array(2 * 3 * 28 * 28), [2, 3, 28, 28]))).toThrow(
      /x must be \[N, 1, 28, 28\].*got \[2, 3, 28, 28\]/,
    );
    expect(() => net.predict({ shape: [2, 783], data: new Float32Array(2 * 783) })).toThrow(RangeError);
    expect(() => net.predict("x" as never)).toThrow(TypeError);
    expect(() => net.loss(x, new Uint8Array([1]))).toThrow(/t has 1 labels but x has 2 images/);
    expect(() => net.loss(x, new Uint8Array([1, 10]))).toThrow(/t\[1\] must be a class index in 0\.\.9; got 10/);
    expect(() => net.gradient(x, new Float32Array([1, 2]) as never)).toThrow(TypeError);
    expect(() => net.accuracy(x, new Uint8Array([1, 2]), 0)).toThrow(/batchSize must be an integer >= 1/);
    expect(() => new SimpleConvNet({ convParam: { filterSize: 40 } })).toThrow(/output height would be below 1/);
    expect(() => new SimpleConvNet({ inputDim: [1, 28] as never })).toThrow(/inputDim must be \[C, H, W\]/);
    net.gradient(x, new Uint8Array([1, 2]));
    net.predict(x);
    expect(memoryStats().bytesInUse).toBe(before);
  });

  it("saves and loads its parameters as .safetensors and .pkl, from a path or the bytes", async () => {
    const { readFileSync } = await import("node:fs");
    const a = new SimpleConvNet({ seed: 11 });
    for (const file of ["w.safetensors", "w.pkl"]) {
      const path = join(dir, file);
      a.saveParams(path);
      const b = new SimpleConvNet({ seed: 12 });
      b.loadParams(path);
      for (const name of PARAM_NAMES) expectSameBytes(b.params[name].data, a.params[name].data);
      const c = new SimpleConvNet({ seed: 13 });
      c.loadParams(new Uint8Array(readFileSync(path)));
      for (const name of PARAM_NAMES) expectSameBytes(c.params[name].data, a.params[name].data);
    }
  });

  it("refuses weights of another shape and keeps its own", () => {
    const small = new SimpleConvNet({ hiddenSize: 50, seed: 1 });
    const path = join(dir, "small.safetensors");
    small.saveParams(path);
    const net = new SimpleConvNet({ seed: 2 });
    const before = net.params.W1.data.slice();
    expect(() => net.loadParams(path)).toThrow(
      /W2 in the file has shape \[4320, 50\]; this network's W2 is \[4320, 100\]/,
    );
    expectSameBytes(net.params.W1.data, before);
    expect(() => net.saveParams(join(dir, "w.txt"))).toThrow(/name it \.pkl .* or \.safetensors/);
    expect(() => net.loadParams(42 as never)).toThrow(TypeError);
  });

  it("trains: a few hundred Adam steps on synthetic images lift accuracy far above chance", () => {
    // Ten classes of 12x12 "images": a bar on one of five rows or five columns, plus noise.
    // Independent of MNIST; the committed MNIST weights are checked in test/mnist-network.test.ts.
    const r = rng(42);
    const make = (n: number): [Tensor, Uint8Array] => {
      const x = new Float32Array(n * 144),
        t = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const c = randInt(r, 0, 9);
        t[i] = c;
        for (let p = 0; p < 144; p++) x[i * 144 + p] = 0.5 * r();
        const line = 1 + 2 * (c % 5);
        for (let k = 0; k < 12; k++) x[i * 144 + (c < 5 ? line * 12 + k : k * 12 + line)] = 1;
      }
      return [new Tensor(x, [n, 1, 12, 12]), t];
    };
    const net = new SimpleConvNet({
      inputDim: [1, 12, 12],
      convParam: { filterNum: 4, filterSize: 3 },
      hiddenSize: 16,
      outputSize: 10,
      seed: 5,
    });
    const trainSet = make(2000),
      testSet = make(500);
    const result = train(net, trainSet, testSet, { epochs: 3, batchSize: 20, evalSamples: 500, seed: 1 });
    expect(result.losses.length).toBe(300);
    expect(result.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    expect(result.epochs[0].testAccuracy).toBeLessThan(0.3); // untrained: about chance, 0.1
    expect(result.testAccuracy).toBeGreaterThan(0.95);
    expect(result.losses.slice(-20).reduce((a, b) => a + b) / 20).toBeLessThan(result.losses[0] / 4);
  });

  it("training is reproducible: the same seeds give the same weights", () => {
    const run = (): Float32Array => {
      const net = new SimpleConvNet({
        inputDim: [1, 8, 8],
        convParam: { filterNum: 2, filterSize: 3 },
        hiddenSize: 5,
        outputSize: 3,
        seed: 4,
      });
      const x = images({ inputDim: [1, 8, 8] }, 60, 3);
      const t = Uint8Array.from({ length: 60 }, (_, i) => i % 3);
      train(net, [x, t], [x, t], { epochs: 2, batchSize: 10, seed: 9 });
      return net.params.W2.data;
    };
    expect(run()).toEqual(run());
  });
});
