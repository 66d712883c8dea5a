// The demo page (web/dist, built by `npm run build:web`) in headless Chromium: it must predict
// what zeroconv in Node predicts, draw real content on every canvas, agree on both im2col orders,
// follow a drawn stroke, measure its speed, run on two threads when cross-origin isolated, and
// train the tf.layers SimpleConvNet in TensorFlow.js on zeroconv and on tfjs's cpu backend.
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectErrors, launch, serve, type StaticServer } from "./harness.js";

type Zeroconv = typeof import("../../src/index.js");

const root = new URL("../../", import.meta.url);
const CANVASES = [
  "input",
  "filters",
  "conv-maps",
  "pooled-maps",
  "probabilities",
  "im2col-kernel",
  "im2col-output",
  "memo-product",
  "memo-conv",
];

let server: StaticServer;
let browser: Browser;
/** What zeroconv in Node predicts for the first 100 test images with the committed weights. */
let nodePredictions: number[];
let labels: Uint8Array;
/** How many of those predictions are right. */
let nodeCorrect: number;

beforeAll(async () => {
  [server, browser] = await Promise.all([serve(new URL("web/dist/", root).pathname), launch()]);
  // The built package, as the page uses it (imported by path so that type-checking needs no build).
  const zc = (await import(new URL("dist/index.js", root).href)) as Zeroconv;
  await zc.init();
  const [, [testX, testT]] = await zc.loadMnist({ flatten: false });
  const net = new zc.SimpleConvNet();
  net.loadParams(new URL("weights/simple_convnet.safetensors", root).pathname);
  const scores = net.predict(new zc.Tensor(testX.data.slice(0, 100 * 784), [100, 1, 28, 28])).data;
  nodePredictions = Array.from({ length: 100 }, (_, i) => argmax(Array.from(scores.subarray(i * 10, i * 10 + 10))));
  labels = testT.subarray(0, 100);
  nodeCorrect = nodePredictions.filter((p, i) => p === labels[i]).length;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function argmax(a: number[]): number {
  return a.indexOf(Math.max(...a));
}

async function open(query = ""): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(server.url + query);
  await page.waitForSelector("html[data-ready]", { state: "attached" });
  expect(await page.getAttribute("html", "data-ready"), (await page.textContent("#status")) ?? "").toBe("true");
  return { page, errors };
}

/** How many pixels of a canvas differ from its most common colour, and how many colours it has. */
function canvasContent(
  page: Page,
  id: string,
): Promise<{ width: number; height: number; distinct: number; other: number }> {
  return page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < d.length; i += 4) {
      const key = ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let top = 0;
    counts.forEach((n) => {
      top = Math.max(top, n);
    });
    return { width: c.width, height: c.height, distinct: counts.size, other: d.length / 4 - top };
  }, id);
}

async function expectDrawn(page: Page, id: string): Promise<void> {
  const c = await canvasContent(page, id);
  expect(c.width * c.height, `#${id} has a size`).toBeGreaterThan(0);
  expect(c.distinct, `#${id} has more than one colour`).toBeGreaterThan(1);
  expect(c.other, `#${id} has pixels other than its background`).toBeGreaterThanOrEqual(10);
}

async function pick(page: Page, i: number): Promise<void> {
  await page.fill("#image-index", String(i));
  await page.dispatchEvent("#image-index", "change");
}

describe("the demo page in headless Chromium", () => {
  it("predicts test images as zeroconv does in Node and draws every stage", async () => {
    const { page, errors } = await open();
    expect([labels[0], labels[1]]).toEqual([7, 2]);

    await page.click("#next");
    expect(await page.inputValue("#image-index")).toBe("1");
    expect(await page.textContent("#prediction")).toBe(String(nodePredictions[1]));
    await pick(page, 0);
    expect(await page.textContent("#prediction")).toBe("7");
    expect(await page.textContent("#prediction")).toBe(String(nodePredictions[0]));
    expect(await page.textContent("#input-label")).toContain("label 7");

    for (const id of CANVASES) await expectDrawn(page, id);
    expect(await canvasContent(page, "im2col-kernel")).toMatchObject({ width: 576, height: 100 });
    expect(await page.textContent("#orders-agree")).toBe("all elements are same = true");
    expect(await page.textContent("#time-kernel")).toMatch(/^\d+(\.\d+)? µs$/);
    expect(await page.textContent("#time-output")).toMatch(/^\d+(\.\d+)? µs$/);
    // im2col(x) · W1[f] + b1[f] is conv2d's map f to float32 rounding, for another filter too.
    await page.selectOption("#filter", "7");
    expect(await page.textContent(".filter-number")).toBe("7");
    const diff = Number((await page.textContent("#memo-check"))!.split("= ")[1]);
    expect(diff).toBeLessThan(1e-4);

    await page.click("#bench-run");
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById("bench-rate")!.textContent ?? ""));
    expect(Number(await page.textContent("#bench-rate"))).toBeGreaterThan(0);
    // The benchmark's batch is the 100 bundled images: as many right as in Node.
    expect(await page.textContent("#bench-detail")).toContain(`; ${nodeCorrect} of 100 right`);
    expect(await page.textContent("#threads")).toBe("1");
    expect(await page.textContent("#build")).toMatch(/^(simd|relaxed-simd)$/);

    await page.selectOption("#filter", "0");
    mkdirSync(new URL("out/browser/", root), { recursive: true });
    await page.screenshot({ path: new URL("out/browser/demo.png", root).pathname, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("follows a stroke drawn with the mouse", async () => {
    const { page, errors } = await open();
    await page.click("#clear");
    expect((await canvasContent(page, "input")).distinct, "a cleared pad gives a blank input").toBe(1);
    const before = Number(await page.getAttribute("#prediction", "data-updates"));

    const box = (await page.locator("#pad").boundingBox())!;
    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(x, box.y + box.height * 0.8, { steps: 15 });
    await page.mouse.up();

    expect(Number(await page.getAttribute("#prediction", "data-updates"))).toBeGreaterThan(before);
    expect(await page.textContent("#prediction")).toMatch(/^\d$/);
    expect(await page.textContent("#input-label")).toContain("your drawing");
    await expectDrawn(page, "input");
    await expectDrawn(page, "pad");
    expect(await page.textContent("#orders-agree")).toBe("all elements are same = true");
    await page.screenshot({ path: new URL("out/browser/drawing.png", root).pathname });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("trains the tf.layers network on zeroconv, then on tfjs's cpu backend, and back", async () => {
    const { page, errors } = await open();
    const number = async (id: string): Promise<number> => Number(await page.textContent(`#${id}`));
    const stepsPast = (n: number) =>
      page.waitForFunction((n) => Number(document.getElementById("train-step")!.textContent) >= n, n);
    const now = (text: string) =>
      page.waitForFunction((t) => document.getElementById("train-now")!.textContent!.endsWith(t), text);
    await page.click("#train-run");
    await stepsPast(5);
    expect(await page.textContent("#train-run")).toBe("Pause");
    expect(await page.textContent("#train-detail")).toContain("3,000 MNIST training images in batches of 20");
    expect(await number("train-rate-zeroconv")).toBeGreaterThan(0);
    expect(await page.textContent("#train-accuracy")).toMatch(/^\d+%$/);
    expect(await page.textContent("#train-kernels")).toMatch(/Conv2DBackpropFilter ×\d+/);
    expect(await page.textContent("#train-rate-cpu")).toBe("–");

    // One step on cpu (seconds): back to zeroconv as soon as it has begun.
    await page.check('input[name="train-backend"][value="cpu"]');
    await now("on cpu…");
    await page.check('input[name="train-backend"][value="zeroconv"]');
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById("train-rate-cpu")!.textContent!));
    expect(await number("train-rate-cpu")).toBeGreaterThan(0);
    expect(await page.textContent("#train-ratio")).toMatch(/^zeroconv trains \d+(\.\d)?× as fast here$/);
    await stepsPast((await number("train-step")) + 2);
    await page.click("#train-run");
    await page.waitForFunction(() => document.getElementById("train-run")!.textContent === "Resume");
    expect(await page.textContent("#train-now")).toBe("paused");
    // The running average of the loss, against the first step's.
    expect(await number("train-loss")).toBeLessThan(await number("train-first-loss"));
    await expectDrawn(page, "train-plot");
    await page.screenshot({ path: new URL("out/browser/training.png", root).pathname, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("runs on 2 threads with ?threads=2 on a cross-origin isolated page", async () => {
    const { page, errors } = await open("?threads=2");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent("#threads")).toBe("2");
    expect(await page.getAttribute("#threads-link", "href")).toBe("?threads=1");
    await pick(page, 0);
    expect(await page.textContent("#prediction")).toBe("7");
    await page.click("#bench-run");
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById("bench-rate")!.textContent ?? ""));
    expect(Number(await page.textContent("#bench-rate"))).toBeGreaterThan(0);
    // The batch shared out over two threads gives the same answers.
    expect(await page.textContent("#bench-detail")).toContain(`; ${nodeCorrect} of 100 right`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
