// The book's SimpleConvNet written with tf.layers: conv 30@5×5 + relu, 2×2 max-pooling, dense 100
// + relu, dense 10 + softmax, on 28×28×1 images (tfjs's channels-last). Seeded initialisers give
// the same starting weights in every browser and in Node, so the demo's panel, the browser test's
// app and its Node reference all train the same network. Plain SGD rather than the book's Adam,
// whose extra element-wise updates per weight made a zeroconv step 1.6x as long (measured in Node,
// CPU time, batch 20: 76 ms against 46).
import { initializers, layers, type Sequential, sequential } from "@tensorflow/tfjs-layers";
import { train } from "@tensorflow/tfjs-core";

export const LEARNING_RATE = 0.05;

/** A compiled SimpleConvNet: categorical cross-entropy on one-hot labels, accuracy as its metric. */
export function tfjsSimpleConvNet(seed = 1): Sequential {
  const model = sequential({
    layers: [
      layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 30,
        kernelSize: 5,
        activation: "relu",
        kernelInitializer: initializers.heNormal({ seed }),
      }),
      layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      layers.flatten(),
      layers.dense({ units: 100, activation: "relu", kernelInitializer: initializers.heNormal({ seed: seed + 1 }) }),
      layers.dense({
        units: 10,
        activation: "softmax",
        kernelInitializer: initializers.glorotNormal({ seed: seed + 2 }),
      }),
    ],
  });
  model.compile({ optimizer: train.sgd(LEARNING_RATE), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}
