// The zeroconv backend keeps tensors in WASM memory between its kernels (src/tfjs/backend.ts):
// an input's copy stays on its entry, a kernel's result is copied out only when something reads
// it. Every path that reads such a result (a CPU kernel, dataSync, a reshape into another
// zeroconv kernel, a move to another backend) must see tfjs-cpu's values, and every copy must be
// given back when its tensor or the backend goes.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStats } from "../src/runtime/memory_stats.js";
import { type ZeroconvBackend, registerBackend } from "../src/tfjs/index.js";
import { setLazyOutputs } from "../src/tfjs/backend.js";
import { rng } from "./util.js";

beforeAll(async () => {
  await registerBackend();
  await tf.setBackend("zeroconv");
});
afterAll(() => setLazyOutputs(true));

function random<T extends tf.Tensor = tf.Tensor4D>(shape: number[], seed: number): T {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => r() * 2 - 1),
    shape,
  ) as T;
}

/** The tensor's entry in the zeroconv backend, as backend.ts keeps it. */
function entry(t: tf.Tensor): { resident?: unknown; materialised?: boolean } {
  const backend = tf.backend() as ZeroconvBackend;
  return backend.data.get(t.dataId) as { resident?: unknown; materialised?: boolean };
}

/**
 * A small network through every kind of consumer of a kept result: zeroconv kernels (pool, add,
 * mean, a matmul after a reshape), a CPU kernel (tanh), a reshape that shares the dataId, and
 * the same dataId under two shapes in one matmul. Its outputs, as arrays.
 */
function net(seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = random([2, 9, 9, 3], seed);
    const w = random([3, 3, 3, 6], seed + 1);
    const b = random<tf.Tensor1D>([6], seed + 2);
    const dw = random([3, 3, 6, 1], seed + 3);
    const h = tf.fused.conv2d({ x, filter: w, bias: b, activation: "relu", pad: "same", strides: 1 });
    const d = tf.fused.depthwiseConv2d({ x: h, filter: dw, pad: "same", strides: 1, activation: "relu6" });
    const p = tf.maxPool(d, 2, 2, "valid");
    const a = tf.avgPool(h, 3, 1, "same");
    const r = tf.add(a, h);
    const g = tf.mean(r, [1, 2]);
    const f = tf.reshape(p, [2, 96]);
    const k = tf.matMul(f, random<tf.Tensor2D>([96, 5], seed + 4));
    const sq = tf.matMul(tf.reshape(g, [4, 3]), tf.reshape(g, [3, 4]));
    const t = tf.tanh(tf.conv2d(x, w, 1, "valid"));
    // A training step's element-wise kernels on kept results: relu's gradient, a bias and its
    // gradient, an optimiser's update against scalars.
    const dr = tf.mul(d, tf.step(h));
    const e = tf.sqrt(tf.square(tf.relu(tf.sub(tf.add(dr, b), 0.25))));
    const u = tf.div(tf.sub(tf.mul(e, 0.9), tf.scalar(0.5)), tf.add(tf.scalar(2), e));
    const s = tf.sum(u, [0, 1, 2]);
    return [g, k, sq, t, d, u, s].map((v) => v.dataSync() as Float32Array);
  });
}

function worst(a: Float32Array, b: Float32Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

describe("tensors kept in WASM memory between the zeroconv backend's kernels", () => {
  for (const lazy of [true, false]) {
    it(`give tfjs-cpu's values through zeroconv kernels, CPU kernels and reshapes (${lazy ? "lazy" : "eager"} outputs)`, async () => {
      setLazyOutputs(lazy);
      await tf.setBackend("cpu");
      const want = net(11);
      await tf.setBackend("zeroconv");
      const base = memoryStats().bytesInUse;
      const tensors = tf.memory().numTensors;
      const got = net(11);
      expect(got.map((g) => g.length)).toEqual(want.map((w) => w.length));
      for (let i = 0; i < want.length; i++) expect(worst(got[i], want[i]), `output ${i}`).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(memoryStats().bytesInUse).toBe(base);
      setLazyOutputs(true);
    });
  }

  it("leave a result in WASM memory until it is read, and copy the weights in once", () => {
    const x = random([1, 8, 8, 4], 21);
    const w = random([3, 3, 4, 8], 22);
    const base = memoryStats().bytesInUse;
    const y = tf.conv2d(x, w, 1, "same");
    expect(entry(y).resident).toBeDefined();
    expect(entry(y).materialised).toBe(false);
    // x and w now have their copies; a second conv copies neither again: only its result is new.
    const kept = memoryStats().bytesInUse;
    expect(kept - base).toBeGreaterThanOrEqual((64 * 4 + 288 + 64 * 8) * 4);
    const z = tf.conv2d(x, w, 1, "same");
    expect(memoryStats().bytesInUse - kept).toBeLessThanOrEqual(64 * 8 * 4 + 64);
    const p = tf.maxPool(y, 2, 2, "valid");
    expect(entry(y).materialised).toBe(false);
    expect(Array.from(y.dataSync())).toEqual(Array.from(z.dataSync()));
    expect(entry(y).materialised).toBe(true);
    tf.dispose([y, z, p]);
    tf.dispose([x, w]);
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("read a kept result from the CPU backend after tf.setBackend, and give its copy back", async () => {
    const x = random([1, 6, 6, 2], 31);
    const w = random([3, 3, 2, 3], 32);
    const base = memoryStats().bytesInUse;
    const y = tf.conv2d(x, w, 1, "valid");
    const want = Array.from(y.dataSync());
    const z = tf.conv2d(x, w, 1, "valid");
    await tf.setBackend("cpu");
    // z's values move to the CPU backend at its first read there; zeroconv's entry, and its copy, go.
    expect(Array.from(tf.add(z, 0).dataSync())).toEqual(want);
    await tf.setBackend("zeroconv");
    tf.dispose([x, w, y, z]);
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("run the CPU kernel on a max pool's NaN, without leaking its result", () => {
    const data = Float32Array.from({ length: 16 }, (_, i) => (i === 5 ? Number.NaN : i));
    const x = tf.tensor4d(data, [1, 4, 4, 1]);
    const base = memoryStats().bytesInUse;
    const p = tf.maxPool(x, 2, 2, "valid");
    expect(Array.from(p.dataSync())).toEqual([4, 7, 13, 15]);
    // The NaN test sums the result: infinities of both signs (whose sum is NaN) still pool right.
    const inf = tf.tensor4d([Infinity, 1, -Infinity, -Infinity, 3, 4, -Infinity, -Infinity], [1, 2, 4, 1]);
    const q = tf.maxPool(inf, 2, 2, "valid");
    expect(Array.from(q.dataSync())).toEqual([Infinity, -Infinity]);
    const g = tf.grad((v) => tf.maxPool(v as tf.Tensor4D, 2, 2, "valid").sum())(x);
    expect(Array.from(g.dataSync()).filter((v) => v !== 0).length).toBe(4);
    tf.dispose([p, q, g, inf]);
    x.dispose();
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("let a tensor dropped without dispose() take its copy with it when it is garbage-collected", async () => {
    // tfjs-backend-cpu keeps its entries in a WeakMap: code that never disposes relies on the GC.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const base = memoryStats().bytesInUse;
    (() => {
      const x = random([4, 16, 16, 8], 51);
      tf.avgPool(tf.maxPool(x, 2, 2, "valid"), 2, 1, "same");
    })();
    expect(memoryStats().bytesInUse).toBeGreaterThan(base);
    for (let i = 0; i < 20 && memoryStats().bytesInUse > base; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(memoryStats().bytesInUse).toBe(base);
  });

  it("give every copy back when the backend is removed", async () => {
    const base = memoryStats().bytesInUse;
    const x = random([1, 5, 5, 2], 41);
    const y = tf.avgPool(x, 2, 1, "valid");
    expect(entry(y).resident).toBeDefined();
    expect(memoryStats().bytesInUse).toBeGreaterThan(base);
    tf.removeBackend("zeroconv");
    expect(memoryStats().bytesInUse).toBe(base);
    await registerBackend();
    await tf.setBackend("zeroconv");
  });
});
