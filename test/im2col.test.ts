import { beforeAll, describe, expect, it } from "vitest";
import { col2im, im2col, init } from "../src/index.js";
import { refCol2im, refIm2col } from "./reference.js";
import {
  caseName,
  dot,
  expectSameBytes,
  edgeCases,
  expectClose,
  expectExact,
  randCase,
  randTensor,
  rng,
} from "./util.js";

beforeAll(async () => {
  await init();
});

const randomCases = Array.from({ length: 220 }, (_, i) => randCase(rng(1000 + i)));
const cases = [...edgeCases, ...randomCases];

describe("im2col", () => {
  it(`both slice orders match the scalar reference and each other bit for bit (${cases.length} cases)`, () => {
    cases.forEach((c, i) => {
      const { t, ref } = randTensor(rng(i), [c.N, c.C, c.H, c.W]);
      const want = refIm2col(ref, c.FH, c.FW, c.stride, c.pad);
      const byKernel = im2col(t, c.FH, c.FW, c.stride, c.pad, "kernel");
      const byOutput = im2col(t, c.FH, c.FW, c.stride, c.pad, "output");
      try {
        expectExact(byKernel, want);
        expectExact(byOutput, want);
        expectSameBytes(byOutput.data, byKernel.data);
      } catch (e) {
        throw new Error(`${caseName(c)}: ${(e as Error).message}`);
      }
    });
  });

  it("defaults to stride 1, pad 0 and the kernel order", () => {
    const { t, ref } = randTensor(rng(7), [2, 3, 6, 5]);
    expectExact(im2col(t, 3, 2), refIm2col(ref, 3, 2, 1, 0));
  });

  it("takes number[] and Float64Array data", () => {
    const { t, ref } = randTensor(rng(8), [1, 2, 4, 4]);
    const want = refIm2col(ref, 2, 2, 1, 1);
    expectExact(im2col({ shape: [1, 2, 4, 4], data: Array.from(t.data) }, 2, 2, 1, 1), want);
    expectExact(im2col({ shape: [1, 2, 4, 4], data: Float64Array.from(t.data) }, 2, 2, 1, 1, "output"), want);
  });

  it("shows the memo's stride bug: windows starting at (oy, ox) instead of (oy*stride, ox*stride) differ at stride 2", () => {
    // The memo's version read window (oy, ox); at stride 2 that is a different matrix, which our
    // output order must not produce.
    const { t, ref } = randTensor(rng(9), [1, 1, 7, 7]);
    const right = im2col(t, 3, 3, 2, 0, "output");
    const stride1 = refIm2col(ref, 3, 3, 1, 0);
    const memo = new Float32Array(right.data.length); // rows (oy, ox) of the stride-1 matrix
    for (let oy = 0; oy < 3; oy++)
      for (let ox = 0; ox < 3; ox++)
        for (let k = 0; k < 9; k++) memo[(oy * 3 + ox) * 9 + k] = stride1.data[(oy * 5 + ox) * 9 + k];
    expect(Array.from(right.data)).not.toEqual(Array.from(memo));
  });
});

describe("col2im", () => {
  it(`matches the book's accumulate-overlaps col2im (${cases.length} cases)`, () => {
    cases.forEach((c, i) => {
      const shape = [c.N, c.C, c.H, c.W];
      const probe = refIm2col(randTensor(rng(i), shape).ref, c.FH, c.FW, c.stride, c.pad);
      const { t, ref } = randTensor(rng(5000 + i), probe.shape);
      try {
        expectClose(
          col2im(t, shape, c.FH, c.FW, c.stride, c.pad),
          refCol2im(ref, shape, c.FH, c.FW, c.stride, c.pad),
          1e-6,
        );
      } catch (e) {
        throw new Error(`${caseName(c)}: ${(e as Error).message}`);
      }
    });
  });

  it("is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>", () => {
    randomCases.slice(0, 100).forEach((c, i) => {
      const shape = [c.N, c.C, c.H, c.W];
      const x = randTensor(rng(i), shape).t;
      const col = im2col(x, c.FH, c.FW, c.stride, c.pad);
      const probe = randTensor(rng(9000 + i), [...col.shape]).t;
      const lhs = dot(col.data, probe.data);
      const rhs = dot(x.data, col2im(probe, shape, c.FH, c.FW, c.stride, c.pad).data);
      expect(Math.abs(lhs - rhs), caseName(c)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(lhs)));
    });
  });
});
