// Random convolution geometries crossing every option, for the forward and gradient tests.
import type { RefConvOptions } from "./reference_conv.js";
import { randInt } from "./util.js";

/** TensorFlow's SAME, written out independently of src/ops/options.ts. */
export function same(size: number, k: number, s: number, d: number): [number, number] {
  const span = (k - 1) * d + 1;
  const out = Math.ceil(size / s);
  const total = Math.max(0, (out - 1) * s + span - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function drawPad(
  r: () => number,
  H: number,
  W: number,
  FH: number,
  FW: number,
  sy: number,
  sx: number,
  dh: number,
  dw: number,
): { pad: unknown; pads: number[] } {
  const form = randInt(r, 0, 4);
  if (form === 0) {
    const p = randInt(r, 0, 2);
    return { pad: p, pads: [p, p, p, p] };
  }
  if (form === 1) {
    const ph = randInt(r, 0, 2),
      pw = randInt(r, 0, 2);
    return { pad: [ph, pw], pads: [ph, ph, pw, pw] };
  }
  if (form === 2) {
    const p = [randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3)];
    return { pad: p, pads: p };
  }
  if (form === 3) return { pad: "valid", pads: [0, 0, 0, 0] };
  const [t, b] = same(H, FH, sy, dh);
  const [l, rr] = same(W, FW, sx, dw);
  return { pad: "same", pads: [t, b, l, rr] };
}

export interface ConvCase {
  layout: "NCHW" | "NHWC";
  N: number;
  C: number;
  H: number;
  W: number;
  FN: number;
  Cg: number;
  FH: number;
  FW: number;
  groups: number;
  /** The options as a user writes them (a number where both axes agree, half the time). */
  opts: { stride: unknown; dilation: unknown; pad: unknown; groups: number; layout: "NCHW" | "NHWC" };
  ref: RefConvOptions;
}

/** A geometry where at least one window fits: groups 1, 2 or depthwise (multiplier 1 or 2). */
export function drawConvCase(r: () => number, maxSize = 19): ConvCase {
  for (;;) {
    const layout = r() < 0.5 ? "NCHW" : "NHWC";
    const groupsKind = randInt(r, 0, 2);
    const Cg = groupsKind === 2 ? 1 : randInt(r, 1, 5);
    const groups = groupsKind === 0 ? 1 : groupsKind === 1 ? 2 : randInt(r, 2, 9);
    const C = Cg * groups;
    const FN = groups * (groupsKind === 2 ? randInt(r, 1, 2) : randInt(r, 1, 9));
    const N = randInt(r, 1, 2),
      H = randInt(r, 1, maxSize),
      W = randInt(r, 1, maxSize);
    const FH = randInt(r, 1, 5),
      FW = randInt(r, 1, 5);
    const sy = randInt(r, 1, 3),
      sx = randInt(r, 1, 3),
      dh = randInt(r, 1, 3),
      dw = randInt(r, 1, 3);
    const { pad, pads } = drawPad(r, H, W, FH, FW, sy, sx, dh, dw);
    const [top, bottom, left, right] = pads;
    if (H + top + bottom < (FH - 1) * dh + 1 || W + left + right < (FW - 1) * dw + 1) continue;
    const stride = sy === sx && r() < 0.5 ? sy : [sy, sx];
    const dilation = dh === dw && r() < 0.5 ? dh : [dh, dw];
    return {
      layout,
      N,
      C,
      H,
      W,
      FN,
      Cg,
      FH,
      FW,
      groups,
      opts: { stride, dilation, pad, groups, layout },
      ref: { sy, sx, dh, dw, top, bottom, left, right, groups },
    };
  }
}

/**
 * A depthwise geometry wide enough for the tiled kernels (six pixels of a row, four channels at a
 * time): C from 1 to 37 (rarely a multiple of 4), rows up to 40 wide, 1x1 to 5x5 filters (3x3 and
 * 5x5 most often), multiplier 1 mostly and 2 sometimes, dilation 1 mostly, every padding form.
 */
export function drawDepthwiseCase(r: () => number): ConvCase {
  for (;;) {
    const layout = r() < 0.5 ? "NCHW" : "NHWC";
    const C = randInt(r, 1, 37);
    const M = r() < 0.8 ? 1 : 2;
    const N = randInt(r, 1, 2),
      H = randInt(r, 1, 12),
      W = r() < 0.2 ? randInt(r, 1, 4) : randInt(r, 5, 40);
    const k = [1, 3, 3, 3, 5, 5][randInt(r, 0, 5)];
    const FH = r() < 0.8 ? k : randInt(r, 1, 5),
      FW = r() < 0.8 ? k : randInt(r, 1, 5);
    const sy = r() < 0.8 ? randInt(r, 1, 2) : 3,
      sx = r() < 0.8 ? sy : randInt(r, 1, 3);
    const dh = r() < 0.8 ? 1 : randInt(r, 2, 3),
      dw = r() < 0.8 ? dh : randInt(r, 1, 3);
    const { pad, pads } = drawPad(r, H, W, FH, FW, sy, sx, dh, dw);
    const [top, bottom, left, right] = pads;
    if (H + top + bottom < (FH - 1) * dh + 1 || W + left + right < (FW - 1) * dw + 1) continue;
    return {
      layout,
      N,
      C,
      H,
      W,
      FN: C * M,
      Cg: 1,
      FH,
      FW,
      groups: C,
      opts: { stride: [sy, sx], dilation: [dh, dw], pad, groups: C, layout },
      ref: { sy, sx, dh, dw, top, bottom, left, right, groups: C },
    };
  }
}
