// What the tfjs app computes, and what test/browser/tfjs.test.ts computes again in Node: the
// seeded SimpleConvNet's class probabilities for a few images, its losses over a few training
// steps on them, and its probabilities after.
import { cast, memory, oneHot, type Tensor, tensor1d, tensor4d } from "@tensorflow/tfjs-core";
import { tfjsSimpleConvNet } from "../../../web/src/tfjs_simple_convnet.js";

export interface Experiment {
  /** predict(x) before training, n×10 probabilities. */
  before: number[];
  /** The loss of each trainOnBatch step. */
  losses: number[];
  after: number[];
  /** Tensors left behind: tf.memory().numTensors after, less before. */
  leaked: number;
}

/** `pixels`: n images of 28×28 in [0, 1], row-major; `labels`: their digits. */
export async function experiment(
  pixels: ArrayLike<number>,
  labels: ArrayLike<number>,
  steps: number,
): Promise<Experiment> {
  const start = memory().numTensors;
  const n = labels.length;
  const model = tfjsSimpleConvNet();
  const x = tensor4d(Float32Array.from(pixels), [n, 28, 28, 1]);
  const digits = tensor1d(Int32Array.from(labels), "int32");
  const oneHots = oneHot(digits, 10);
  const y = cast(oneHots, "float32");
  const probabilities = (): number[] => {
    const p = model.predict(x) as Tensor;
    const values = Array.from(p.dataSync());
    p.dispose();
    return values;
  };
  const before = probabilities();
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const [loss] = (await model.trainOnBatch(x, y)) as number[];
    losses.push(loss);
  }
  const after = probabilities();
  // compile() was handed the optimiser, so model.dispose() leaves it (and its learning-rate scalar).
  model.optimizer.dispose();
  model.dispose();
  for (const t of [x, digits, oneHots, y]) t.dispose();
  return { before, losses, after, leaked: memory().numTensors - start };
}
