import { describe, Tensor, type TensorLike } from "../tensor/tensor.js";
import { asTensor } from "../tensor/as_tensor.js";
import { checkInt } from "../tensor/validate.js";
import { Adam } from "../optimizers/adam.js";
import { checkRate } from "../optimizers/checks.js";
import { Random } from "./random.js";
import { SimpleConvNet, type Params } from "./simple_convnet.js";
import type { Labels } from "../layers/labels.js";

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  /** Adam's learning rate. */
  lr?: number;
  /** Images of each set whose accuracy is logged after every epoch (the book's evaluate_sample_num_per_epoch). */
  evalSamples?: number;
  /** Seed of the batch order. */
  seed?: number;
  /** Called after every step with its loss; cheap, so a progress bar can redraw. */
  onStep?: (step: StepInfo) => void;
  /** Called before the first step (epoch 0) and after every epoch with the sampled accuracies. */
  onEpoch?: (epoch: EpochInfo) => void;
}

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  seconds: number;
}
export interface EpochInfo {
  epoch: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

export interface TrainResult {
  epochs: EpochInfo[];
  losses: number[];
  /** Accuracy over the whole test set after the last epoch. */
  testAccuracy: number;
  seconds: number;
}

/**
 * The book's ch07/train_convnet.py recipe (its Trainer): Adam, mini-batches, the accuracy of the
 * first `evalSamples` training and test images logged each epoch, and the full test set at the
 * end. Where the book draws each batch with replacement, each epoch here visits every training
 * image once in a seeded random order (a permutation), the usual practice.
 */
export function train(
  net: SimpleConvNet,
  trainSet: [TensorLike, Labels],
  testSet: [TensorLike, Labels],
  options: TrainOptions = {},
): TrainResult {
  const fn = "train";
  // Everything is checked before the first step: a bad label or callback would otherwise surface
  // minutes into training, or (a label past 255 in a Uint8Array batch) not at all.
  if (!(net instanceof SimpleConvNet)) throw new TypeError(`${fn}: net must be a SimpleConvNet; got ${describe(net)}`);
  if (options === null || typeof options !== "object")
    throw new TypeError(`${fn}: options must be an object; got ${describe(options)}`);
  const epochs = checkInt(fn, "options.epochs", options.epochs ?? 20, 1);
  const batchSize = checkInt(fn, "options.batchSize", options.batchSize ?? 100, 1);
  const evalSamples = checkInt(fn, "options.evalSamples", options.evalSamples ?? 1000, 1);
  const lr = checkRate(fn, "options.lr", options.lr ?? 0.001);
  const seed = options.seed ?? 0;
  if (typeof seed !== "number") throw new TypeError(`${fn}: options.seed must be a number; got ${describe(seed)}`);
  if (!Number.isInteger(seed)) throw new RangeError(`${fn}: options.seed must be an integer; got ${seed}`);
  for (const name of ["onStep", "onEpoch"] as const) {
    const f = options[name];
    if (f !== undefined && typeof f !== "function")
      throw new TypeError(`${fn}: options.${name} must be a function; got ${describe(f)}`);
  }
  const [xTrain, tTrain] = checkSet(fn, "trainSet", net, trainSet);
  const [xTest, tTest] = checkSet(fn, "testSet", net, testSet);
  net.checkBatchFits(`${fn}: a batch of options.batchSize = ${batchSize} images`, batchSize);
  const random = new Random(seed);
  const N = xTrain.shape[0];
  const imageFloats = xTrain.size / N;
  const stepsPerEpoch = Math.max(Math.floor(N / batchSize), 1);
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const sample = (x: Tensor, t: Int32Array): [Tensor, Int32Array] => {
    const n = Math.min(evalSamples, x.shape[0]);
    return [tensorRows(x, 0, n), t.subarray(0, n)];
  };
  const [xTrainSample, tTrainSample] = sample(xTrain, tTrain);
  const [xTestSample, tTestSample] = sample(xTest, tTest);
  const log: EpochInfo[] = [];
  const evaluate = (epoch: number): void => {
    const info = {
      epoch,
      trainAccuracy: net.accuracy(xTrainSample, tTrainSample),
      testAccuracy: net.accuracy(xTestSample, tTestSample),
      seconds: seconds(),
    };
    log.push(info);
    options.onEpoch?.(info);
  };
  const losses: number[] = [];
  const xBatch = new Float32Array(batchSize * imageFloats);
  const tBatch = new Int32Array(batchSize);
  const batchShape = [batchSize, ...xTrain.shape.slice(1)];
  // The optimiser is train's own: its moments leave WASM memory when training ends, or a callback throws.
  const optimizer = new Adam({ lr });
  let grads: Params | null = null;
  try {
    evaluate(0);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = random.permutation(N);
      for (let step = 0; step < stepsPerEpoch; step++) {
        for (let i = 0; i < batchSize; i++) {
          const k = order[(step * batchSize + i) % N];
          xBatch.set(xTrain.data.subarray(k * imageFloats, (k + 1) * imageFloats), i * imageFloats);
          tBatch[i] = tTrain[k];
        }
        // Each step's gradients into the last step's arrays: no fresh 1.7 MB array for dW2.
        grads = net.gradient({ shape: batchShape, data: xBatch }, tBatch, { out: grads });
        optimizer.update(net.params, grads);
        losses.push(net.lastLoss);
        options.onStep?.({ epoch, step: step + 1, stepsPerEpoch, loss: net.lastLoss, seconds: seconds() });
      }
      evaluate(epoch);
    }
  } finally {
    optimizer.dispose();
  }
  return { epochs: log, losses, testAccuracy: net.accuracy(xTest, tTest), seconds: seconds() };
}

/** [images, labels] checked against the network, as a Tensor (a copy unless it was one) and class indices. */
function checkSet(fn: string, name: string, net: SimpleConvNet, set: unknown): [Tensor, Int32Array] {
  if (!Array.isArray(set) || set.length !== 2)
    throw new TypeError(`${fn}: ${name} must be [images, labels]; got ${describe(set)}`);
  const [x, t] = set as [TensorLike, unknown];
  const { indices } = net.checkDataSet(fn, { x: `${name}'s images`, t: `${name}'s labels` }, x, t);
  return [asTensor(x), indices];
}

function tensorRows(x: Tensor, start: number, end: number): Tensor {
  const rowFloats = x.size / x.shape[0];
  return new Tensor(x.data.slice(start * rowFloats, end * rowFloats), [end - start, ...x.shape.slice(1)]);
}
