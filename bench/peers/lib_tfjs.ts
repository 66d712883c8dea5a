// TensorFlow.js with its WebAssembly backend (XNNPACK). The WASM backend takes NHWC activations and
// HWIO filters only, so inputs and weights are converted once, outside the timed function; each op
// creates its input tensors from typed arrays, runs, and reads the output back with dataSync().
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import path from "node:path";
import { networkCase, nchwToNhwc, nhwcToNchw, oihwToHwio, testBatches, type Library } from "./common.js";

const BINARIES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
] as const;

/**
 * Starts the backend with `threads` XNNPACK threads. Only the binary it should pick is reachable
 * (the others map to a missing file), so a run proves which build it is.
 */
export async function tfjsLibrary(threads: number): Promise<Library> {
  const dir = path.join(
    path.dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json")),
    "dist",
  );
  const want = threads > 1 ? "tfjs-backend-wasm-threaded-simd.wasm" : "tfjs-backend-wasm-simd.wasm";
  if (threads > 1) {
    // tfjs-backend-wasm answers WASM_HAS_MULTITHREAD_SUPPORT = false whenever IS_NODE
    // (tensorflow/tfjs#3830); override it to try the threaded build anyway.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  }
  const map = Object.fromEntries(
    BINARIES.map((f) => [f, f === want ? path.join(dir, f) : path.join(dir, "missing", f)]),
  );
  setWasmPaths(map as Record<(typeof BINARIES)[number], string>);
  setThreadsCount(threads);
  // tfjs reports a failed backend on the console and returns false: keep what it says for the reason.
  const said: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    said.push(a.map(String).join(" "));
  };
  const ok = await tf.setBackend("wasm").finally(() => {
    console.warn = warn;
  });
  if (!ok) {
    const cause = said.find((s) => /Error/.test(s))?.split("\n")[0] ?? said.join(" ");
    throw new Error(`tfjs: the wasm backend did not initialise with ${want}: ${cause}`);
  }
  const actual = getThreadsCount();
  if (actual !== threads) throw new Error(`tfjs: asked for ${threads} threads, XNNPACK runs ${actual}`);

  const read = (t: tf.Tensor): Float32Array => {
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  };
  /** NHWC conv with weights kept as tensors; optional bias fused in. */
  const conv = (
    xNhwc: Float32Array,
    shape: [number, number, number, number],
    filter: tf.Tensor4D,
    bias: tf.Tensor1D | undefined,
    stride: number,
    pad: number,
    out: [number, number, number, number],
  ) => {
    const padding: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ];
    const run = () =>
      read(
        tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(xNhwc, shape), filter, strides: stride, pad: padding, bias })),
      );
    const [N, OH, OW, OC] = out;
    return { run, output: async () => nhwcToNchw(run(), N, OC, OH, OW) };
  };

  return {
    info: {
      package: "@tensorflow/tfjs-backend-wasm",
      binary: want,
      simd: (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) as boolean,
      threads: actual,
      layout: "NHWC",
    },
    cases: {
      W1: async (d) => {
        const p = d.params();
        // MNIST has one channel: NCHW and NHWC are the same bytes.
        return conv(
          await d.w1x(),
          [100, 28, 28, 1],
          tf.tensor4d(oihwToHwio(p.W1, 30, 1, 5, 5), [5, 5, 1, 30]),
          tf.tensor1d(p.b1),
          1,
          0,
          [100, 24, 24, 30],
        );
      },
      W2: async (d) => {
        const x = nchwToNhwc(await d.w2x(), 100, 30, 24, 24);
        const run = () => read(tf.tidy(() => tf.maxPool(tf.tensor4d(x, [100, 24, 24, 30]), 2, 2, "valid")));
        return { run, output: async () => nhwcToNchw(run(), 100, 30, 12, 12) };
      },
      W3: async (d) => {
        const p = d.params();
        const W1 = tf.tensor4d(oihwToHwio(p.W1, 30, 1, 5, 5), [5, 5, 1, 30]);
        const b1 = tf.tensor1d(p.b1);
        // The book flattens pooled NCHW [30, 12, 12]; NHWC flattens [12, 12, 30]: permute W2's rows once.
        const W2 = new Float32Array(p.W2.length);
        for (let c = 0; c < 30; c++)
          for (let i = 0; i < 144; i++) {
            W2.set(p.W2.subarray((c * 144 + i) * 100, (c * 144 + i + 1) * 100), (i * 30 + c) * 100);
          }
        const w2 = tf.tensor2d(W2, [4320, 100]);
        const b2 = tf.tensor1d(p.b2);
        const w3 = tf.tensor2d(p.W3, [100, 10]);
        const b3 = tf.tensor1d(p.b3);
        const { xs, t } = await testBatches(d);
        return networkCase(t, (i) =>
          read(
            tf.tidy(() => {
              const h = tf.fused.conv2d({
                x: tf.tensor4d(xs[i], [100, 28, 28, 1]),
                filter: W1,
                strides: 1,
                pad: "valid",
                bias: b1,
                activation: "relu",
              });
              const pooled = tf.reshape(tf.maxPool(h, 2, 2, "valid"), [100, 4320]);
              const hidden = tf.fused.matMul({ a: pooled, b: w2, bias: b2, activation: "relu" });
              return tf.fused.matMul({ a: hidden, b: w3, bias: b3 });
            }),
          ),
        );
      },
      W4: async (d) => {
        const { x, W } = d.w4();
        return conv(
          nchwToNhwc(x, 1, 64, 56, 56),
          [1, 56, 56, 64],
          tf.tensor4d(oihwToHwio(W, 64, 64, 3, 3), [3, 3, 64, 64]),
          undefined,
          1,
          1,
          [1, 56, 56, 64],
        );
      },
      W5: async (d) => {
        const { x, W } = d.w5();
        return conv(
          nchwToNhwc(x, 1, 3, 224, 224),
          [1, 224, 224, 3],
          tf.tensor4d(oihwToHwio(W, 64, 3, 7, 7), [7, 7, 3, 64]),
          undefined,
          2,
          3,
          [1, 112, 112, 64],
        );
      },
      W6: async (d) => {
        const { a, b } = d.w6();
        const run = () => read(tf.tidy(() => tf.matMul(tf.tensor2d(a, [512, 512]), tf.tensor2d(b, [512, 512]))));
        return { run, output: async () => run() };
      },
    },
  };
}
