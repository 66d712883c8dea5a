// NCHW depthwise convolutions at stride 2 across without dilation, the geometry conv2d sends to
// dwconv_nchw_s2_1x28 (rows dealt into even and odd columns, 28 outputs of a row at a time),
// against the scalar float64 reference: output widths on both sides of each of its tiles (28, 16,
// 8, 4 and one by one), odd and even image sizes, every padding form with odd and even left
// padding, filter sizes 1 to 5 (3 and 5 square, others unequal), multipliers 1 and 2, row strides
// 1 to 3, every fused activation, and planes long enough to take several strips.
import { beforeAll, describe, it } from "vitest";
import { conv2d, init } from "../src/index.js";
import { refActivate, refConvGeneral } from "./reference_conv.js";
import { same } from "./conv_cases.js";
import { expectClose, randInt, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

const ACTIVATIONS = ["linear", "relu", "relu6", "leakyRelu", "prelu", "elu", "sigmoid"] as const;

type Pad = number | [number, number] | [number, number, number, number] | "valid" | "same";

interface S2Case {
  N: number;
  C: number;
  M: number;
  H: number;
  W: number;
  FH: number;
  FW: number;
  sy: number;
  pad: Pad;
  act: (typeof ACTIVATIONS)[number];
  bias: boolean;
}

/** [top, bottom, left, right] of a pad option, "same" as TensorFlow's (the odd one at the end). */
function padsOf(c: S2Case): [number, number, number, number] {
  const p = c.pad;
  if (p === "valid") return [0, 0, 0, 0];
  if (p === "same") return [...same(c.H, c.FH, c.sy, 1), ...same(c.W, c.FW, 2, 1)];
  if (typeof p === "number") return [p, p, p, p];
  if (p.length === 2) return [p[0], p[0], p[1], p[1]];
  return p;
}

function check(seed: number, c: S2Case): void {
  const r = rng(seed);
  const [top, bottom, left, right] = padsOf(c);
  const FN = c.C * c.M;
  const x = randTensor(r, [c.N, c.C, c.H, c.W]);
  const w = randTensor(r, [FN, 1, c.FH, c.FW]);
  const b = c.bias ? randTensor(r, [FN]) : null;
  const prelu = randTensor(r, [FN]);
  const alpha = c.act === "leakyRelu" ? 0.2 : c.act === "prelu" ? prelu.t : undefined;
  const ref = { sy: c.sy, sx: 2, dh: 1, dw: 1, top, bottom, left, right, groups: c.C };
  const want = refActivate(
    refConvGeneral(x.ref, w.ref, b?.ref ?? null, ref),
    c.act,
    c.act === "prelu" ? prelu.ref.data : 0.2,
  );
  const opts = {
    stride: [c.sy, 2],
    pad: c.pad,
    groups: c.C,
    activation: c.act,
    ...(alpha === undefined ? {} : { alpha }),
  } as never;
  try {
    expectClose(conv2d(x.t, w.t, b?.t, opts), want, 1e-5);
  } catch (e) {
    throw new Error(`seed ${seed}: ${JSON.stringify(c)} -> y ${want.shape}: ${(e as Error).message}`);
  }
}

/** An input width whose output width at stride 2 is outW, odd or even as `odd` says, given the pads. */
function widthFor(outW: number, FW: number, left: number, right: number, odd: boolean): number {
  // outW = floor((W + left + right - FW) / 2) + 1: the smallest such W, or the next one.
  const W = Math.max(1, (outW - 1) * 2 + FW - left - right);
  return W % 2 === (odd ? 1 : 0) ? W : W + 1;
}

describe("NCHW depthwise, stride 2 across (dwconv_nchw_s2_1x28)", () => {
  it("matches the float64 reference at every tile width's edges, both parities, filters 3x3 and 5x5", () => {
    let seed = 1;
    // Output widths around each tile: one by one (< 4), 4, 8, 16 and 28 outputs at a time.
    const widths = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 27, 28, 29, 31, 55, 56, 57];
    for (const k of [3, 5])
      for (const outW of widths)
        for (const odd of [false, true]) {
          const pads: Pad[] = ["same", "valid", 1, [0, 1, 0, 1], [2, 1, 1, 2]];
          const pad = pads[seed % pads.length];
          const c: S2Case = {
            N: 1 + (seed % 2),
            C: 1 + (seed % 3),
            M: 1 + ((seed >> 1) % 2),
            H: 5 + (seed % 4),
            W: 1,
            FH: k,
            FW: k,
            sy: 2,
            pad,
            act: ACTIVATIONS[seed % ACTIVATIONS.length],
            bias: seed % 3 !== 0,
          };
          const [, , l, ri] = padsOf({ ...c, W: 99 });
          c.W = pad === "same" ? 2 * outW - (odd ? 1 : 0) : widthFor(outW, k, l, ri, odd);
          check(seed++, c);
        }
  });

  it("matches it on 300 random geometries: filters 1 to 5, every pad form, row strides 1 to 3, multipliers 1 and 2", () => {
    for (let seed = 1001; seed <= 1300; seed++) {
      const r = rng(seed);
      const FH = randInt(r, 1, 5);
      const FW = r() < 0.6 ? FH : randInt(r, 1, 5);
      const H = randInt(r, 1, 14);
      const W = r() < 0.3 ? randInt(r, 1, 9) : randInt(r, 10, 70);
      const forms: Pad[] = [
        "same",
        "valid",
        randInt(r, 0, 3),
        [randInt(r, 0, 2), randInt(r, 0, 3)],
        [randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3)],
      ];
      const c: S2Case = {
        N: randInt(r, 1, 2),
        C: randInt(r, 1, 6),
        M: r() < 0.7 ? 1 : 2,
        H,
        W,
        FH,
        FW,
        sy: randInt(r, 1, 3),
        pad: forms[randInt(r, 0, forms.length - 1)],
        act: ACTIVATIONS[randInt(r, 0, ACTIVATIONS.length - 1)],
        bias: r() < 0.7,
      };
      const [t, bo, l, ri] = padsOf(c);
      // A window larger than the padded image has no output: conv2d refuses it, not this kernel's case.
      if (H + t + bo < FH || W + l + ri < FW) continue;
      check(seed, c);
    }
  });

  it("takes planes in several strips: wide rows, and padding taller than a strip", () => {
    // W9's shape on 3 channels; rows 301 wide (a strip of a few rows); rows 1101 wide (one output
    // row a strip) under 6 rows of top padding.
    check(2001, { N: 1, C: 3, M: 1, H: 112, W: 112, FH: 3, FW: 3, sy: 2, pad: "same", act: "relu6", bias: true });
    check(2002, { N: 1, C: 2, M: 2, H: 40, W: 301, FH: 5, FW: 5, sy: 2, pad: [2, 1, 1, 2], act: "elu", bias: true });
    check(2003, { N: 2, C: 2, M: 1, H: 9, W: 1101, FH: 3, FW: 3, sy: 1, pad: [6, 2, 1, 1], act: "relu", bias: false });
  });
});
