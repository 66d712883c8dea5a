// T1-T3's models for tfjs, built on whichever backend is active when called (its weights live
// there): the book's SimpleConvNet as a tf.layers model with the book's trained weights, and W14's
// MobileNetV2 as tfjs ops (lib_tfjs.ts builds it for tfjs-wasm's W14; the same graph serves here).
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { nhwcRows, oihwToHwio, type BookParams } from "./common.js";

/**
 * conv 30@5×5 s1 valid relu, maxPool 2×2 s2, dense 100 relu, dense 10 (logits), NHWC, compiled
 * for training as the book trains it (W7): Adam lr 0.001, softmax cross-entropy, batch mean.
 */
export function simpleConvNet(p: BookParams): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 30,
        kernelSize: 5,
        strides: 1,
        padding: "valid",
        activation: "relu",
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 100, activation: "relu" }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
  model.setWeights([
    tf.tensor4d(oihwToHwio(p.W1, 30, 1, 5, 5), [5, 5, 1, 30]),
    tf.tensor1d(p.b1),
    tf.tensor2d(nhwcRows(p.W2, 30, 144, 100), [4320, 100]),
    tf.tensor1d(p.b2),
    tf.tensor2d(p.W3, [100, 10]),
    tf.tensor1d(p.b3),
  ]);
  model.compile({
    optimizer: tf.train.adam(0.001),
    loss: (t: tf.Tensor, y: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, y),
  });
  return model;
}
