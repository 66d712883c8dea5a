// A user's app on TensorFlow.js (the whole @tensorflow/tfjs package) with zeroconv as its backend,
// bundled by Vite. The page waits for the test to hand it images (window.run); ?threads=2 asks
// zeroconv for two threads, which needs the page to be cross-origin isolated.
import * as tf from "@tensorflow/tfjs";
import { kernelStats, registerBackend } from "zeroconv/tfjs";
import { experiment } from "./experiment.js";

const threads = Number(new URLSearchParams(location.search).get("threads") ?? "1");

async function run(pixels: number[], labels: number[], steps: number) {
  const info = await registerBackend({ threads });
  if (!(await tf.setBackend("zeroconv"))) throw new Error('tf.setBackend("zeroconv") failed');
  kernelStats(true);
  const result = await experiment(pixels, labels, steps);
  return { ...result, info, backend: tf.getBackend(), isolated: crossOriginIsolated, kernels: kernelStats() };
}

Object.assign(globalThis, { run });
document.getElementById("result")!.textContent = "ready";
