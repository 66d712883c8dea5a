// W14's network, described once and built by every library of bench:peers (zeroconv calls, a tfjs
// graph, an ONNX graph): MobileNetV2 with width multiplier 1.0 at 224×224, written from Table 2 of
// Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks" (CVPR 2018):
//
//   input        operator                 t     c     n  s
//   224² × 3     conv2d 3×3               -     32    1  2
//   112² × 32    bottleneck               1     16    1  1
//   112² × 16    bottleneck               6     24    2  2
//   56² × 24     bottleneck               6     32    3  2
//   28² × 32     bottleneck               6     64    4  2
//   14² × 64     bottleneck               6     96    3  1
//   14² × 96     bottleneck               6     160   3  2
//   7² × 160     bottleneck               6     320   1  1
//   7² × 320     conv2d 1×1               -     1280  1  1
//   7² × 1280    avgpool 7×7              -     -     1  -
//   1 × 1280     conv2d 1×1 (affine)      -     k     -
//
// A bottleneck (Table 1) is a 1×1 expansion to t·c_in channels with ReLU6, a 3×3 depthwise conv of
// stride s (the first of a sequence of n; the others stride 1) with ReLU6, and a linear 1×1
// projection to c; input and output are added when the stride is 1 and c_in = c. With t = 1 the
// expansion maps c_in to c_in and is left out, as the paper's 3.4 M-parameter count implies.
// BatchNorm, folded into each conv's weights and bias, leaves a conv with a bias. 3×3 convs pad
// "same" (TensorFlow's: at stride 2 on an even size, 0 rows top and left, 1 bottom and right).
// The weights are seeded random, scaled by fan-in (He for the ReLU6 convs) so that activations
// stay of order 1 through the 52 convolutions.
import { randomFloats } from "./random.js";

/** What a layer applies after its bias (or, for an add, after the sum). */
export type NetActivation = "linear" | "relu" | "relu6";

/** A convolution in NCHW terms: W [outC, inC / groups, k, k] (OIHW), b [outC]. */
export interface MbConv {
  kind: "conv";
  name: string;
  input: string;
  output: string;
  inC: number;
  outC: number;
  /** 1 for a full conv, inC for a depthwise one. */
  groups: number;
  k: number;
  stride: number;
  /** Resolved "same" padding [top, bottom, left, right] (all 0 for 1×1). */
  pads: [number, number, number, number];
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  activation: NetActivation;
  W: Float32Array;
  b: Float32Array;
}

/** Elementwise a + b of two [1, C, H, W] (or NHWC) values: the residual connection (ResNet: then relu). */
export interface MbAdd {
  kind: "add";
  name: string;
  inputs: [string, string];
  output: string;
  C: number;
  H: number;
  W: number;
  relu: boolean;
}

/** Max-pooling of k×k windows at `stride`, padded [top, bottom, left, right] (padding never wins). */
export interface MbMaxPool {
  kind: "maxpool";
  name: string;
  input: string;
  output: string;
  k: number;
  stride: number;
  pads: [number, number, number, number];
  C: number;
  H: number;
  W: number;
  outH: number;
  outW: number;
}

/** Mean of each channel over H×W: [1, C, H, W] -> [1, C]. */
export interface MbPool {
  kind: "gap";
  name: string;
  input: string;
  output: string;
  C: number;
  H: number;
  W: number;
}

/** y = x·W + b: x [1, inF], W [inF, outF] (as ONNX Gemm and a matmul take it), b [outF]. */
export interface MbAffine {
  kind: "affine";
  name: string;
  input: string;
  output: string;
  inF: number;
  outF: number;
  W: Float32Array;
  b: Float32Array;
}

export type MbLayer = MbConv | MbAdd | MbPool | MbAffine | MbMaxPool;

/** A network of these layers, as W14 and W15 describe theirs and every library builds it. */
export interface Network {
  input: string;
  /** [1, 3, 224, 224] (NCHW). */
  inShape: [number, number, number, number];
  output: string;
  classes: number;
  layers: MbLayer[];
  /** Weights and biases, all layers. */
  parameters: number;
  /** Multiply-adds of one image. */
  macs: number;
}

export type MobileNetV2 = Network;

/** Table 2's bottleneck sequences: expansion t, output channels c, repeats n, first stride s. */
export const BOTTLENECKS: readonly (readonly [t: number, c: number, n: number, s: number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** TensorFlow's "same": ceil(size / stride) outputs, the odd pixel of padding after. */
function samePads(size: number, k: number, stride: number): [before: number, after: number, out: number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2), out];
}

/**
 * Seeded parameters, drawn in call order: weights uniform in [-gain·sqrt(3/fanIn),
 * gain·sqrt(3/fanIn)) (variance gain² / fanIn), biases uniform in [-0.05, 0.05).
 */
export function seededParameters(seed: number): {
  weights: (count: number, fanIn: number, gain: number) => Float32Array;
  biases: (count: number) => Float32Array;
} {
  let n = 0;
  return {
    weights: (count, fanIn, gain) => {
      const w = randomFloats(count, seed + 7919 * n++);
      const scale = gain * Math.sqrt(3 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] *= scale;
      return w;
    },
    biases: (count) => {
      const b = randomFloats(count, seed + 7919 * n++ + 1);
      for (let i = 0; i < b.length; i++) b[i] *= 0.05;
      return b;
    },
  };
}

/** The network with seeded weights; the same floats in every process for the same seed. */
export function mobileNetV2(seed = 14_000, size = 224, classes = 1000): MobileNetV2 {
  const layers: MbLayer[] = [];
  let parameters = 0;
  let macs = 0;
  const { weights, biases } = seededParameters(seed);

  let value = "x";
  let C = 3;
  let H = size;
  let W = size;
  const conv = (name: string, outC: number, k: number, stride: number, groups: number, relu6: boolean): string => {
    const [top, bottom, outH] = k === 1 ? [0, 0, Math.ceil(H / stride)] : samePads(H, k, stride);
    const [left, right, outW] = k === 1 ? [0, 0, Math.ceil(W / stride)] : samePads(W, k, stride);
    const fanIn = (C / groups) * k * k;
    const layer: MbConv = {
      kind: "conv",
      name,
      input: value,
      output: name,
      inC: C,
      outC,
      groups,
      k,
      stride,
      pads: [top, bottom, left, right],
      inH: H,
      inW: W,
      outH,
      outW,
      activation: relu6 ? "relu6" : "linear",
      W: weights(outC * fanIn, fanIn, relu6 ? Math.SQRT2 : 1),
      b: biases(outC),
    };
    layers.push(layer);
    parameters += layer.W.length + layer.b.length;
    macs += outC * fanIn * outH * outW;
    [value, C, H, W] = [name, outC, outH, outW];
    return name;
  };

  conv("conv1", 32, 3, 2, 1, true);
  BOTTLENECKS.forEach(([t, c, repeats, s], stage) => {
    for (let i = 0; i < repeats; i++) {
      const name = `b${stage + 1}_${i + 1}`;
      const input = value;
      const inC = C;
      const stride = i === 0 ? s : 1;
      if (t !== 1) conv(`${name}_expand`, t * inC, 1, 1, 1, true);
      conv(`${name}_dw`, C, 3, stride, C, true);
      const projected = conv(`${name}_project`, c, 1, 1, 1, false);
      if (stride === 1 && inC === c) {
        layers.push({
          kind: "add",
          name: `${name}_add`,
          inputs: [projected, input],
          output: `${name}_add`,
          C,
          H,
          W,
          relu: false,
        });
        value = `${name}_add`;
      }
    }
  });
  conv("conv_last", 1280, 1, 1, 1, true);
  const head = classifier(layers, value, C, H, W, classes, weights, biases);
  parameters += head.parameters;
  macs += head.macs;
  return { input: "x", inShape: [1, 3, size, size], output: "logits", classes, layers, parameters, macs };
}

/** The global average pool of `value` [1, C, H, W] and the affine layer to `classes` logits, appended to layers. */
export function classifier(
  layers: MbLayer[],
  value: string,
  C: number,
  H: number,
  W: number,
  classes: number,
  weights: (count: number, fanIn: number, gain: number) => Float32Array,
  biases: (count: number) => Float32Array,
): { parameters: number; macs: number } {
  layers.push({ kind: "gap", name: "pool", input: value, output: "pool", C, H, W });
  const fc: MbAffine = {
    kind: "affine",
    name: "logits",
    input: "pool",
    output: "logits",
    inF: C,
    outF: classes,
    W: weights(C * classes, C, 1),
    b: biases(classes),
  };
  layers.push(fc);
  return { parameters: fc.W.length + fc.b.length, macs: C * classes };
}

/** The input image, [1, 3, 224, 224] NCHW, uniform in [-1, 1). */
export function mobileNetInput(size = 224): Float32Array {
  return randomFloats(3 * size * size, 14);
}
