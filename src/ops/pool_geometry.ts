// Every size a pooling op (and its gradient) needs, derived once from x's shape and the options:
// the window, strides, the four padding forms with "same", dilation, ceil mode and layout, read
// with the vocabulary conv2d uses (./options.ts), plus pooling's own rule that every window must
// cover an element of x.
import { describe, formatShape } from "../tensor/tensor.js";
import { checkInt, checkTensor } from "../tensor/validate.js";
import type { OutTensor } from "../runtime/memory.js";
import { imageDims, inLayout, nchw } from "./conv_geometry.js";
import {
  checkBool,
  checkLayout,
  checkOptions,
  checkPadding,
  checkPair,
  resolvePads,
  windowCount,
  type Layout,
  type Padding,
  type Pads,
  type Pair,
} from "./options.js";

/** The options maxPool2d and avgPool2d share. */
export interface PoolWindowOptions {
  /** The window, `n` or `[height, width]`. Required, unless given as poolH and poolW. */
  window?: Pair;
  /** The window's height, maxPool2d's first spelling: taken with poolW, instead of window. */
  poolH?: number;
  /** The window's width, with poolH. */
  poolW?: number;
  /** `n` or `[strideH, strideW]`; defaults to the window, per axis (PyTorch's and TensorFlow's default). */
  stride?: Pair;
  /**
   * A number, [padH, padW], [top, bottom, left, right], "valid" or "same" (default 0); see Padding.
   * Any size, as long as every window keeps at least one element of x (a RangeError otherwise).
   */
  pad?: Padding;
  /**
   * PyTorch's and ONNX's ceil_mode (default false): the output size rounds up, so a last window
   * may hang past the padding, but it must start inside x or its leading padding.
   */
  ceilMode?: boolean;
  /** "NCHW" (default) or "NHWC": x [N, C, H, W] -> [N, C, outH, outW], or x [N, H, W, C] -> [N, outH, outW, C]. */
  layout?: Layout;
  /**
   * Where to write the result, of exactly the result's shape: a Tensor or any { shape, data } with
   * Float32Array data, which is returned (or wrapped in a Tensor) instead of a new array. It may be
   * an input's array: the inputs are copied into WASM memory before the result is written.
   */
  out?: OutTensor | null;
}

/** The window's options as checked; "same" is resolved per input size. */
export interface PoolParams2d {
  fh: number;
  fw: number;
  sy: number;
  sx: number;
  dh: number;
  dw: number;
  pad: Pads | "same";
  ceilMode: boolean;
  layout: Layout;
}

export interface PoolGeometry2d extends Omit<PoolParams2d, "pad">, Pads {
  N: number;
  C: number;
  H: number;
  W: number;
  outH: number;
  outW: number;
}

/**
 * A pooling op's options object: required (there is no default window), with only `known` keys;
 * an unknown key is a TypeError naming it, as `{ strides: 2 }` would otherwise pool at stride 2
 * only by the window's default.
 */
export function checkPoolOptions<T extends object>(fn: string, opts: unknown, known: readonly string[]): Partial<T> {
  if (opts === undefined) throw new TypeError(`${fn}: opts must be an object like { window: 2 }; got undefined`);
  return checkOptions<T>(fn, opts, known, "{ window: 2 }");
}

/** The window from `window` or from maxPool2d's older poolH and poolW, never both. */
function checkWindow(fn: string, o: { window?: unknown; poolH?: unknown; poolW?: unknown }): [number, number] {
  const old = o.poolH != null || o.poolW != null;
  if (o.window != null) {
    if (old) {
      throw new TypeError(
        `${fn}: give the window as window or as poolH and poolW, not both; got window ${describe(o.window)}, ` +
          `poolH ${describe(o.poolH)} and poolW ${describe(o.poolW)}`,
      );
    }
    return checkPair(fn, "window", o.window, 1);
  }
  if (!old) throw new TypeError(`${fn}: opts.window is missing: give window: n or [height, width]`);
  return [checkInt(fn, "poolH", o.poolH, 1), checkInt(fn, "poolW", o.poolW, 1)];
}

/**
 * Checks the window options. `dilated` says whether the op takes dilation: average pooling does
 * not (PyTorch's AvgPool2d has none; ONNX's came late and few models use it), and says so with a
 * RangeError for anything but 1.
 */
export function poolParams2d(
  fn: string,
  o: Partial<PoolWindowOptions> & { dilation?: unknown },
  dilated: boolean,
): PoolParams2d {
  const [fh, fw] = checkWindow(fn, o);
  const [sy, sx] = checkPair(fn, "stride", o.stride ?? [fh, fw], 1);
  const [dh, dw] = checkPair(fn, "dilation", o.dilation ?? 1, 1);
  if (!dilated && (dh !== 1 || dw !== 1)) {
    throw new RangeError(
      `${fn}: dilation must be 1: average pooling has no dilated form; got ${JSON.stringify(o.dilation)}`,
    );
  }
  return {
    fh,
    fw,
    sy,
    sx,
    dh,
    dw,
    pad: checkPadding(fn, o.pad ?? 0),
    ceilMode: checkBool(fn, "ceilMode", o.ceilMode),
    layout: checkLayout(fn, o.layout),
  };
}

/** The geometry of pooling x (in p.layout) with p. */
export function poolGeometry2d(fn: string, x: unknown, p: PoolParams2d): PoolGeometry2d {
  const [N, C, H, W] = nchw(p.layout, checkTensor(fn, "x", x, imageDims(p.layout)));
  return poolGeometryFor(fn, p, N, C, H, W);
}

/** The geometry for known sizes (avgPool2dBackward has x's shape, not x). */
export function poolGeometryFor(
  fn: string,
  p: PoolParams2d,
  N: number,
  C: number,
  H: number,
  W: number,
): PoolGeometry2d {
  const spanH = (p.fh - 1) * p.dh + 1;
  const spanW = (p.fw - 1) * p.dw + 1;
  const pads = resolvePads(p.pad, H, W, spanH, spanW, p.sy, p.sx);
  const outH = windowCount(fn, "height", H, pads.top, pads.bottom, spanH, p.sy, p.ceilMode);
  const outW = windowCount(fn, "width", W, pads.left, pads.right, spanW, p.sx, p.ceilMode);
  checkCovered(fn, "height", "rows", H, pads.top, pads.bottom, p.fh, p.dh, p.sy, outH);
  checkCovered(fn, "width", "columns", W, pads.left, pads.right, p.fw, p.dw, p.sx, outW);
  const { pad: _, ...rest } = p;
  return { ...rest, ...pads, N, C, H, W, outH, outW };
}

/** The output's shape in g's layout. */
export function outputShape(g: PoolGeometry2d): number[] {
  return inLayout(g.layout, g.N, g.C, g.outH, g.outW);
}

/** The output's dimension names, for messages. */
export function outputDims(layout: Layout): string[] {
  return layout === "NCHW" ? ["N", "C", "outH", "outW"] : ["N", "outH", "outW", "C"];
}

/**
 * Throws a RangeError when one of the n windows along an axis has no tap inside x: padding alone
 * has no maximum, and its average would divide by zero (or, counting the padding, be a made-up 0).
 * Windows are checked from the definition, tap by tap, so the rule holds for every padding form,
 * dilation and ceil mode; it takes any padding PyTorch's "at most half the window" takes.
 */
function checkCovered(
  fn: string,
  axis: string,
  unit: string,
  size: number,
  before: number,
  after: number,
  k: number,
  d: number,
  stride: number,
  n: number,
): void {
  const empty = (start: number) => {
    if (start >= size) return true;
    if (start >= 0) return false;
    const j = Math.ceil(-start / d); // the first tap at or past x's first element
    return j >= k || start + j * d >= size;
  };
  // Only windows that start in the leading padding, or the last, can miss x; the leading ones'
  // first tap inside x repeats with a period of at most d windows.
  const lead = Math.min(Math.ceil(before / stride), n, d);
  const suspects = [...Array.from({ length: lead }, (_, i) => i), n - 1];
  const o = suspects.find((i) => empty(i * stride - before));
  if (o === undefined) return;
  const start = o * stride - before;
  const taps = d === 1 ? `${start} to ${start + k - 1}` : `${start} to ${start + (k - 1) * d} every ${d}`;
  throw new RangeError(
    `${fn}: window ${o} along the ${axis} covers only padding (${unit} ${taps}; x has ${size} ${unit}, padded by ` +
      `${before} + ${after}); every window must cover an element of x, as padding alone has no maximum or average`,
  );
}

/** "x [2, 3, 8, 8] [N, C, H, W]", for messages that relate a shape to its layout. */
export function describeX(layout: Layout, shape: readonly number[]): string {
  return `${formatShape(shape)} [${imageDims(layout).join(", ")}]`;
}

type Ten = [number, number, number, number, number, number, number, number, number, number];

/** maxPool2d's kernels' window arguments, in their order: fh, fw, sy, sx, dh, dw, top, left, outH, outW. */
export function maxWindowArgs(g: PoolGeometry2d): Ten {
  return [g.fh, g.fw, g.sy, g.sx, g.dh, g.dw, g.top, g.left, g.outH, g.outW];
}

/** avgPool2d's: fh, fw, sy, sx, top, bottom, left, right, includePad (0 or 1), outH, outW. */
export function avgWindowArgs(g: PoolGeometry2d, includePad: number): [...Ten, number] {
  return [g.fh, g.fw, g.sy, g.sx, g.top, g.bottom, g.left, g.right, includePad, g.outH, g.outW];
}
