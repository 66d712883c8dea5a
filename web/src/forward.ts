// One image through the network with zeroconv's own calls, keeping what the page shows: the
// first layer's convolution and its pooled maps (as SimpleConvNet computes them), and the class
// scores of the whole network.
import { conv2d, maxPool2d, type Relu, type SimpleConvNet, Tensor } from "zeroconv";
import { argmax, softmax } from "./probability_chart.js";

export interface Forward {
  /** The image, [1, 1, 28, 28]. */
  x: Tensor;
  /** conv2d(x, W1, b1): [1, 30, 24, 24]. */
  conv: Tensor;
  /** relu(maxPool2d(conv, 2×2, stride 2)): [1, 30, 12, 12], the network's pooled layer. */
  pooled: Tensor;
  /** net.predict(x): [1, 10]. */
  scores: Tensor;
  probabilities: number[];
  predicted: number;
}

export function forward(net: SimpleConvNet, relu: Relu, pixels: Float32Array): Forward {
  const x = new Tensor(pixels, [1, 1, 28, 28]);
  const conv = conv2d(x, net.params.W1, net.params.b1, { stride: 1, pad: 0 });
  const pooled = relu.forward(maxPool2d(conv, { poolH: 2, poolW: 2, stride: 2 }));
  const scores = net.predict(x);
  const probabilities = softmax(scores.data);
  return { x, conv, pooled, scores, probabilities, predicted: argmax(scores.data) };
}
