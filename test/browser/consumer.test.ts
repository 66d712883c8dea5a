// A user's app that imports "zeroconv" by name (test/browser/consumer/main.js), bundled with Vite
// into out/browser/consumer-dist by `npm run test:browser`: the bundle must carry the .wasm builds
// and nothing that reads files, and in Chromium its conv2d must give the numbers worked out by
// hand below. The same app also runs unbundled, from a static page whose import map points
// "zeroconv" at the package's dist/browser.js.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectErrors, launch, serve, type StaticServer } from "./harness.js";

const dist = new URL("../../out/browser/consumer-dist/", import.meta.url).pathname;

let consumer: StaticServer;
/** The repository root: the package as a static host would serve it. */
let repo: StaticServer;
let browser: Browser;

beforeAll(async () => {
  [consumer, repo, browser] = await Promise.all([
    serve(dist),
    serve(new URL("../../", import.meta.url).pathname),
    launch(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await consumer?.close();
  await repo?.close();
});

/** Opens the app at `path` and checks what it wrote. */
async function expectConv2d(server: StaticServer, path: string): Promise<void> {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(server.url + path);
  await page.waitForFunction(() => document.getElementById("result")!.textContent !== "running…");
  const text = (await page.textContent("#result"))!;
  expect(text).not.toMatch(/^error/);
  const result = JSON.parse(text) as {
    build: string;
    threads: number;
    shape: number[];
    data: number[];
    exports: string[];
  };
  // x is 1..16 in a 4×4 image, so its 3×3 windows start at 1, 2, 5 and 6.
  // Filter 0, the diagonal (1, 2, 3), bias 0.5: 1·x[i][j] + 2·x[i+1][j+1] + 3·x[i+2][j+2] + 0.5
  //   (0,0): 1 + 2·6 + 3·11 + 0.5 = 46.5   (0,1): 2 + 2·7 + 3·12 + 0.5 = 52.5
  //   (1,0): 5 + 2·10 + 3·15 + 0.5 = 70.5  (1,1): 6 + 2·11 + 3·16 + 0.5 = 76.5
  // Filter 1, all ones, bias -1: the window's sum (9 times its centre) - 1
  //   centres 6, 7, 10, 11: 53, 62, 89, 98
  expect(result.shape).toEqual([1, 2, 2, 2]);
  expect(result.data).toEqual([46.5, 52.5, 70.5, 76.5, 53, 62, 89, 98]);
  expect(result.build).toMatch(/^(simd|relaxed-simd)$/);
  expect(result.threads).toBe(1);
  // The package's browser entry ("default" condition), not its Node one.
  expect(result.exports).toEqual(expect.arrayContaining(["init", "conv2d", "Tensor", "SimpleConvNet", "im2col"]));
  expect(result.exports).not.toContain("loadMnist");
  expect(errors).toEqual([]);
  await page.close();
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe("a Vite app that imports zeroconv", () => {
  it("bundles the .wasm builds and no file-system import", () => {
    expect(existsSync(join(dist, "index.html")), "run `npm run test:browser`, which builds the consumer").toBe(true);
    const all = files(dist).map((f) => f.slice(dist.length));
    const wasm = all.filter((f) => f.endsWith(".wasm"));
    expect(wasm.map((f) => f.replace(/-[\w-]{8}\.wasm$/, ".wasm")).sort()).toEqual([
      "assets/zeroconv.relaxed-simd.threads.wasm",
      "assets/zeroconv.relaxed-simd.wasm",
      "assets/zeroconv.threads.wasm",
      "assets/zeroconv.wasm",
    ]);
    const scripts = all.filter((f) => f.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(0);
    const code = scripts.map((f) => readFileSync(join(dist, f), "utf8")).join("\n");
    // import ... from "fs", import("node:fs/promises"), require("fs"), import "fs": none of them.
    expect(code).not.toMatch(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](?:node:)?fs(?:\/promises)?["']/);
    // What Vite puts in place of a Node built-in that it had to leave out of a browser bundle.
    expect(all.join("\n") + code).not.toContain("__vite-browser-external");
    for (const w of wasm) expect(code, `the bundle refers to ${w}`).toContain(w.split("/").pop());
  });

  it("runs conv2d in Chromium with the numbers worked out by hand", async () => {
    await expectConv2d(consumer, "");
    // The page fetched one of the bundled builds.
    expect(consumer.requests.some((p) => /^\/assets\/zeroconv[\w.-]*\.wasm$/.test(p))).toBe(true);
  });

  it("runs unbundled too, with an import map to dist/browser.js", async () => {
    await expectConv2d(repo, "test/browser/consumer/importmap.html");
    expect(repo.requests.some((p) => /^\/build\/zeroconv[\w.-]*\.wasm$/.test(p))).toBe(true);
  });
});
