// W15's network, described in mobilenet_v2.ts's terms and built by every library of bench:peers:
// ResNet-18 at 224×224, from He et al., "Deep Residual Learning for Image Recognition" (CVPR 2016),
// Table 1's 18-layer column, with torchvision's geometry:
//
//   conv1    7×7, 64, stride 2, pad 3 (+ relu)                     112²
//            3×3 max-pool, stride 2, pad 1                          56²
//   conv2_x  2 basic blocks of [3×3, 64; 3×3, 64]                   56²
//   conv3_x  2 × [3×3, 128; 3×3, 128], the first at stride 2        28²
//   conv4_x  2 × [3×3, 256; 3×3, 256]                               14²
//   conv5_x  2 × [3×3, 512; 3×3, 512]                                7²
//            global average pool, 1000-way affine
//
// A basic block is conv 3×3 (stride s, pad 1) + relu, conv 3×3 (pad 1), the sum with its input
// (through a 1×1 stride-2 conv where the stride or width changes, option B of the paper), and relu.
// BatchNorm folded into each conv leaves a conv with a bias. Seeded random weights, He-scaled
// for the convs followed by relu and scaled down by 1/sqrt(2) on each branch of a sum, so that the
// activations stay of order 1 through the 20 convolutions.
import { classifier, seededParameters, type MbConv, type MbLayer, type Network } from "./mobilenet_v2.js";
import { randomFloats } from "./random.js";

/** The network with seeded weights; the same floats in every process for the same seed. */
export function resNet18(seed = 18_000, size = 224, classes = 1000): Network {
  const layers: MbLayer[] = [];
  const { weights, biases } = seededParameters(seed);
  let parameters = 0;
  let macs = 0;
  let [value, C, H, W] = ["x", 3, size, size];

  const conv = (name: string, input: string, outC: number, k: number, stride: number, relu: boolean, gain: number) => {
    const pad = (k - 1) / 2;
    const [outH, outW] = [Math.floor((H + 2 * pad - k) / stride) + 1, Math.floor((W + 2 * pad - k) / stride) + 1];
    const fanIn = C * k * k;
    const layer: MbConv = {
      kind: "conv",
      name,
      input,
      output: name,
      inC: C,
      outC,
      groups: 1,
      k,
      stride,
      pads: [pad, pad, pad, pad],
      inH: H,
      inW: W,
      outH,
      outW,
      activation: relu ? "relu" : "linear",
      W: weights(outC * fanIn, fanIn, gain),
      b: biases(outC),
    };
    layers.push(layer);
    parameters += layer.W.length + layer.b.length;
    macs += outC * fanIn * outH * outW;
    return layer;
  };

  const c1 = conv("conv1", value, 64, 7, 2, true, Math.SQRT2);
  [value, C, H, W] = [c1.output, 64, c1.outH, c1.outW];
  const outH = Math.floor((H + 2 - 3) / 2) + 1;
  const outW = Math.floor((W + 2 - 3) / 2) + 1;
  layers.push({
    kind: "maxpool",
    name: "pool1",
    input: value,
    output: "pool1",
    k: 3,
    stride: 2,
    pads: [1, 1, 1, 1],
    C,
    H,
    W,
    outH,
    outW,
  });
  [value, H, W] = ["pool1", outH, outW];

  [64, 128, 256, 512].forEach((width, stage) => {
    for (let i = 0; i < 2; i++) {
      const name = `layer${stage + 1}_${i + 1}`;
      const stride = stage > 0 && i === 0 ? 2 : 1;
      const [input, inC, inH, inW] = [value, C, H, W];
      const a = conv(`${name}_a`, input, width, 3, stride, true, Math.SQRT2);
      [C, H, W] = [width, a.outH, a.outW];
      const b = conv(`${name}_b`, a.output, width, 3, 1, false, Math.SQRT1_2);
      let shortcut = input;
      if (stride !== 1 || inC !== width) {
        [C, H, W] = [inC, inH, inW];
        shortcut = conv(`${name}_down`, input, width, 1, stride, false, Math.SQRT1_2).output;
        [C, H, W] = [width, b.outH, b.outW];
      }
      layers.push({
        kind: "add",
        name: `${name}_add`,
        inputs: [b.output, shortcut],
        output: `${name}_add`,
        C,
        H,
        W,
        relu: true,
      });
      value = `${name}_add`;
    }
  });
  const head = classifier(layers, value, C, H, W, classes, weights, biases);
  parameters += head.parameters;
  macs += head.macs;
  return { input: "x", inShape: [1, 3, size, size], output: "logits", classes, layers, parameters, macs };
}

/** The input image, [1, 3, 224, 224] NCHW, uniform in [-1, 1). */
export function resNetInput(size = 224): Float32Array {
  return randomFloats(3 * size * size, 15);
}
