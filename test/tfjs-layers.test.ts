// tf.layers CNNs trained on real MNIST on the "zeroconv" backend and on tfjs's "cpu" backend from
// the same initial weights and batches: the same losses step by step and the same predictions
// after; and over a thousand steps neither tfjs's tensor count nor zeroconv's memory grows, and
// disposing the model gives back the WASM copies its tensors' entries kept.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnist } from "../src/formats/mnist.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { memoryStats } from "../src/runtime/memory_stats.js";
import { kernelStats, registerBackend } from "../src/tfjs/index.js";
import { rng } from "./util.js";

let train: Tensor;
let labels: Uint8Array;
let test: Tensor;

beforeAll(async () => {
  await registerBackend();
  const [[x, t], [xt]] = await loadMnist({ normalize: true });
  [train, labels, test] = [x, t, xt];
});

/** The book's SimpleConvNet in tf.layers (NHWC). */
function simpleConvNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 30, kernelSize: 5, activation: "relu" }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 100, activation: "relu" }));
  m.add(tf.layers.dense({ units: 10 }));
  return m;
}

/** A small depthwise-separable net: separable and depthwise convs, "same" padding, average pools. */
function separableNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [28, 28, 1],
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: "same",
      activation: "relu",
    }),
  );
  m.add(tf.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: "same", activation: "relu" }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "valid", activation: "relu6" }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 10 }));
  return m;
}

/** Every kind of layer above, small, for the thousand-step memory check. */
function tinyNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, activation: "relu" }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", activation: "relu" }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 10 }));
  return m;
}

/** Whether 50 steps of SGD visibly lower the loss (the separable net's global pooling learns slowly). */
const NETS = {
  simpleConvNet: { make: simpleConvNet, learns: true },
  separableNet: { make: separableNet, learns: false },
};

/** Seeded He-uniform weights (biases zero), so that a run's cpu results can be reused by the next. */
function initialWeights(make: () => tf.Sequential, seed: number): Float32Array[] {
  const r = rng(seed);
  const m = make();
  const shapes = m.getWeights().map((w) => w.shape);
  m.dispose();
  return shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    if (s.length === 1) return new Float32Array(n);
    const limit = Math.sqrt(6 / (n / s[s.length - 1]));
    return Float32Array.from({ length: n }, () => (r() * 2 - 1) * limit);
  });
}

/**
 * tfjs-cpu's results for these weights, computed once per checkout: npm test runs this file in
 * three builds, and cpu's pure-JS training (about 10 images/s) would take half a minute each time.
 */
async function cpuResults(name: string, make: () => tf.Sequential, weights: Float32Array[]) {
  const file = `out/tfjs-layers-cpu.${name}.json`;
  const key = JSON.stringify({
    tfjs: tf.version.tfjs,
    STEPS,
    BATCH,
    PREDICT,
    sum: weights.map((w) => w.reduce((a, b) => a + b, 0)),
  });
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, "utf8"));
    if (cached.key === key) return cached.results as Awaited<ReturnType<typeof run>>;
  }
  const results = await run("cpu", make, weights);
  mkdirSync("out", { recursive: true });
  writeFileSync(file, JSON.stringify({ key, results: { ...results, logits: [] } }));
  return results;
}

function compiled(make: () => tf.Sequential, weights: Float32Array[]): tf.Sequential {
  const m = make();
  if (weights.length > 0) m.setWeights(weights.map((w, i) => tf.tensor(w, m.getWeights()[i].shape)));
  m.compile({
    optimizer: tf.train.sgd(0.1),
    loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p),
  });
  return m;
}

function batch(step: number, size: number): [tf.Tensor4D, tf.Tensor2D] {
  const from = step * size;
  const x = tf.tensor4d(train.data.subarray(from * 784, (from + size) * 784), [size, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from(labels.subarray(from, from + size)), "int32"), 10) as tf.Tensor2D;
  return [x, y];
}

const [STEPS, BATCH, PREDICT] = [50, 2, 100];

/**
 * tfjs's trainOnBatch resolves through microtasks only: a loop of them never lets vitest's worker
 * answer its runner, which gives up ("Timeout calling onTaskUpdate") on a loaded machine.
 */
const breathe = () => new Promise((resolve) => setImmediate(resolve));

/** STEPS steps of BATCH images from the same start: the losses, and the test predictions after. */
async function run(backend: string, make: () => tf.Sequential, weights: Float32Array[]) {
  await tf.setBackend(backend);
  const m = compiled(make, weights);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const [x, y] = batch(s, BATCH);
    losses.push((await m.trainOnBatch(x, y)) as number);
    tf.dispose([x, y]);
    await breathe();
  }
  const xt = tf.tensor4d(test.data.subarray(0, PREDICT * 784), [PREDICT, 28, 28, 1]);
  const p = m.predict(xt) as tf.Tensor;
  const predicted = Array.from(p.argMax(-1).dataSync());
  tf.dispose([xt, p]);
  m.dispose();
  return { losses, predicted };
}

describe("tf.layers on the zeroconv backend", () => {
  for (const [name, { make, learns }] of Object.entries(NETS)) {
    it(`${name}: ${STEPS} SGD steps on MNIST give cpu's losses to 1e-4 and its predictions`, async () => {
      const weights = initialWeights(make, 7);
      kernelStats(true);
      const zc = await run("zeroconv", make, weights);
      const stats = kernelStats();
      const served = Object.values(stats).reduce((n, c) => n + c.zeroconv, 0);
      // The separable net's global average pool is tfjs's Mean over the pixels.
      if (name === "separableNet") expect(stats.Mean.zeroconv).toBeGreaterThan(0);
      const cpu = await cpuResults(name, make, weights);
      expect(served).toBeGreaterThan(100);
      const worst = Math.max(...zc.losses.map((l, i) => Math.abs(l - cpu.losses[i]) / Math.abs(cpu.losses[i])));
      console.log(
        `${name}: losses ${cpu.losses[0].toFixed(4)} -> ${cpu.losses[STEPS - 1].toFixed(4)}, worst relative difference ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThan(1e-4);
      if (learns) expect(zc.losses[STEPS - 1]).toBeLessThan(zc.losses[0]);
      expect(zc.predicted).toEqual(cpu.predicted);
    });
  }

  it("1,000 training steps keep tfjs's tensor count and zeroconv's memory flat; removing the backend frees it", async () => {
    // A fresh backend: the earlier tests' undisposed tensors (and their WASM copies) go with the
    // old one, so that none is garbage-collected (its copy freed) while this test counts bytes.
    tf.removeBackend("zeroconv");
    await registerBackend();
    await tf.setBackend("zeroconv");
    const base = memoryStats().bytesInUse;
    const m = compiled(tinyNet, []);
    const [x, y] = batch(0, 2);
    await m.trainOnBatch(x, y);
    const tensors = tf.memory().numTensors;
    // The weights and x, copied into WASM memory by their first step's kernels, stay there.
    const resident = memoryStats().bytesInUse;
    expect(resident).toBeGreaterThan(base);
    for (let s = 0; s < 1000; s++) {
      await m.trainOnBatch(x, y);
      if (s % 20 === 0) await breathe();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(memoryStats().bytesInUse).toBe(resident);
    tf.dispose([x, y]);
    m.dispose();
    m.optimizer.dispose();
    expect(memoryStats().bytesInUse).toBe(base);
    tf.removeBackend("zeroconv");
    expect(memoryStats().bytesInUse).toBe(base);
    await registerBackend();
    await tf.setBackend("zeroconv");
    expect(tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()).toEqual(new Float32Array([4, 6]));
  });
});
