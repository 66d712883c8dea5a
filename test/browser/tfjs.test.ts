// A Vite app on @tensorflow/tfjs with zeroconv as its backend (test/browser/tfjs-consumer, bundled
// into out/browser/tfjs-consumer-dist by `npm run test:browser`) in headless Chromium, on one
// thread and on two: its SimpleConvNet's predictions, training losses and predictions after
// training must be those that the same code computes in Node from the same seeds, and zeroconv's
// kernels must be the ones that ran. (Node's reference runs on zeroconv too: tfjs's cpu backend
// took 14 s for these three steps, and zeroconv's kernels against cpu's are the Node tests' job.)
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectErrors, launch, serve, type StaticServer } from "./harness.js";
import { type Experiment, experiment } from "./tfjs-consumer/experiment.js";

type Zeroconv = typeof import("../../src/index.js");
type ZeroconvTfjs = typeof import("../../src/tfjs/index.js");

const root = new URL("../../", import.meta.url);
const IMAGES = 8;
const STEPS = 3;
/** The kernels a SimpleConvNet's predict and trainOnBatch reach (its first layer needs no input gradient). */
const KERNELS = [
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropFilter",
  "MaxPool",
  "MaxPoolGrad",
  "BatchMatMul",
  "_FusedMatMul",
];

let server: StaticServer;
let browser: Browser;
let pixels: number[];
let labels: number[];
/** What the same code computes in Node, on zeroconv's backend there. */
let node: Experiment;

beforeAll(async () => {
  [server, browser] = await Promise.all([serve(new URL("out/browser/tfjs-consumer-dist/", root).pathname), launch()]);
  const zc = (await import(new URL("dist/index.js", root).href)) as Zeroconv;
  const [, [testX, testT]] = await zc.loadMnist({ flatten: false });
  // [n, 1, 28, 28] and [n, 28, 28, 1] are the same bytes for one channel.
  pixels = Array.from(testX.data.subarray(0, IMAGES * 784));
  labels = Array.from(testT.subarray(0, IMAGES));
  const tf = await import("@tensorflow/tfjs-core");
  const zcTfjs = (await import(new URL("dist/tfjs/index.js", root).href)) as ZeroconvTfjs;
  await zcTfjs.registerBackend();
  await tf.setBackend("zeroconv");
  node = await experiment(pixels, labels, STEPS);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function expectClose(actual: number[], expected: number[], tolerance: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i]) / Math.max(1, Math.abs(expected[i]))));
  expect(worst, `${what}: the largest difference from Node's`).toBeLessThan(tolerance);
}

async function expectSameAsNode(threads: number): Promise<void> {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${server.url}?threads=${threads}`);
  await page.waitForFunction(() => document.getElementById("result")!.textContent === "ready");
  const result = await page.evaluate(
    ([p, l, s]) =>
      (globalThis as unknown as { run: (...a: unknown[]) => Promise<unknown> }).run(p, l, s) as Promise<
        Experiment & {
          info: { threads: number; build: string };
          backend: string;
          isolated: boolean;
          kernels: Record<string, { zeroconv: number; cpu: number }>;
        }
      >,
    [pixels, labels, STEPS] as const,
  );
  expect(result.backend).toBe("zeroconv");
  expect(result.isolated).toBe(true);
  expect(result.info.threads).toBe(threads);
  expect(result.info.build).toMatch(/^(simd|relaxed-simd)$/);
  expectClose(result.before, node.before, 1e-4, "probabilities before training");
  expectClose(result.losses, node.losses, 1e-4, "losses");
  expectClose(result.after, node.after, 1e-4, "probabilities after training");
  expect(result.leaked).toBe(0);
  for (const k of KERNELS) expect(result.kernels[k], k).toMatchObject({ zeroconv: expect.any(Number), cpu: 0 });
  for (const k of KERNELS) expect(result.kernels[k].zeroconv, `${k} ran on zeroconv`).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  await page.close();
}

describe("a Vite app on @tensorflow/tfjs with the zeroconv backend", () => {
  it("Node's run trains the network (the reference is not degenerate)", () => {
    expect(node.losses[STEPS - 1]).toBeLessThan(node.losses[0]);
    expect(node.leaked).toBe(0);
  });

  it("predicts and trains in Chromium as it does in Node", () => expectSameAsNode(1));

  it("does the same on 2 threads on a cross-origin isolated page", () => expectSameAsNode(2));
});
