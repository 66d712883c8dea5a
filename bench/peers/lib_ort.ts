// ONNX Runtime, as onnxruntime-web (its WebAssembly build) and onnxruntime-node (native, the
// reference point). ONNX is NCHW like zeroconv, so inputs and the book's weights go in as they are;
// models are built in code (onnx_model.ts) with the weights as initializers. Each op wraps the
// input typed arrays in ort.Tensors, awaits session.run and reads the output's Float32Array.
// W8-W15: Conv with group / dilations / pads and a Clip(0, 6) or Relu after it where the op has
// one (ORT fuses Conv + Clip or Relu into one FusedConv), AveragePool with count_include_pad = 0,
// MaxPool, GlobalAveragePool, Add (+ Relu) for the residuals, Gemm for the classifier.
import type { InferenceSession } from "onnxruntime-web";
import { onnxModel, type Graph, type Initializer, type Node } from "./onnx_model.js";
import { networkCase, testBatches, type BenchData, type Library } from "./common.js";
import type { NetActivation, Network } from "./mobilenet_v2.js";

/** Clip's bounds as scalar initializers (opset 13 takes them as inputs, not attributes). */
const CLIP_BOUNDS: Initializer[] = [
  { name: "zero", dims: [], data: Float32Array.of(0) },
  { name: "six", dims: [], data: Float32Array.of(6) },
];

interface ConvNode {
  name: string;
  input: string;
  output: string;
  W: Float32Array;
  /** OIHW */
  wDims: number[];
  b: Float32Array;
  stride: number;
  /** [top, bottom, left, right] */
  pads: readonly number[];
  dilation: number;
  groups: number;
  activation: NetActivation;
}

/** Conv (+ Clip(0, 6)) nodes and their initializers. */
function convNodes(c: ConvNode): { nodes: Node[]; initializers: Initializer[] } {
  const [top, bottom, left, right] = c.pads;
  const convOut = c.activation === "linear" ? c.output : `${c.output}_conv`;
  const nodes: Node[] = [
    {
      op: "Conv",
      inputs: [c.input, `${c.name}_W`, `${c.name}_b`],
      outputs: [convOut],
      attributes: {
        kernel_shape: c.wDims.slice(2),
        strides: [c.stride, c.stride],
        // ONNX orders pads [top, left, bottom, right].
        pads: [top, left, bottom, right],
        dilations: [c.dilation, c.dilation],
        group: c.groups,
      },
    },
  ];
  if (c.activation === "relu6") nodes.push({ op: "Clip", inputs: [convOut, "zero", "six"], outputs: [c.output] });
  if (c.activation === "relu") nodes.push({ op: "Relu", inputs: [convOut], outputs: [c.output] });
  return {
    nodes,
    initializers: [
      { name: `${c.name}_W`, dims: c.wDims, data: c.W },
      { name: `${c.name}_b`, dims: [c.b.length], data: c.b },
    ],
  };
}

/** W14 or W15 as one ONNX graph, NCHW. */
function mobileNetGraph(net: Network): Graph {
  const nodes: Node[] = [];
  const initializers: Initializer[] = [...CLIP_BOUNDS];
  for (const l of net.layers) {
    switch (l.kind) {
      case "conv": {
        const g = convNodes({
          name: l.name,
          input: l.input,
          output: l.output,
          W: l.W,
          wDims: [l.outC, l.inC / l.groups, l.k, l.k],
          b: l.b,
          stride: l.stride,
          pads: l.pads,
          dilation: 1,
          groups: l.groups,
          activation: l.activation,
        });
        nodes.push(...g.nodes);
        initializers.push(...g.initializers);
        break;
      }
      case "add":
        if (!l.relu) nodes.push({ op: "Add", inputs: [...l.inputs], outputs: [l.output] });
        else {
          nodes.push(
            { op: "Add", inputs: [...l.inputs], outputs: [`${l.output}_sum`] },
            { op: "Relu", inputs: [`${l.output}_sum`], outputs: [l.output] },
          );
        }
        break;
      case "maxpool": {
        const [top, bottom, left, right] = l.pads;
        const attributes = {
          kernel_shape: [l.k, l.k],
          strides: [l.stride, l.stride],
          pads: [top, left, bottom, right],
        };
        nodes.push({ op: "MaxPool", inputs: [l.input], outputs: [l.output], attributes });
        break;
      }
      case "gap":
        nodes.push(
          { op: "GlobalAveragePool", inputs: [l.input], outputs: [`${l.output}_4d`] },
          { op: "Flatten", inputs: [`${l.output}_4d`], outputs: [l.output], attributes: { axis: 1 } },
        );
        break;
      case "affine":
        nodes.push({ op: "Gemm", inputs: [l.input, `${l.name}_W`, `${l.name}_b`], outputs: [l.output] });
        initializers.push(
          { name: `${l.name}_W`, dims: [l.inF, l.outF], data: l.W },
          { name: `${l.name}_b`, dims: [l.outF], data: l.b },
        );
        break;
    }
  }
  return {
    nodes,
    initializers,
    inputs: [{ name: net.input, dims: net.inShape }],
    outputs: [{ name: net.output, dims: [1, net.classes] }],
  };
}

/** Both packages export onnxruntime-common's API. */
type Ort = typeof import("onnxruntime-web");

export async function ortLibrary(flavour: "web" | "node", threads: number): Promise<Library> {
  const ort = (flavour === "web" ? await import("onnxruntime-web") : await import("onnxruntime-node")) as Ort;
  ort.env.logLevel = "error";
  if (flavour === "web") ort.env.wasm.numThreads = threads;
  const options: InferenceSession.SessionOptions =
    flavour === "web"
      ? { executionProviders: ["wasm"] }
      : { executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential" };

  /** A session for a one-input graph: run(x) -> y's data. */
  const session = async (g: Graph) => {
    const s = await ort.InferenceSession.create(onnxModel(g), options);
    const [inName] = s.inputNames;
    const [outName] = s.outputNames;
    const dims = g.inputs[0].dims;
    return async (x: Float32Array): Promise<Float32Array> => {
      const r = await s.run({ [inName]: new ort.Tensor("float32", x, dims) });
      return r[outName].data as Float32Array;
    };
  };
  const conv = async (
    x: Float32Array,
    xDims: number[],
    W: Float32Array,
    wDims: number[],
    bias: Float32Array | null,
    stride: number,
    pad: number,
    yDims: number[],
  ) => {
    const run = await session({
      nodes: [
        {
          op: "Conv",
          inputs: bias ? ["x", "W", "b"] : ["x", "W"],
          outputs: ["y"],
          attributes: { kernel_shape: wDims.slice(2), strides: [stride, stride], pads: [pad, pad, pad, pad] },
        },
      ],
      initializers: [
        { name: "W", dims: wDims, data: W },
        ...(bias ? [{ name: "b", dims: [bias.length], data: bias }] : []),
      ],
      inputs: [{ name: "x", dims: xDims }],
      outputs: [{ name: "y", dims: yDims }],
    });
    return { run: () => run(x), output: () => run(x) };
  };

  /** W8-W11, W13: one Conv (+ Clip), NCHW as the data comes. */
  const mobileConv = async (d: BenchData, id: "W8" | "W9" | "W10" | "W11" | "W13") => {
    const c = d.conv(id);
    const activation = c.relu6 ? ("relu6" as const) : ("linear" as const);
    const g = convNodes({ name: "conv", input: "x", output: "y", ...c, wDims: c.w, activation });
    const run = await session({
      nodes: g.nodes,
      initializers: [...g.initializers, ...(c.relu6 ? CLIP_BOUNDS : [])],
      inputs: [{ name: "x", dims: c.xShape }],
      outputs: [{ name: "y", dims: c.y }],
    });
    return { run: () => run(c.x), output: () => run(c.x), layout: "NCHW" as const };
  };

  const probe = await session({
    nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
    inputs: [{ name: "x", dims: [4] }],
    outputs: [{ name: "y", dims: [4] }],
  });
  await probe(new Float32Array(4));
  const info: Library["info"] =
    flavour === "web"
      ? {
          package: "onnxruntime-web",
          binary: "ort-wasm-simd-threaded.wasm (the one plain build: SIMD, threads, no relaxed SIMD)",
          numThreads: ort.env.wasm.numThreads ?? "unset",
        }
      : { package: "onnxruntime-node", binary: "native CPU EP", intraOpNumThreads: threads };

  return {
    info,
    cases: {
      W1: async (d) => {
        const p = d.params();
        return conv(await d.w1x(), [100, 1, 28, 28], p.W1, [30, 1, 5, 5], p.b1, 1, 0, [100, 30, 24, 24]);
      },
      W2: async (d) => {
        const x = await d.w2x();
        const run = await session({
          nodes: [
            { op: "MaxPool", inputs: ["x"], outputs: ["y"], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
          ],
          inputs: [{ name: "x", dims: [100, 30, 24, 24] }],
          outputs: [{ name: "y", dims: [100, 30, 12, 12] }],
        });
        return { run: () => run(x), output: () => run(x) };
      },
      W3: async (d) => {
        const p = d.params();
        const run = await session({
          nodes: [
            {
              op: "Conv",
              inputs: ["x", "W1", "b1"],
              outputs: ["c"],
              attributes: { kernel_shape: [5, 5], strides: [1, 1], pads: [0, 0, 0, 0] },
            },
            { op: "Relu", inputs: ["c"], outputs: ["r1"] },
            { op: "MaxPool", inputs: ["r1"], outputs: ["p"], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
            { op: "Flatten", inputs: ["p"], outputs: ["f"], attributes: { axis: 1 } },
            { op: "Gemm", inputs: ["f", "W2", "b2"], outputs: ["h"] },
            { op: "Relu", inputs: ["h"], outputs: ["r2"] },
            { op: "Gemm", inputs: ["r2", "W3", "b3"], outputs: ["scores"] },
          ],
          initializers: [
            { name: "W1", dims: [30, 1, 5, 5], data: p.W1 },
            { name: "b1", dims: [30], data: p.b1 },
            { name: "W2", dims: [4320, 100], data: p.W2 },
            { name: "b2", dims: [100], data: p.b2 },
            { name: "W3", dims: [100, 10], data: p.W3 },
            { name: "b3", dims: [10], data: p.b3 },
          ],
          inputs: [{ name: "x", dims: [100, 1, 28, 28] }],
          outputs: [{ name: "scores", dims: [100, 10] }],
        });
        const { xs, t } = await testBatches(d);
        return networkCase(t, (i) => run(xs[i]));
      },
      W4: async (d) => {
        const { x, W } = d.w4();
        return conv(x, [1, 64, 56, 56], W, [64, 64, 3, 3], null, 1, 1, [1, 64, 56, 56]);
      },
      W5: async (d) => {
        const { x, W } = d.w5();
        return conv(x, [1, 3, 224, 224], W, [64, 3, 7, 7], null, 2, 3, [1, 64, 112, 112]);
      },
      W6: async (d) => {
        // Both operands are inputs, as in zeroconv's matmul(a, b): no constant B to pre-pack.
        const { a, b } = d.w6();
        const s = await ort.InferenceSession.create(
          onnxModel({
            nodes: [{ op: "MatMul", inputs: ["a", "b"], outputs: ["y"] }],
            inputs: [
              { name: "a", dims: [512, 512] },
              { name: "b", dims: [512, 512] },
            ],
            outputs: [{ name: "y", dims: [512, 512] }],
          }),
          options,
        );
        const run = async () =>
          (await s.run({ a: new ort.Tensor("float32", a, [512, 512]), b: new ort.Tensor("float32", b, [512, 512]) })).y
            .data as Float32Array;
        return { run, output: run };
      },
      W8: (d) => mobileConv(d, "W8"),
      W9: (d) => mobileConv(d, "W9"),
      W10: (d) => mobileConv(d, "W10"),
      W11: (d) => mobileConv(d, "W11"),
      W12a: async (d) => {
        const x = d.pool("W12a");
        const run = await session({
          nodes: [
            {
              op: "AveragePool",
              inputs: ["x"],
              outputs: ["y"],
              attributes: { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 0 },
            },
          ],
          inputs: [{ name: "x", dims: [1, 64, 56, 56] }],
          outputs: [{ name: "y", dims: [1, 64, 56, 56] }],
        });
        return { run: () => run(x), output: () => run(x), layout: "NCHW" };
      },
      W12b: async (d) => {
        const x = d.pool("W12b");
        const run = await session({
          nodes: [{ op: "GlobalAveragePool", inputs: ["x"], outputs: ["y"] }],
          inputs: [{ name: "x", dims: [1, 1280, 7, 7] }],
          outputs: [{ name: "y", dims: [1, 1280, 1, 1] }],
        });
        return { run: () => run(x), output: () => run(x), layout: "NCHW" };
      },
      W13: (d) => mobileConv(d, "W13"),
      W14: async (d) => {
        const { net, x } = d.mobileNet();
        const run = await session(mobileNetGraph(net));
        return { run: () => run(x), output: () => run(x), layout: "NCHW" };
      },
      W15: async (d) => {
        const { net, x } = d.resNet();
        const run = await session(mobileNetGraph(net));
        return { run: () => run(x), output: () => run(x), layout: "NCHW" };
      },
    },
  };
}
