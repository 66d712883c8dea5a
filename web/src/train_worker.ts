// The training panel's worker: TensorFlow.js with zeroconv registered as a backend, training the
// tf.layers SimpleConvNet with trainOnBatch on the bundled training images, batch after batch, on
// whichever backend the page asks for. A worker, so that a step on tfjs's CPU backend (seconds)
// does not freeze the page; a switch of backend takes effect between steps, and tfjs moves the
// weights to the new backend when they are first read there.
import {
  argMax,
  cast,
  dispose,
  getBackend,
  oneHot,
  setBackend,
  type Tensor,
  tensor1d,
  tensor4d,
  tidy,
} from "@tensorflow/tfjs-core";
import type { Sequential } from "@tensorflow/tfjs-layers";
import { kernelStats, registerBackend } from "zeroconv/tfjs";
import { fetchBytes, parseTestImages, type TestImages } from "./test_images.js";
import { tfjsSimpleConvNet } from "./tfjs_simple_convnet.js";
import type { FromWorker, ToWorker, TrainBackend } from "./train_messages.js";

const BATCH = 20;
/** Steps between two measurements of test accuracy. */
const EVALUATE_EVERY = 10;

let training: TestImages;
/** The 100 test images as one [100, 28, 28, 1] batch, and their labels. */
let testX: Tensor;
let testLabels: Uint8Array;
let model: Sequential | null = null;
let step = 0;
let backend: TrainBackend = "zeroconv";
let running = false;
/** A reset asked for while a step runs (trainOnBatch awaits its losses, so messages come in mid-step). */
let resetAsked = false;

const post = (m: FromWorker): void => self.postMessage(m);

function images(set: TestImages, first: number, n: number): Tensor {
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) pixels.set(set.image((first + i) % set.count), i * 784);
  return tensor4d(pixels, [n, 28, 28, 1]);
}

function labels(first: number, n: number): Tensor {
  const digits = Int32Array.from({ length: n }, (_, i) => training.label((first + i) % training.count));
  return tidy(() => cast(oneHot(tensor1d(digits, "int32"), 10), "float32"));
}

function evaluate(net: Sequential): void {
  const predicted = tidy(() => argMax(net.predict(testX) as Tensor, -1).dataSync());
  let right = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === testLabels[i]) right++;
  post({ type: "accuracy", step, accuracy: right / predicted.length });
}

function zeroconvKernels(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, count] of Object.entries(kernelStats())) if (count.zeroconv > 0) counts[name] = count.zeroconv;
  return counts;
}

function reset(): void {
  if (model !== null) {
    model.optimizer.dispose();
    model.dispose();
  }
  model = tfjsSimpleConvNet();
  step = 0;
  resetAsked = false;
  post({ type: "reset" });
  evaluate(model);
}

async function run(): Promise<void> {
  while (running) {
    if (resetAsked) reset();
    if (getBackend() !== backend) await setBackend(backend);
    const net = model!;
    const first = (step * BATCH) % training.count;
    const x = images(training, first, BATCH);
    const y = labels(first, BATCH);
    post({ type: "started", step: step + 1, backend });
    const t0 = performance.now();
    const [loss] = (await net.trainOnBatch(x, y)) as number[];
    const ms = performance.now() - t0;
    dispose([x, y]);
    step++;
    post({ type: "step", step, backend, loss, ms, zeroconvKernels: zeroconvKernels() });
    if (step % EVALUATE_EVERY === 0) evaluate(net);
    // Lets the page's messages in before the next step.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  post({ type: "paused" });
}

async function init(threads: number, base: string): Promise<void> {
  const [info, trainFile, testFile] = await Promise.all([
    registerBackend({ threads }),
    fetchBytes("mnist_train_3000.bin", base),
    fetchBytes("mnist_test_100.bin", base),
  ]);
  await setBackend(backend);
  training = parseTestImages(trainFile);
  const test = parseTestImages(testFile);
  testX = images(test, 0, test.count);
  testLabels = Uint8Array.from({ length: test.count }, (_, i) => test.label(i));
  post({ type: "ready", build: info.build, threads: info.threads, images: training.count, batch: BATCH });
  reset();
}

let initialised: Promise<void> | null = null;

self.addEventListener("message", async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    if (m.type === "init") {
      initialised = init(m.threads, m.base);
      return await initialised;
    }
    // The page sends "run" right after "init": every other message waits for the backend and the images.
    await initialised;
    switch (m.type) {
      case "run":
        backend = m.backend;
        if (running) return;
        running = true;
        return await run();
      case "pause":
        running = false;
        return;
      case "backend":
        backend = m.backend;
        return;
      case "reset":
        if (running) resetAsked = true;
        else reset();
        return;
    }
  } catch (error) {
    running = false;
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
