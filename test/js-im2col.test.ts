import { describe, it, expect } from "vitest";
import { im2colFloats, im2colKernelOrderJs, im2colOutputOrderJs } from "../bench/js-im2col.js";
import { outLen, refIm2col } from "./reference.js";
import { caseName, edgeCases, expectExact, randCase, randTensor, rng, type Case } from "./util.js";

// Rows wider than util's 20 reach the kernel order's subarray().set() path (runs of >= 32 floats).
const wideCases: Case[] = [
  { N: 1, C: 2, H: 5, W: 40, FH: 3, FW: 3, stride: 1, pad: 1 },
  { N: 2, C: 3, H: 3, W: 64, FH: 1, FW: 1, stride: 1, pad: 0 },
  { N: 1, C: 1, H: 4, W: 37, FH: 2, FW: 5, stride: 1, pad: 2 },
];
const randomCases = Array.from({ length: 100 }, (_, i) => randCase(rng(5000 + i)));
const cases = [...edgeCases, ...randomCases, ...wideCases];

describe("JS im2col slice orders (the benchmark's baseline)", () => {
  it("random cases cover non-square filters, every stride and pad", () => {
    expect(randomCases.some((c) => c.FH !== c.FW)).toBe(true);
    for (const s of [1, 2, 3]) expect(randomCases.some((c) => c.stride === s)).toBe(true);
    for (const p of [0, 1, 2]) expect(randomCases.some((c) => c.pad === p)).toBe(true);
  });

  it.each(cases.map((c, i) => [caseName(c), c, i] as const))("both match the reference exactly: %s", (_, c, i) => {
    const g = { ...c, outH: outLen(c.H, c.FH, c.stride, c.pad), outW: outLen(c.W, c.FW, c.stride, c.pad) };
    const { t, ref } = randTensor(rng(i), [c.N, c.C, c.H, c.W]);
    const want = refIm2col(ref, c.FH, c.FW, c.stride, c.pad);
    // NaN-filled outputs and scratch: every element must be written, padding included.
    const size = im2colFloats(g);
    const byKernel = new Float32Array(size).fill(NaN);
    const byOutput = new Float32Array(size).fill(NaN);
    im2colKernelOrderJs(t.data, g, byKernel, new Float32Array(size).fill(NaN));
    im2colOutputOrderJs(t.data, g, byOutput);
    expectExact({ shape: want.shape, data: byKernel }, want);
    expectExact({ shape: want.shape, data: byOutput }, want);
  });
});
