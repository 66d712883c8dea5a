// The gradients of conv2d for every option, TensorFlow's names: given dy = dL/dy, the gradient
// with respect to x (backprop input), to W (backprop filter) and to b. They are the gradients of
// the linear convolution: a fused activation's derivative is the caller's to apply to dy first.
// The four below read WasmTensors where they lie, as conv2d does; when dy is one, so is the result.
import { formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkShape, checkTensor } from "../tensor/validate.js";
import type { WasmTensor } from "../tensor/wasm_tensor.js";
import {
  floatsIn,
  placeInput,
  placement,
  readResult,
  withBuffers,
  withResult,
  writeFloats,
  checkOut,
  type Input,
  type OutTensor,
} from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { convParams, filterDims, imageDims, inLayout, shapesGeometry, type ConvGeometry } from "./conv_geometry.js";
import { convBackpropBiasAll, convBackpropFilterAll, convBackpropInputAll, convGradScratch } from "./conv_backward.js";
import { checkLayout, checkOptions, type Layout, type Padding, type Pair } from "./options.js";

/** conv2d's geometry options (the forward call's), and where to write the gradient. */
export interface ConvGradOptions {
  stride?: Pair;
  pad?: Padding;
  dilation?: Pair;
  groups?: number;
  layout?: Layout;
  /** Where to write the gradient, in the shape asked for: see conv2d's `out`. */
  out?: OutTensor | null;
}

const GRAD_KEYS = ["stride", "pad", "dilation", "groups", "layout", "out"] as const;
const EXAMPLE = "{ stride: 1, pad: 0 }";

/** dL/dx [N, C, H, W] (or NHWC) of y = conv2d(x, W, opts), x of shape `xShape`. */
export function conv2dBackpropInput(
  dy: TensorLike,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor;
export function conv2dBackpropInput(
  dy: WasmTensor,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): WasmTensor;
export function conv2dBackpropInput(
  dy: Input,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor | WasmTensor;
export function conv2dBackpropInput(
  dy: Input,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor | WasmTensor {
  const fn = "conv2dBackpropInput";
  const o = checkOptions<ConvGradOptions>(fn, opts, GRAD_KEYS, EXAMPLE);
  const p = convParams(fn, o);
  const xs = checkShape(fn, "xShape", xShape, imageDims(p.layout));
  const g = shapesGeometry(fn, xs, "xShape", checkTensor(fn, "W", W, filterDims(p.layout)), "W", p);
  return backpropInput(fn, g, dy, W, xs, o.out, imageDims(p.layout));
}

/** dL/dW [FN, C/groups, FH, FW] (or HWIO) of y = conv2d(x, W, opts), W of shape `wShape`, summed over the batch. */
export function conv2dBackpropFilter(
  x: Input,
  dy: TensorLike,
  wShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor;
export function conv2dBackpropFilter(
  x: Input,
  dy: WasmTensor,
  wShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): WasmTensor;
export function conv2dBackpropFilter(
  x: Input,
  dy: Input,
  wShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor | WasmTensor;
export function conv2dBackpropFilter(
  x: Input,
  dy: Input,
  wShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor | WasmTensor {
  const fn = "conv2dBackpropFilter";
  const o = checkOptions<ConvGradOptions>(fn, opts, GRAD_KEYS, EXAMPLE);
  const p = convParams(fn, o);
  const ws = checkShape(fn, "wShape", wShape, filterDims(p.layout));
  const g = shapesGeometry(fn, checkTensor(fn, "x", x, imageDims(p.layout)), "x", ws, "wShape", p);
  return backpropFilter(fn, g, x, dy, ws, o.out, filterDims(p.layout));
}

/** depthwiseConv2d's options that shape its windows, and where to write the gradient. */
export interface DepthwiseGradOptions extends Omit<ConvGradOptions, "groups" | "layout"> {}

const DEPTHWISE_GRAD_KEYS = ["stride", "pad", "dilation", "out"] as const;
const DEPTHWISE_FILTER_DIMS = ["FH", "FW", "C", "M"];

/**
 * dL/dx [N, H, W, C] of y = depthwiseConv2d(x, W, opts) (NHWC, W [FH, FW, C, M]), x of shape
 * `xShape`: TensorFlow's DepthwiseConv2dNativeBackpropInput.
 */
export function depthwiseConv2dBackpropInput(
  dy: TensorLike,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): Tensor;
export function depthwiseConv2dBackpropInput(
  dy: WasmTensor,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): WasmTensor;
export function depthwiseConv2dBackpropInput(
  dy: Input,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): Tensor | WasmTensor;
export function depthwiseConv2dBackpropInput(
  dy: Input,
  W: Input,
  xShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): Tensor | WasmTensor {
  const fn = "depthwiseConv2dBackpropInput";
  const o = checkOptions<DepthwiseGradOptions>(fn, opts, DEPTHWISE_GRAD_KEYS, DEPTHWISE_EXAMPLE);
  const xs = checkShape(fn, "xShape", xShape, imageDims("NHWC"));
  const ws = checkTensor(fn, "W", W, DEPTHWISE_FILTER_DIMS);
  const g = depthwiseGeometry(fn, xs, "xShape", ws, "W", o);
  // W's floats are, as they lie, the HWIO filter of the geometry's grouped conv.
  return backpropInput(fn, g, dy, W, xs, o.out, imageDims("NHWC"));
}

/**
 * dL/dW [FH, FW, C, M] of y = depthwiseConv2d(x, W, opts) (NHWC), W of shape `wShape`, summed
 * over the batch: TensorFlow's DepthwiseConv2dNativeBackpropFilter.
 */
export function depthwiseConv2dBackpropFilter(
  x: Input,
  dy: TensorLike,
  wShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): Tensor;
export function depthwiseConv2dBackpropFilter(
  x: Input,
  dy: WasmTensor,
  wShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): WasmTensor;
export function depthwiseConv2dBackpropFilter(
  x: Input,
  dy: Input,
  wShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): Tensor | WasmTensor;
export function depthwiseConv2dBackpropFilter(
  x: Input,
  dy: Input,
  wShape: ArrayLike<number>,
  opts?: DepthwiseGradOptions,
): Tensor | WasmTensor {
  const fn = "depthwiseConv2dBackpropFilter";
  const o = checkOptions<DepthwiseGradOptions>(fn, opts, DEPTHWISE_GRAD_KEYS, DEPTHWISE_EXAMPLE);
  const ws = checkShape(fn, "wShape", wShape, DEPTHWISE_FILTER_DIMS);
  const g = depthwiseGeometry(fn, checkTensor(fn, "x", x, imageDims("NHWC")), "x", ws, "wShape", o);
  return backpropFilter(fn, g, x, dy, ws, o.out, DEPTHWISE_FILTER_DIMS);
}

const DEPTHWISE_EXAMPLE = '{ stride: 1, pad: "same" }';

/** A depthwise filter [FH, FW, C, M] is, byte for byte, the HWIO filter [FH, FW, 1, C*M] of a conv with groups = C. */
function depthwiseGeometry(
  fn: string,
  xs: number[],
  xName: string,
  ws: number[],
  wName: string,
  o: Partial<DepthwiseGradOptions>,
): ConvGeometry {
  const [FH, FW, C, M] = ws;
  if (C !== xs[3]) {
    throw new RangeError(`${fn}: ${xName} has C = ${xs[3]} channels but ${wName} [FH, FW, C, M] has C = ${C}`);
  }
  const p = convParams(fn, { ...o, groups: C, layout: "NHWC" });
  return shapesGeometry(fn, xs, xName, [FH, FW, 1, C * M], wName, p);
}

function backpropInput(
  fn: string,
  g: ConvGeometry,
  dy: unknown,
  W: Input,
  xs: number[],
  out: unknown,
  dims: readonly string[],
): Tensor | WasmTensor {
  checkDy(fn, dy, g);
  const place = placement(fn, dy, out, xs, dims, "dy");
  const rt = getRuntime();
  const sizes = [floatsIn(dy), floatsIn(W), ...convGradScratch(rt, g)];
  return withResult(rt, fn, xs, place, sizes, ([p0, p1, ...scratch], pdx) => {
    const pdy = placeInput(rt, fn, "dy", p0, dy);
    convBackpropInputAll(rt, g, pdy, placeInput(rt, fn, "W", p1, W), pdx, scratch);
  });
}

function backpropFilter(
  fn: string,
  g: ConvGeometry,
  x: Input,
  dy: unknown,
  ws: number[],
  out: unknown,
  dims: readonly string[],
): Tensor | WasmTensor {
  checkDy(fn, dy, g);
  const place = placement(fn, dy, out, ws, dims, "dy");
  const rt = getRuntime();
  const sizes = [floatsIn(x), floatsIn(dy), ...convGradScratch(rt, g)];
  return withResult(rt, fn, ws, place, sizes, ([p0, p1, ...scratch], pdw) => {
    const px = placeInput(rt, fn, "x", p0, x);
    convBackpropFilterAll(rt, g, px, placeInput(rt, fn, "dy", p1, dy), pdw, scratch);
  });
}

/** dL/db [FN]: dy [N, FN, outH, outW] (or NHWC) summed over images and pixels. */
export function conv2dBackpropBias(dy: TensorLike, opts?: { layout?: Layout; out?: OutTensor | null }): Tensor {
  const fn = "conv2dBackpropBias";
  const o = checkOptions<{ layout: Layout; out: OutTensor | null }>(fn, opts, ["layout", "out"], '{ layout: "NCHW" }');
  const layout = checkLayout(fn, o.layout);
  const s = checkTensor(fn, "dy", dy, imageDims(layout, "FN"));
  const [N, FN, outH, outW] = layout === "NCHW" ? s : [s[0], s[3], s[1], s[2]];
  const out = checkOut(fn, o.out, [FN], ["FN"]);
  const rt = getRuntime();
  return withBuffers(rt, fn, [dy.data.length, FN], ([pdy, pdb]) => {
    writeFloats(rt, pdy, dy.data);
    convBackpropBiasAll(rt, layout, N, FN, outH * outW, pdy, pdb);
    return readResult(rt, pdb, [FN], out);
  });
}

/** dy must have the forward output's shape. */
function checkDy(fn: string, dy: unknown, g: ConvGeometry): asserts dy is Input {
  const dims = imageDims(g.layout, "FN");
  const got = checkTensor(fn, "dy", dy, dims);
  const want = inLayout(g.layout, g.N, g.FN, g.outH, g.outW);
  if (got.some((d, i) => d !== want[i])) {
    throw new RangeError(
      `${fn}: dy must have conv2d's output shape ${formatShape(want)} [${dims.join(", ")}] for this geometry ` +
        `(${g.outH}x${g.outW} windows); got ${formatShape(got)}`,
    );
  }
}
