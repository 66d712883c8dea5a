// zeroconv through its public API, as a user calls it: Tensors wrap typed arrays, every call copies
// its inputs (weights included) into WASM memory and returns a Tensor whose data is a fresh
// Float32Array. With `out` (the zeroconv-fma-out variant), W1, W2 and W4-W6 pass one output
// Tensor, allocated once, as opts.out instead, as a backend that owns its buffers would; W3 and W7
// are left out (SimpleConvNet takes no out). W8-W14 run in both layouts, NCHW (the reference) and
// NHWC with HWIO filters, each from the same NCHW data converted once outside the timing; with
// `out`, W8-W11, W13 and W14 (each of its layers) write into arrays allocated once.
import * as zeroconv from "../../src/index.js";
import {
  Adam,
  add,
  conv2d,
  globalAvgPool2d,
  toWasm,
  type WasmTensor,
  depthwiseConv2d,
  matmul,
  maxPool2d,
  SimpleConvNet,
  Tensor,
  type Activation,
  type Params,
  type TensorLike,
} from "../../src/index.js";
import {
  CaseUnavailable,
  channelMeans,
  nchwToNhwc,
  nhwcToNchw,
  networkCase,
  oihwToHwio,
  PARAMS_PATH,
  poolReference,
  testBatches,
  type Case,
  type CaseFactory,
  type Layout,
  type Library,
} from "./common.js";
import type { Network } from "./mobilenet_v2.js";

/**
 * avgPool2d and globalAvgPool2d, written on another branch: looked up at run time, so that the
 * bench builds and runs against a zeroconv without them (their cases then report n/a).
 */
type PoolOp = (x: TensorLike, opts: Record<string, unknown>) => TensorLike;
const optionalOp = (name: "avgPool2d" | "globalAvgPool2d"): PoolOp | undefined => {
  const f = (zeroconv as unknown as Record<string, unknown>)[name];
  return typeof f === "function" ? (f as PoolOp) : undefined;
};

const both = (make: (layout: Layout) => CaseFactory): Record<Layout, CaseFactory> => ({
  NCHW: make("NCHW"),
  NHWC: make("NHWC"),
});

export function zeroconvLibrary(
  info: Library["info"],
  { out: reuse = false, copies = false }: { out?: boolean; copies?: boolean } = {},
): Library {
  /** The output array of a case: one Tensor for every call with `out`, else none (each call allocates). */
  const outFor = (shape: number[]) =>
    reuse ? new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape) : undefined;
  const conv = (x: Tensor, W: Tensor, bias: Tensor | null, stride: number, pad: number) => {
    const [N, , H, Wd] = x.shape,
      [FN, , FH, FW] = W.shape;
    const out = outFor([
      N,
      FN,
      Math.floor((H + 2 * pad - FH) / stride) + 1,
      Math.floor((Wd + 2 * pad - FW) / stride) + 1,
    ]);
    const run = () => conv2d(x, W, bias, { stride, pad, out }).data;
    return { run, output: async () => run() };
  };
  /** W8-W11, W13: one conv2d (or, NHWC depthwise, depthwiseConv2d) with bias and maybe relu6. */
  const oneConv =
    (id: "W8" | "W9" | "W10" | "W11" | "W13") =>
    (layout: Layout): CaseFactory =>
    async (d) => {
      const c = d.conv(id);
      const [, C, H, W] = c.xShape;
      const [FN, CG, FH, FW] = c.w;
      const [, , OH, OW] = c.y;
      const activation: Activation | undefined = c.relu6 ? "relu6" : undefined;
      const bias = new Tensor(c.b, [FN]);
      const geometry = { stride: c.stride, pad: c.pads, dilation: c.dilation, activation };
      if (layout === "NCHW") {
        const x = new Tensor(c.x, [1, C, H, W]);
        const w = new Tensor(c.W, c.w);
        const out = outFor([1, FN, OH, OW]);
        const run = () => conv2d(x, w, bias, { ...geometry, groups: c.groups, out }).data;
        return { run, output: async () => run(), layout };
      }
      const x = new Tensor(nchwToNhwc(c.x, 1, C, H, W), [1, H, W, C]);
      const hwio = oihwToHwio(c.W, FN, CG, FH, FW);
      const out = outFor([1, OH, OW, FN]);
      const depthwise = c.groups === C && CG === 1;
      // [FH, FW, 1, C] HWIO is, byte for byte, depthwiseConv2d's [FH, FW, C, 1].
      const run = depthwise
        ? (() => {
            const w = new Tensor(hwio, [FH, FW, C, 1]);
            return () => depthwiseConv2d(x, w, bias, { ...geometry, out }).data;
          })()
        : (() => {
            const w = new Tensor(hwio, [FH, FW, CG, FN]);
            return () => conv2d(x, w, bias, { ...geometry, groups: c.groups, layout, out }).data;
          })();
      return {
        run,
        output: async () => nhwcToNchw(run(), 1, FN, OH, OW),
        layout,
        ...(depthwise ? { note: "NHWC: depthwiseConv2d" } : {}),
      };
    };

  /** W12a / W12b: avgPool2d / globalAvgPool2d when this zeroconv has them. */
  const pool =
    (id: "W12a" | "W12b") =>
    (layout: Layout): CaseFactory =>
    async (d) => {
      const name = id === "W12a" ? "avgPool2d" : "globalAvgPool2d";
      const op = optionalOp(name);
      const xNchw = d.pool(id);
      if (!op)
        throw new CaseUnavailable(`this zeroconv exports no ${name}`, {
          output: () => poolReference(id, xNchw),
          source: `a plain-JS float64 reference (zeroconv has no ${name})`,
        });
      const [C, H, W] = id === "W12a" ? [64, 56, 56] : [1280, 7, 7];
      const x =
        layout === "NCHW" ? new Tensor(xNchw, [1, C, H, W]) : new Tensor(nchwToNhwc(xNchw, 1, C, H, W), [1, H, W, C]);
      const opts = id === "W12a" ? { window: 3, stride: 1, pad: 1, countIncludePad: false, layout } : { layout };
      const run = () => op(x, opts).data as Float32Array;
      return {
        run,
        // W12b's [1, C, 1, 1] and [1, 1, 1, C] are the same floats.
        output: async () => (id === "W12a" && layout === "NHWC" ? nhwcToNchw(run(), 1, C, H, W) : run()),
        layout,
      };
    };

  const cases: Library["cases"] = {
    W1: async (d) => {
      const p = d.params();
      return conv(
        new Tensor(await d.w1x(), [100, 1, 28, 28]),
        new Tensor(p.W1, [30, 1, 5, 5]),
        new Tensor(p.b1, [30]),
        1,
        0,
      );
    },
    W2: async (d) => {
      const x = new Tensor(await d.w2x(), [100, 30, 24, 24]);
      const out = outFor([100, 30, 12, 12]);
      const run = () => maxPool2d(x, { poolH: 2, poolW: 2, stride: 2, out }).data;
      return { run, output: async () => run() };
    },
    W4: async (d) => {
      const { x, W } = d.w4();
      return conv(new Tensor(x, [1, 64, 56, 56]), new Tensor(W, [64, 64, 3, 3]), null, 1, 1);
    },
    W5: async (d) => {
      const { x, W } = d.w5();
      return conv(new Tensor(x, [1, 3, 224, 224]), new Tensor(W, [64, 3, 7, 7]), null, 2, 3);
    },
    W6: async (d) => {
      const { a, b } = d.w6();
      const [ta, tb] = [new Tensor(a, [512, 512]), new Tensor(b, [512, 512])];
      const out = outFor([512, 512]);
      const run = () => matmul(ta, tb, { out }).data;
      return { run, output: async () => run() };
    },
  };
  cases.W8 = both(oneConv("W8"));
  cases.W9 = both(oneConv("W9"));
  cases.W10 = both(oneConv("W10"));
  cases.W11 = both(oneConv("W11"));
  cases.W13 = both(oneConv("W13"));
  // W14, W15 keep the network in WASM memory (WasmTensors), unless
  // `copies` asks for Tensors, which copy every layer's input in and its result out.
  const network = (net: Network, x: Float32Array, layout: Layout) =>
    !reuse && !copies ? residentNetworkCase(net, x, layout) : mobileNetCase(net, x, layout, outFor);
  cases.W14 = both((layout) => async (d) => {
    const { net, x } = d.mobileNet();
    return network(net, x, layout);
  });
  cases.W15 = both((layout) => async (d) => {
    const { net, x } = d.resNet();
    return network(net, x, layout);
  });
  if (copies) return { info, cases: { W14: cases.W14, W15: cases.W15 } };
  if (reuse) return { info, cases };
  cases.W12a = both(pool("W12a"));
  cases.W12b = both(pool("W12b"));
  cases.W3 = async (d) => {
    const net = new SimpleConvNet();
    net.loadParams(PARAMS_PATH);
    const { xs, t } = await testBatches(d);
    const batches = xs.map((x) => new Tensor(x, [100, 1, 28, 28]));
    return networkCase(t, (i) => net.predict(batches[i]).data);
  };
  cases.W7 = async (d) => {
    // From the book's weights, Adam lr 0.001, cycling through the first 20 training batches.
    const net = new SimpleConvNet();
    net.loadParams(PARAMS_PATH);
    const adam = new Adam({ lr: 0.001 });
    const batches = (await d.trainBatches(20)).map(({ x, t }) => ({ x: new Tensor(x, [100, 1, 28, 28]), t }));
    let k = 0;
    let grads: Params | null = null; // as train() does: each step's gradients into the last step's arrays
    return {
      run: () => {
        const { x, t } = batches[k++ % batches.length];
        grads = net.gradient(x, t, { out: grads });
        adam.update(net.params, grads);
      },
    };
  };
  return { info, cases };
}

/**
 * W14 and W15 as zeroconv calls, one per layer: conv2d (depthwise in NHWC: depthwiseConv2d) with
 * its bias and relu6 or relu fused, maxPool2d, the residual adds (and ResNet's relu after them) in
 * JS (in place, into the last conv's fresh output), the global pool by globalAvgPool2d (or a JS
 * mean where this zeroconv lacks it), matmul and the affine's 1000 biases added in JS.
 */
function mobileNetCase(
  net: Network,
  xNchw: Float32Array,
  layout: Layout,
  outFor: (shape: number[]) => Tensor | undefined,
): Case {
  const [, C0, H0, W0] = net.inShape;
  const input =
    layout === "NCHW"
      ? new Tensor(xNchw, [1, C0, H0, W0])
      : new Tensor(nchwToNhwc(xNchw, 1, C0, H0, W0), [1, H0, W0, C0]);
  const gap = optionalOp("globalAvgPool2d");
  const values = new Map<string, Tensor>();
  const steps: (() => void)[] = [];
  const get = (name: string) => values.get(name)!;
  for (const l of net.layers) {
    switch (l.kind) {
      case "conv": {
        const CG = l.inC / l.groups;
        const depthwise = l.groups === l.inC && l.groups > 1;
        const b = new Tensor(l.b, [l.outC]);
        const geometry = { stride: l.stride, pad: l.pads, activation: l.activation };
        if (layout === "NCHW") {
          const w = new Tensor(l.W, [l.outC, CG, l.k, l.k]);
          const out = outFor([1, l.outC, l.outH, l.outW]);
          steps.push(() => values.set(l.output, conv2d(get(l.input), w, b, { ...geometry, groups: l.groups, out })));
        } else {
          const hwio = oihwToHwio(l.W, l.outC, CG, l.k, l.k);
          const out = outFor([1, l.outH, l.outW, l.outC]);
          if (depthwise) {
            const w = new Tensor(hwio, [l.k, l.k, l.inC, 1]);
            steps.push(() => values.set(l.output, depthwiseConv2d(get(l.input), w, b, { ...geometry, out })));
          } else {
            const w = new Tensor(hwio, [l.k, l.k, CG, l.outC]);
            steps.push(() =>
              values.set(l.output, conv2d(get(l.input), w, b, { ...geometry, groups: l.groups, layout, out })),
            );
          }
        }
        break;
      }
      case "add":
        steps.push(() => {
          const a = get(l.inputs[0]);
          const s = get(l.inputs[1]).data;
          const y = a.data;
          if (l.relu) for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i] + s[i]);
          else for (let i = 0; i < y.length; i++) y[i] += s[i];
          values.set(l.output, a);
        });
        break;
      case "maxpool": {
        const out = outFor(layout === "NCHW" ? [1, l.C, l.outH, l.outW] : [1, l.outH, l.outW, l.C]);
        const opts = { window: l.k, stride: l.stride, pad: l.pads, layout, out };
        steps.push(() => values.set(l.output, maxPool2d(get(l.input), opts)));
        break;
      }
      case "gap":
        steps.push(() => {
          const v = get(l.input);
          const pooled = gap
            ? Float32Array.from(gap(v, { layout }).data)
            : channelMeans(v.data, l.C, l.H * l.W, layout);
          values.set(l.output, new Tensor(pooled, [1, l.C]));
        });
        break;
      case "affine": {
        const w = new Tensor(l.W, [l.inF, l.outF]);
        const out = outFor([1, l.outF]);
        steps.push(() => {
          const y = matmul(get(l.input), w, { out });
          const yd = y.data;
          for (let i = 0; i < l.outF; i++) yd[i] += l.b[i];
          values.set(l.output, y);
        });
        break;
      }
    }
  }
  const run = () => {
    values.set(net.input, input);
    for (const step of steps) step();
    const y = get(net.output).data;
    values.clear();
    return y;
  };
  return {
    run,
    output: async () => Float32Array.from(run()),
    layout,
    note:
      `${net.layers.filter((l) => l.kind === "conv").length} convs; residual adds${net.layers.some((l) => l.kind === "add" && l.relu) ? " (and relu)" : ""} and the affine's bias in JS; ` +
      (gap
        ? "global pool by globalAvgPool2d"
        : "global pool by a JS mean per channel (this zeroconv has no globalAvgPool2d)"),
  };
}

/**
 * W14 and W15 with the whole network in WASM memory: the weights are WasmTensors made once, each
 * run copies the image in (toWasm), every layer's result is a WasmTensor, freed after its last
 * use, and the logits are copied out: the same two copies a run makes on tfjs-wasm or ORT.
 * The residual adds (with ResNet's relu) by add, the global pool by globalAvgPool2d, the affine by
 * matmul with its bias fused.
 */
function residentNetworkCase(net: Network, xNchw: Float32Array, layout: Layout): Case {
  const [, C0, H0, W0] = net.inShape;
  const input =
    layout === "NCHW"
      ? new Tensor(xNchw, [1, C0, H0, W0])
      : new Tensor(nchwToNhwc(xNchw, 1, C0, H0, W0), [1, H0, W0, C0]);
  // Each value is disposed by the step that reads it last.
  const lastUse = new Map<string, number>();
  net.layers.forEach((l, i) => {
    for (const v of "inputs" in l ? l.inputs : [l.input]) lastUse.set(v, i);
  });
  const values = new Map<string, WasmTensor>();
  const run1 = (i: number, l: Network["layers"][number], f: (...xs: WasmTensor[]) => WasmTensor) => {
    const names = "inputs" in l ? l.inputs : [l.input];
    const y = f(...names.map((n) => values.get(n)!));
    for (const n of names) if (lastUse.get(n) === i) values.get(n)!.dispose();
    values.set(l.output, y);
  };
  const steps: (() => void)[] = net.layers.map((l, i) => {
    switch (l.kind) {
      case "conv": {
        const CG = l.inC / l.groups;
        const depthwise = l.groups === l.inC && l.groups > 1;
        const b = toWasm(new Tensor(l.b, [l.outC]));
        const geometry = { stride: l.stride, pad: l.pads, activation: l.activation };
        if (layout === "NCHW") {
          const w = toWasm(new Tensor(l.W, [l.outC, CG, l.k, l.k]));
          return () => run1(i, l, (x) => conv2d(x, w, b, { ...geometry, groups: l.groups }));
        }
        const hwio = oihwToHwio(l.W, l.outC, CG, l.k, l.k);
        if (depthwise) {
          const w = toWasm(new Tensor(hwio, [l.k, l.k, l.inC, 1]));
          return () => run1(i, l, (x) => depthwiseConv2d(x, w, b, geometry));
        }
        const w = toWasm(new Tensor(hwio, [l.k, l.k, CG, l.outC]));
        return () => run1(i, l, (x) => conv2d(x, w, b, { ...geometry, groups: l.groups, layout }));
      }
      case "add": {
        const opts = { activation: l.relu ? ("relu" as const) : ("linear" as const) };
        return () => run1(i, l, (a, b) => add(a, b, opts));
      }
      case "maxpool": {
        const opts = { window: l.k, stride: l.stride, pad: l.pads, layout };
        return () => run1(i, l, (x) => maxPool2d(x, opts));
      }
      case "gap":
        // [1, C, 1, 1] or [1, 1, 1, C]: the same C floats, which the affine takes as [1, C].
        return () => run1(i, l, (x) => globalAvgPool2d(x, { layout }).reshape([1, l.C]));
      case "affine": {
        const w = toWasm(new Tensor(l.W, [l.inF, l.outF]));
        const bias = toWasm(new Tensor(l.b, [l.outF]));
        return () => run1(i, l, (x) => matmul(x, w, { bias: bias }));
      }
    }
  });
  const run = () => {
    values.set(net.input, toWasm(input));
    for (const step of steps) step();
    const y = values.get(net.output)!;
    values.delete(net.output);
    const out = y.read().data;
    y.dispose();
    return out;
  };
  return {
    run,
    output: async () => run(),
    layout,
    note: "the network in WASM memory (WasmTensors): the image copied in and the logits out per run",
  };
}
