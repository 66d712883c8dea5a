// TensorFlow.js with its WebAssembly backend (XNNPACK). The WASM backend takes NHWC activations and
// HWIO filters only, so inputs and weights are converted once, outside the timed function; each op
// creates its input tensors from typed arrays, runs, and reads the output back with dataSync().
// W8-W14 use the fused ops (tf.fused.conv2d / depthwiseConv2d with bias and relu6 in one kernel);
// tfjs has no grouped convolution, so W13 is 32 convs on tf.split's slices and a tf.concat.
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import path from "node:path";
import {
  networkCase,
  nchwToNhwc,
  nhwcRows,
  nhwcToNchw,
  oihwToHwio,
  testBatches,
  type BenchData,
  type Case,
  type Library,
} from "./common.js";
import type { MbConv, Network } from "./mobilenet_v2.js";

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
        const w2 = tf.tensor2d(nhwcRows(p.W2, 30, 144, 100), [4320, 100]);
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
      W8: async (d) => mobileConv(d, "W8"),
      W9: async (d) => mobileConv(d, "W9"),
      W10: async (d) => mobileConv(d, "W10"),
      W11: async (d) => mobileConv(d, "W11"),
      W12a: async (d) => {
        const x = nchwToNhwc(d.pool("W12a"), 1, 64, 56, 56);
        // TensorFlow's "same" average pool divides by the taps inside the image (padding not counted).
        const run = () => read(tf.tidy(() => tf.avgPool(tf.tensor4d(x, [1, 56, 56, 64]), 3, 1, "same")));
        return { run, output: async () => nhwcToNchw(run(), 1, 64, 56, 56), layout: "NHWC" };
      },
      W12b: async (d) => {
        const x = nchwToNhwc(d.pool("W12b"), 1, 1280, 7, 7);
        const run = () => read(tf.tidy(() => tf.mean(tf.tensor4d(x, [1, 7, 7, 1280]), [1, 2])));
        return { run, output: async () => run(), layout: "NHWC", note: "tf.mean over H and W" };
      },
      W13: async (d) => mobileConv(d, "W13"),
      W14: async (d) => {
        const { net, x } = d.mobileNet();
        return mobileNet(net, x);
      },
      W15: async (d) => {
        const { net, x } = d.resNet();
        return mobileNet(net, x);
      },
    },
  };
}

/** W8-W11, W13 in NHWC: fused depthwise / full conv, or (W13) one conv per group and a concat. */
function mobileConv(d: BenchData, id: "W8" | "W9" | "W10" | "W11" | "W13"): Case {
  const c = d.conv(id);
  const [, C, H, W] = c.xShape;
  const [FN, CG, FH, FW] = c.w;
  const [, , OH, OW] = c.y;
  const x = nchwToNhwc(c.x, 1, C, H, W);
  const hwio = oihwToHwio(c.W, FN, CG, FH, FW);
  const activation = c.relu6 ? ("relu6" as const) : undefined;
  const [top, bottom, left, right] = c.pads;
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const xShape: [number, number, number, number] = [1, H, W, C];
  let body: (xt: tf.Tensor4D) => tf.Tensor;
  let note: string | undefined;
  if (c.groups === C && CG === 1) {
    // HWIO [FH, FW, 1, C] is depthwise's [FH, FW, C, 1]; "same" is the only padding it takes besides a number.
    const filter = tf.tensor4d(hwio, [FH, FW, C, 1]);
    const bias = tf.tensor1d(c.b);
    body = (xt) =>
      tf.fused.depthwiseConv2d({
        x: xt,
        filter,
        strides: c.stride,
        pad: c.tfPad,
        dilations: c.dilation,
        bias,
        activation,
      });
  } else if (c.groups === 1) {
    const filter = tf.tensor4d(hwio, [FH, FW, CG, FN]);
    const bias = tf.tensor1d(c.b);
    body = (xt) => tf.fused.conv2d({ x: xt, filter, strides: c.stride, pad, dilations: c.dilation, bias, activation });
  } else {
    // Group g: input channels g·CG.., output channels g·FG..; its HWIO slice [FH, FW, CG, FG].
    const FG = FN / c.groups;
    const filters = Array.from({ length: c.groups }, (_, g) => {
      const f = new Float32Array(FH * FW * CG * FG);
      for (let k = 0; k < FH * FW * CG; k++) for (let o = 0; o < FG; o++) f[k * FG + o] = hwio[k * FN + g * FG + o];
      return tf.tensor4d(f, [FH, FW, CG, FG]);
    });
    const biases = Array.from({ length: c.groups }, (_, g) => tf.tensor1d(c.b.subarray(g * FG, (g + 1) * FG)));
    body = (xt) =>
      tf.concat(
        (tf.split(xt, c.groups, 3) as tf.Tensor4D[]).map((xg, g) =>
          tf.fused.conv2d({ x: xg, filter: filters[g], strides: c.stride, pad, bias: biases[g], activation }),
        ),
        3,
      );
    note = `${c.groups} tf.fused.conv2d on tf.split's slices, then tf.concat (tfjs has no grouped conv)`;
  }
  const run = () => read(tf.tidy(() => body(tf.tensor4d(x, xShape))));
  return { run, output: async () => nhwcToNchw(run(), 1, FN, OH, OW), layout: "NHWC", ...(note ? { note } : {}) };
}

/**
 * W14 or W15 as one tf.tidy: fused conv / depthwise (bias + relu6 or relu), tf.maxPool, tf.add
 * (+ tf.relu), tf.mean, fused matMul (bias).
 */
export function mobileNet(net: Network, xNchw: Float32Array): Case {
  const [, C0, H0, W0] = net.inShape;
  const x = nchwToNhwc(xNchw, 1, C0, H0, W0);
  const steps: ((v: Map<string, tf.Tensor>) => void)[] = [];
  for (const l of net.layers) {
    switch (l.kind) {
      case "conv": {
        const CG = l.inC / l.groups;
        const hwio = oihwToHwio(l.W, l.outC, CG, l.k, l.k);
        const bias = tf.tensor1d(l.b);
        const activation = l.activation === "linear" ? undefined : l.activation;
        const pad = tfPad(l);
        if (l.groups === l.inC && l.groups > 1) {
          if (typeof pad !== "string") throw new Error(`${l.name}: tfjs' depthwise conv takes "same" or "valid" only`);
          const filter = tf.tensor4d(hwio, [l.k, l.k, l.inC, 1]);
          steps.push((v) =>
            v.set(
              l.output,
              tf.fused.depthwiseConv2d({
                x: v.get(l.input) as tf.Tensor4D,
                filter,
                strides: l.stride,
                pad,
                bias,
                activation,
              }),
            ),
          );
        } else {
          const filter = tf.tensor4d(hwio, [l.k, l.k, CG, l.outC]);
          steps.push((v) =>
            v.set(
              l.output,
              tf.fused.conv2d({ x: v.get(l.input) as tf.Tensor4D, filter, strides: l.stride, pad, bias, activation }),
            ),
          );
        }
        break;
      }
      case "add":
        steps.push((v) => {
          const sum = tf.add(v.get(l.inputs[0])!, v.get(l.inputs[1])!);
          v.set(l.output, l.relu ? tf.relu(sum) : sum);
        });
        break;
      case "maxpool": {
        // The only padding here is 1 on every side, which tf.maxPool takes as a number.
        const pad = l.pads[0];
        steps.push((v) => v.set(l.output, tf.maxPool(v.get(l.input) as tf.Tensor4D, l.k, l.stride, pad)));
        break;
      }
      case "gap":
        steps.push((v) => v.set(l.output, tf.mean(v.get(l.input)!, [1, 2])));
        break;
      case "affine": {
        const w = tf.tensor2d(l.W, [l.inF, l.outF]);
        const bias = tf.tensor1d(l.b);
        steps.push((v) => v.set(l.output, tf.fused.matMul({ a: v.get(l.input) as tf.Tensor2D, b: w, bias })));
        break;
      }
    }
  }
  const run = () =>
    read(
      tf.tidy(() => {
        const v = new Map<string, tf.Tensor>([[net.input, tf.tensor4d(x, [1, H0, W0, C0])]]);
        for (const step of steps) step(v);
        return v.get(net.output)!;
      }),
    );
  return { run, output: async () => run(), layout: "NHWC" };
}

/**
 * A conv's padding as tfjs takes it: "valid", "same" where the pads are TensorFlow's "same" (all
 * of MobileNetV2's, mobilenet_v2.ts resolves it), else explicit (ResNet-18's symmetric pads at
 * stride 2, which "same" would put 0 before and 1 after).
 */
function tfPad(l: MbConv): "valid" | "same" | [[0, 0], [number, number], [number, number], [0, 0]] {
  const [top, bottom, left, right] = l.pads;
  if (top + bottom + left + right === 0) return "valid";
  const same = (size: number, out: number) => {
    const total = Math.max((out - 1) * l.stride + l.k - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [t, b] = same(l.inH, Math.ceil(l.inH / l.stride));
  const [lf, r] = same(l.inW, Math.ceil(l.inW / l.stride));
  const isSame =
    l.outH === Math.ceil(l.inH / l.stride) &&
    l.outW === Math.ceil(l.inW / l.stride) &&
    [t, b, lf, r].every((p, i) => p === l.pads[i]);
  return isSame
    ? "same"
    : [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
}

function read(t: tf.Tensor): Float32Array {
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}
