// conv2d's inference path for everything the direct kernel does not take: conv_gemm packs the
// GEMM's panels straight from the image (conv_pack_b_8). These shapes reach what the small random
// cases of convolution.test.ts cannot: several K blocks starting mid-channel, several NC blocks,
// 8-pixel panels inside a row (the vector loads, stride 1 and 2), panels wrapping onto the next
// row, and taps reaching into the padding on both sides. The Convolution layer's forward (im2col +
// SGEMM, kept for backward) must agree too.
import { beforeAll, describe, expect, it } from "vitest";
import { conv2d, Convolution, init } from "../src/index.js";
import { refConv2d } from "./reference.js";
import { caseName, expectClose, randTensor, rng, type Case } from "./util.js";

beforeAll(async () => {
  await init();
});

const cases: (Case & { FN: number })[] = [
  { N: 1, C: 31, H: 12, W: 19, FH: 3, FW: 3, stride: 1, pad: 1, FN: 9 }, // K = 279: two K blocks, the second starting mid-channel
  { N: 2, C: 300, H: 41, W: 40, FH: 1, FW: 1, stride: 1, pad: 0, FN: 5 }, // P = 1640: two NC blocks; K = 300
  { N: 1, C: 3, H: 37, W: 45, FH: 7, FW: 7, stride: 2, pad: 3, FN: 6 }, // the W5 shape, shrunk: stride-2 vector loads and wrapping panels
  { N: 1, C: 2, H: 30, W: 64, FH: 3, FW: 3, stride: 2, pad: 0, FN: 4 }, // stride 2 whose 16-float loads end at the row's end
  { N: 1, C: 4, H: 16, W: 33, FH: 3, FW: 5, stride: 3, pad: 2, FN: 13 }, // stride 3: lane by lane throughout
  { N: 3, C: 8, H: 10, W: 24, FH: 3, FW: 3, stride: 1, pad: 1, FN: 8 }, // outW = 24: whole panels only, padding on both sides
  { N: 1, C: 1, H: 9, W: 9, FH: 9, FW: 9, stride: 1, pad: 4, FN: 3 }, // more padding than image in most taps
  { N: 1, C: 5, H: 14, W: 21, FH: 3, FW: 3, stride: 1, pad: 0, FN: 4 }, // wrapping panels whose two rows are not adjacent in memory
  { N: 2, C: 3, H: 20, W: 41, FH: 5, FW: 5, stride: 2, pad: 1, FN: 7 }, // the same at stride 2
];

describe("conv2d packing from the image", () => {
  for (const [i, c] of cases.entries()) {
    it(`matches the reference and the Convolution layer: ${caseName(c)} FN=${c.FN}`, () => {
      const x = randTensor(rng(7000 + i), [c.N, c.C, c.H, c.W]);
      const w = randTensor(rng(7100 + i), [c.FN, c.C, c.FH, c.FW]);
      const b = randTensor(rng(7200 + i), [c.FN]);
      const opts = { stride: c.stride, pad: c.pad };
      expectClose(conv2d(x.t, w.t, b.t, opts), refConv2d(x.ref, w.ref, b.ref, c.stride, c.pad), 1e-5);
      // Without a bias conv2d always packs from the image (the direct kernel wants one). The layer
      // runs im2col + SGEMM + bias: the same products in the same K blocks, so once the bias is
      // added the two must agree to the bit -- they differ only in where B's panels come from.
      const y = conv2d(x.t, w.t, null, opts);
      const layer = new Convolution(w.t, b.t, c.stride, c.pad);
      const yLayer = layer.forward(x.t);
      layer.dispose();
      const plane = y.shape[2] * y.shape[3];
      const withBias = y.data.map((v, i) => Math.fround(v + b.t.data[Math.floor(i / plane) % c.FN]));
      expect(Array.from(withBias)).toEqual(Array.from(yLayer.data));
    });
  }
});
