import { describe, expect, it } from "vitest";
import { runModule, wasmFlags } from "./util.js";

// Each process can init() once, so thread counts are compared across child processes running the
// built package (dist/). The threads split a batch by whole images and every image runs the same
// kernels in the same order, so the scores must agree bit for bit, not just within a tolerance.
const script = `
import { init, Random, SimpleConvNet, Tensor } from "./dist/index.js";
const info = await init();
const net = new SimpleConvNet({ seed: 7, weightInitStd: 0.1 });
const random = new Random(11);
const x = new Tensor(new Float32Array(203 * 784).map(() => random.normal()), [203, 1, 28, 28]);
const labels = Array.from({ length: 203 }, (_, i) => i % 10);
const scores = net.predict(x);
console.log(JSON.stringify({
  info,
  scores: Buffer.from(scores.data.buffer).toString("base64"),
  accuracy7: net.accuracy(x, labels, 7),
  loss: net.loss(x, labels),
}));
`;

function run(threads: number): { info: { threads: number }; scores: string; accuracy7: number; loss: number } {
  const child = runModule(script, wasmFlags, { ZEROCONV_THREADS: String(threads) });
  if (child.status !== 0) throw new Error(`node with ZEROCONV_THREADS=${threads} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

// Results whose sums over images (or pixels) are split across threads and the shares added in
// thread order, so that their float32 rounding differs from one thread's by a few ulps; every
// other result must be the same bit for bit.
const ORDER_CHANGES = [
  "gradient.W1",
  "gradient.b1",
  "adam.W1",
  "adam.b1",
  "filter.NCHW.5",
  "filter.NHWC.5",
  "filter.NHWC.1",
  "convolution.book.dW",
  "convolution.book.db",
  "convolution.grouped.dW",
  "fewNhwc.dW.5",
  "fewNhwc.dW.1",
];

// Every threaded op on one set of inputs: results that must match bit for bit as a SHA-256,
// the others as base64 float32s, keyed by name.
const opsScript = `
import { createHash } from "node:crypto";
import * as z from "./dist/index.js";
import { getRuntime } from "./dist/runtime/wasm.js";
import { convScratch } from "./dist/ops/conv_forward.js";
import { convGeometry, convParams } from "./dist/ops/conv_geometry.js";
import { checkActivation } from "./dist/ops/activation.js";
const { Adam, Convolution, Pooling, Random, SimpleConvNet, Tensor } = z;
await z.init();
const random = new Random(3);
const tensor = (shape, scale = 1) =>
  new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => scale * random.normal()), shape);
const nearOnes = new Set(${JSON.stringify(ORDER_CHANGES)});
const out = {};
const put = (name, t) => {
  const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  out[name] = nearOnes.has(name) ? bytes.toString("base64") : createHash("sha256").update(bytes).digest("hex");
};
const net = new SimpleConvNet({ seed: 5, weightInitStd: 0.1, convParam: { filterNum: 6 }, hiddenSize: 20 });
const xs = tensor([37, 1, 28, 28]);
const labels = Array.from({ length: 37 }, (_, i) => (i * 7) % 10);
const grads = net.gradient(xs, labels);
for (const [k, v] of Object.entries(grads)) put("gradient." + k, v);
for (const [k, v] of Object.entries(net.gradient(tensor([1, 1, 28, 28]), [3]))) put("gradient1." + k, v);
new Adam().update(net.params, grads);
for (const [k, v] of Object.entries(net.params)) put("adam." + k, v);
// The convolution's gradients: by images (5), by channels or filter rows (NCHW, 1), by pixel chunks (NHWC, 1).
for (const layout of ["NCHW", "NHWC"]) {
  for (const N of [5, 1]) {
    const opts = { stride: [1, 2], pad: [1, 2], dilation: [2, 1], groups: 2, layout };
    const [C, FN, H, W] = [6, 8, 29, 37];
    const x = tensor(layout === "NCHW" ? [N, C, H, W] : [N, H, W, C]);
    const w = tensor(layout === "NCHW" ? [FN, C / 2, 3, 3] : [3, 3, C / 2, FN]);
    const y = z.conv2d(x, w, null, opts);
    const dy = tensor(y.shape);
    put(\`input.\${layout}.\${N}\`, z.conv2dBackpropInput(dy, w, x.shape, opts));
    put(\`filter.\${layout}.\${N}\`, z.conv2dBackpropFilter(x, dy, w.shape, opts));
  }
}
// The threads a conv2d of these arguments is shared across, reported as shares.NAME: every case
// below is large enough to be shared (conv_forward's SHARE_MACS), so that it is shared here.
const shares = (name, x, w, opts) => {
  const g = convGeometry("t", x, w, convParams("t", opts), "W");
  const act = checkActivation("t", opts.activation, opts.alpha, g.FN, "filter");
  out["shares." + name] = convScratch(getRuntime(), g, true, act).threads;
};
// The forward 1x1 (pointwise_*) and small-group (group_conv_*_4x8) kernels: by images (3), or by
// pixels, groups or output rows (1).
for (const layout of ["NCHW", "NHWC"]) {
  for (const N of [3, 1]) {
    for (const [C, FN, k, groups] of [[20, 44, 1, 1], [32, 32, 3, 8]]) {
      const x = tensor(layout === "NCHW" ? [N, C, 49, 53] : [N, 49, 53, C]);
      const w = tensor(layout === "NCHW" ? [FN, C / groups, k, k] : [k, k, C / groups, FN]);
      const opts = { pad: k >> 1, groups, layout, activation: "relu6" };
      put(\`forward.\${layout}.\${N}.\${k}\`, z.conv2d(x, w, tensor([FN]), opts));
      shares(\`forward.\${layout}.\${N}.\${k}\`, x, w, opts);
    }
  }
}
// One image's filters shared out where it has fewer pixels than filters (pointwise_* in registers;
// the SGEMM with K in one block and in two; a 3x3's GEMM, grouped and strided too), two images on
// three threads (the NHWC filter then packed once, by its shares), and one image's pixels. prelu
// and the bias check that each share's epilogue starts at its own filters.
const SPLIT_CASES = [
  [96, 164, 12, 12, 1, 1, 1],
  [160, 300, 7, 7, 1, 1, 1],
  [300, 120, 8, 8, 1, 1, 1],
  [32, 140, 9, 9, 3, 1, 1],
  [64, 160, 15, 15, 3, 2, 2],
  [20, 44, 49, 53, 1, 1, 1],
];
for (const layout of ["NCHW", "NHWC"]) {
  for (const N of [1, 2]) {
    for (const [C, FN, H, W, k, stride, groups] of SPLIT_CASES) {
      const x = tensor(layout === "NCHW" ? [N, C, H, W] : [N, H, W, C]);
      const w = tensor(layout === "NCHW" ? [FN, C / groups, k, k] : [k, k, C / groups, FN], 0.1);
      const opts = { stride, pad: k >> 1, groups, layout, activation: "prelu", alpha: tensor([FN]) };
      const name = \`split.\${layout}.\${N}.\${C}.\${FN}.\${H}.\${k}\`;
      put(name, z.conv2d(x, w, tensor([FN]), opts));
      shares(name, x, w, opts);
    }
  }
}
// NHWC with few input channels, its direct kernels: by images (5), by pixels (1, shares uneven).
for (const N of [5, 1]) {
  const opts = { stride: [1, 2], pad: "same", layout: "NHWC" };
  const x = tensor([N, 67, 121, 3]);
  const w = tensor([3, 5, 3, 13]);
  const y = z.conv2d(x, w, tensor([13]), { ...opts, activation: "relu" });
  put(\`fewNhwc.y.\${N}\`, y);
  shares(\`fewNhwc.y.\${N}\`, x, w, { ...opts, activation: "relu" });
  put(\`fewNhwc.dW.\${N}\`, z.conv2dBackpropFilter(x, tensor(y.shape), w.shape, opts));
}
for (const [name, w, b, options, x] of [
  ["book", tensor([8, 3, 5, 5]), tensor([8]), [1, 2], tensor([5, 3, 44, 44])],
  ["grouped", tensor([8, 3, 3, 3]), tensor([8]), { groups: 2, pad: 1 }, tensor([3, 6, 60, 60])],
]) {
  const layer = Array.isArray(options) ? new Convolution(w, b, ...options) : new Convolution(w, b, options);
  const y = layer.forward(x);
  put(\`convolution.\${name}.y\`, y);
  put(\`convolution.\${name}.dx\`, layer.backward(tensor(y.shape)));
  put(\`convolution.\${name}.dW\`, layer.dW);
  put(\`convolution.\${name}.db\`, layer.db);
}
// Depthwise on one image, its output rows (NHWC) or planes (NCHW) shared out: the tiled kernels and their edges.
for (const [k, s] of [[3, 1], [3, 2], [5, 1]]) {
  const [x, w] = [tensor([1, 79, 81, 38]), tensor([k, k, 38, 1])];
  const opts = { stride: s, pad: "same", activation: "relu6" };
  put(\`depthwise.\${k}.\${s}\`, z.depthwiseConv2d(x, w, tensor([38]), opts));
  shares(\`depthwise.\${k}.\${s}\`, x, { shape: [k, k, 1, 38], data: w.data }, { ...opts, groups: 38, layout: "NHWC" });
  const [xn, wn] = [tensor([1, 38, 79, 81]), tensor([38, 1, k, k])];
  const nchw = z.conv2d(xn, wn, tensor([38]), { ...opts, groups: 38 });
  put(\`depthwise.NCHW.\${k}.\${s}\`, nchw);
  shares(\`depthwise.NCHW.\${k}.\${s}\`, xn, wn, { ...opts, groups: 38 });
}
// Pooling: [2, 16, 40, 40] is four shares' worth of planes or two images'.
for (const layout of ["NCHW", "NHWC"]) {
  const x = tensor(layout === "NCHW" ? [2, 16, 40, 40] : [2, 40, 40, 16]);
  for (const window of [2, 3]) {
    const opts = { window, stride: 2, pad: window === 3 ? 1 : 0, layout };
    const m = z.maxPool2d(x, opts);
    put(\`maxPool2d.\${layout}.\${window}\`, m);
    put(\`maxPool2dBackward.\${layout}.\${window}\`, z.maxPool2dBackward(tensor(m.shape), x, opts));
    const a = z.avgPool2d(x, opts);
    put(\`avgPool2d.\${layout}.\${window}\`, a);
    put(\`avgPool2dBackward.\${layout}.\${window}\`, z.avgPool2dBackward(tensor(a.shape), x.shape, opts));
  }
}
const pooling = new Pooling(3, 3, 2, 1);
const py = pooling.forward(tensor([2, 16, 40, 40]));
put("Pooling.forward", py);
put("Pooling.backward", pooling.backward(tensor(py.shape)));
console.log(JSON.stringify(out));
`;

function runResults(threads: number): Record<string, string | number> {
  const child = runModule(opsScript, wasmFlags, { ZEROCONV_THREADS: String(threads) });
  if (child.status !== 0) throw new Error(`node with ZEROCONV_THREADS=${threads} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

const floats = (b64: string) => {
  const b = Buffer.from(b64, "base64");
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/** max |got - want| <= tol * max |want|, and not bit for bit the same unless the op has one term per output. */
function expectNear(name: string, got: string, want: string, tol: number): void {
  const [g, w] = [floats(got), floats(want)];
  expect(g.length, name).toBe(w.length);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < w.length; i++) {
    diff = Math.max(diff, Math.abs(g[i] - w[i]));
    scale = Math.max(scale, Math.abs(w[i]));
  }
  expect(diff, name).toBeLessThanOrEqual(tol * scale);
}

describe("threads", () => {
  it("SimpleConvNet gives the same scores, accuracy and loss bit for bit on 1, 2 and 3 threads (uneven shares included)", () => {
    const one = run(1);
    expect(one.info.threads).toBe(1);
    for (const threads of [2, 3]) {
      const many = run(threads);
      expect(many.info.threads).toBe(threads);
      expect(many.scores).toBe(one.scores);
      expect(many.accuracy7).toBe(one.accuracy7);
      expect(many.loss).toBe(one.loss);
    }
  });

  it("training, the gradients and pooling share their work with one thread's results, but for the sums of dW (and the book layer's db) over images or pixels", () => {
    const [one, two, three] = [1, 2, 3].map((t) => runResults(t));
    for (const [threads, many] of [
      [2, two],
      [3, three],
    ] as const) {
      expect(Object.keys(many)).toEqual(Object.keys(one));
      for (const [name, got] of Object.entries(many)) {
        if (name.startsWith("shares.")) {
          // The split cases are shared out on every thread count: two images on three threads too.
          expect(one[name], name).toBe(1);
          expect(got, name).toBe(threads);
          continue;
        }
        if (ORDER_CHANGES.includes(name)) expectNear(name, got as string, one[name] as string, 1e-5);
        else expect(got === one[name], `${name} bit for bit`).toBe(true);
      }
    }
  });

  it("a worker's calls after gate() wait for the caller's between(), which may throw without hanging the pool", () => {
    // The worker copies src once its gate opens; between() first spins for 30 ms (the copy would
    // long be done without a gate) and only then writes src.
    const child = runModule(
      `
      import { init } from "./dist/index.js";
      import { getRuntime } from "./dist/runtime/wasm.js";
      import { forShares } from "./dist/runtime/parallel.js";
      await init({ threads: 2 });
      const rt = getRuntime(), n = 1024;
      const [src, dst] = rt.heap.allocFloats("gate test", [n, 2 * n]);
      const view = (p, len) => new Float32Array(rt.kernels.memory.buffer, p, len);
      const copyAfterGate = (k, first, count, t, gate) => { gate(); k.relu_forward(src, n, dst + first * n * 4); };
      const run = (value, fail) => {
        view(src, n).fill(0);
        view(dst, 2 * n).fill(0);
        forShares(rt, 2, 2, copyAfterGate, 1, () => {
          const until = performance.now() + 30;
          while (performance.now() < until);
          if (fail) throw new Error("between failed");
          view(src, n).fill(value);
        });
        return Array.from(new Set(view(dst, 2 * n)));
      };
      const first = run(3, false);
      let thrown = "";
      try { run(5, true); } catch (e) { thrown = e.message; }
      console.log(JSON.stringify({ threads: rt.info.threads, first, thrown, after: run(7, false) }));
    `,
      wasmFlags,
      {},
    );
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ threads: 2, first: [3], thrown: "between failed", after: [7] });
  });

  it("ZEROCONV_THREADS is checked like the option", () => {
    const child = runModule(`import { init } from "./dist/index.js"; await init();`, [], { ZEROCONV_THREADS: "two" });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toMatch(
      /RangeError: init: the environment variable ZEROCONV_THREADS must be an integer from 1 to 64; got "two"/,
    );
  });
});
