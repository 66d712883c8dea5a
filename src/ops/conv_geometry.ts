// Every size a convolution (and its gradients) needs, derived once from x, W and the options.
import { formatShape } from "../tensor/tensor.js";
import { checkInt, checkTensor } from "../tensor/validate.js";
import { checkLayout, checkPadding, checkPair, resolvePads, windowCount, type Layout, type Pads } from "./options.js";

/** The geometry options, checked but not yet applied to an input size ("same" is resolved per input). */
export interface ConvParams {
  sy: number;
  sx: number;
  dh: number;
  dw: number;
  pad: Pads | "same";
  groups: number;
  layout: Layout;
}

export interface ConvGeometry {
  layout: Layout;
  N: number;
  C: number;
  H: number;
  W: number;
  FN: number;
  FH: number;
  FW: number;
  groups: number;
  /** C / groups: input channels each filter sees. */
  Cg: number;
  /** FN / groups: filters per group. */
  FNg: number;
  sy: number;
  sx: number;
  dh: number;
  dw: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
  outH: number;
  outW: number;
  /** Cg*FH*FW: one im2col row. */
  K: number;
  /** outH*outW: output pixels per image. */
  P: number;
}

export function convParams(
  fn: string,
  o: { stride?: unknown; pad?: unknown; dilation?: unknown; groups?: unknown; layout?: unknown },
): ConvParams {
  const [sy, sx] = checkPair(fn, "stride", o.stride ?? 1, 1);
  const [dh, dw] = checkPair(fn, "dilation", o.dilation ?? 1, 1);
  return {
    sy,
    sx,
    dh,
    dw,
    pad: checkPadding(fn, o.pad ?? 0),
    groups: checkInt(fn, "groups", o.groups ?? 1, 1),
    layout: checkLayout(fn, o.layout),
  };
}

/** The filter's dimension names in each layout: [FN, C/groups, FH, FW] or TensorFlow's HWIO. */
export function filterDims(layout: Layout): string[] {
  return layout === "NCHW" ? ["FN", "C", "FH", "FW"] : ["FH", "FW", "C", "FN"];
}

export function imageDims(layout: Layout, c = "C"): string[] {
  return layout === "NCHW" ? ["N", c, "H", "W"] : ["N", "H", "W", c];
}

/** x's [N, C, H, W] from its shape in `layout`. */
export function nchw(layout: Layout, s: readonly number[]): [number, number, number, number] {
  return layout === "NCHW" ? [s[0], s[1], s[2], s[3]] : [s[0], s[3], s[1], s[2]];
}

/** A shape [N, C, H, W] written in `layout`. */
export function inLayout(layout: Layout, N: number, C: number, H: number, W: number): number[] {
  return layout === "NCHW" ? [N, C, H, W] : [N, H, W, C];
}

/** [FN, Cg, FH, FW] from W's shape in `layout`. */
function filterSizes(layout: Layout, s: readonly number[]): [number, number, number, number] {
  return layout === "NCHW" ? [s[0], s[1], s[2], s[3]] : [s[3], s[2], s[0], s[1]];
}

/** Geometry of x [N, C, H, W] (or NHWC) convolved with W; `wName` names W in messages. */
export function convGeometry(fn: string, x: unknown, W: unknown, p: ConvParams, wName: string): ConvGeometry {
  const xShape = checkTensor(fn, "x", x, imageDims(p.layout));
  const wShape = checkTensor(fn, wName, W, filterDims(p.layout));
  return shapesGeometry(fn, xShape, "x", wShape, wName, p);
}

/** The same from shapes alone: the gradients know x's or W's shape without having the tensor. */
export function shapesGeometry(
  fn: string,
  xShape: readonly number[],
  xName: string,
  wShape: readonly number[],
  wName: string,
  p: ConvParams,
): ConvGeometry {
  const xDims = imageDims(p.layout);
  const wDims = filterDims(p.layout);
  const [N, C, H, Wd] = nchw(p.layout, xShape);
  const [FN, Cg, FH, FW] = filterSizes(p.layout, wShape);
  const shapes = () =>
    `${xName} is ${formatShape(xShape)} [${xDims.join(", ")}], ${wName} is ${formatShape(wShape)} [${wDims.join(", ")}]`;
  if (p.groups === 1 && Cg !== C) {
    throw new RangeError(`${fn}: ${xName} has C = ${C} channels but ${wName} has C = ${Cg}; ${shapes()}`);
  }
  if (C % p.groups !== 0 || FN % p.groups !== 0) {
    throw new RangeError(
      `${fn}: groups = ${p.groups} must divide ${xName}'s C = ${C} and ${wName}'s FN = ${FN}; ${shapes()}`,
    );
  }
  if (Cg * p.groups !== C) {
    throw new RangeError(
      `${fn}: with groups = ${p.groups}, ${wName} must have C / groups = ${C / p.groups} input channels; got ${Cg}; ${shapes()}`,
    );
  }
  return geometryFor(fn, p, N, C, H, Wd, FN, FH, FW);
}

/** The geometry for known sizes. */
export function geometryFor(
  fn: string,
  p: ConvParams,
  N: number,
  C: number,
  H: number,
  W: number,
  FN: number,
  FH: number,
  FW: number,
): ConvGeometry {
  const spanH = (FH - 1) * p.dh + 1;
  const spanW = (FW - 1) * p.dw + 1;
  const pads = resolvePads(p.pad, H, W, spanH, spanW, p.sy, p.sx);
  const outH = windowCount(fn, "height", H, pads.top, pads.bottom, spanH, p.sy);
  const outW = windowCount(fn, "width", W, pads.left, pads.right, spanW, p.sx);
  const Cg = C / p.groups;
  return {
    layout: p.layout,
    N,
    C,
    H,
    W,
    FN,
    FH,
    FW,
    groups: p.groups,
    Cg,
    FNg: FN / p.groups,
    sy: p.sy,
    sx: p.sx,
    dh: p.dh,
    dw: p.dw,
    ...pads,
    outH,
    outW,
    K: Cg * FH * FW,
    P: outH * outW,
  };
}

/**
 * The book's geometry: NCHW, one group, one stride and one pad on every side, no dilation. The
 * training path's im2col/col2im kernels and the direct kernel take only that.
 */
export function isBookGeometry(g: ConvGeometry): boolean {
  return (
    g.layout === "NCHW" &&
    g.groups === 1 &&
    g.sy === g.sx &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.top === g.bottom &&
    g.top === g.left &&
    g.left === g.right
  );
}

/** The kernels' per-axis window arguments, in their order: sy, sx, dh, dw, top, left. */
export function windowArgs(g: ConvGeometry): [number, number, number, number, number, number] {
  return [g.sy, g.sx, g.dh, g.dw, g.top, g.left];
}
