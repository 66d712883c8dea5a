import { describe, expect, it } from "vitest";
import {
  col2im,
  conv2d,
  Convolution,
  im2col,
  init,
  matmul,
  maxPool2d,
  memoryStats,
  Pooling,
  Tensor,
} from "../src/index.js";
import { autoBuild } from "./util.js";

// This file runs in its own module graph (vitest isolates test files), so nothing has loaded the
// module yet when the first test runs.
describe("init", () => {
  it("every call before init() throws an Error that says to call init() first (Tensor, a plain container, excepted)", () => {
    const x = { shape: [1, 1, 2, 2], data: [1, 2, 3, 4] };
    const calls: (() => unknown)[] = [
      () => im2col(x, 1, 1),
      () => col2im(x, [1, 1, 2, 2], 1, 1),
      () => matmul({ shape: [1, 1], data: [1] }, { shape: [1, 1], data: [1] }),
      () => conv2d(x, x),
      () => maxPool2d(x, { poolH: 2, poolW: 2 }),
      () => new Convolution(x, { shape: [1], data: [0] }),
      () => new Pooling(2, 2),
      () => memoryStats(),
    ];
    for (const call of calls) expect(call).toThrow(/call `await init\(\)` once before using it/);
    expect(new Tensor(new Float32Array(4), [2, 2]).shape).toEqual([2, 2]);
  });

  it("loads the module once and is idempotent; a later call asking for other options throws", async () => {
    // This suite also runs with ZEROCONV_BUILD=relaxed-simd and ZEROCONV_THREADS=2 (vitest.config.ts).
    const threads = Number(process.env.ZEROCONV_THREADS || 1);
    const build = process.env.ZEROCONV_BUILD === "relaxed-simd" ? "relaxed-simd" : autoBuild;
    const [a, b] = await Promise.all([init(), init()]);
    expect(a).toEqual({ simd: true, build, threads });
    expect(b).toEqual(a);
    const stats = memoryStats();
    expect(await init({ threads })).toEqual(a);
    expect(await init({ build })).toEqual(a);
    expect(memoryStats()).toEqual(stats);
    await expect(init({ threads: threads + 1 })).rejects.toThrow(
      new RegExp(
        `init: zeroconv is already initialised with \\{ threads: ${threads}, build: "[a-z-]+" \\}; options apply only to the first init\\(\\) call`,
      ),
    );
    expect(Array.from(matmul({ shape: [1, 2], data: [1, 2] }, { shape: [2, 1], data: [3, 4] }).data)).toEqual([11]);
  });
});
