// The gradients of conv2d for every option, TensorFlow's names: given dy = dL/dy, the gradient
// with respect to x (backprop input), to W (backprop filter) and to b. They are the gradients of
// the linear convolution: a fused activation's derivative is the caller's to apply to dy first.
import { formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkShape, checkTensor } from "../tensor/validate.js";
import { checkOut, readResult, withBuffers, writeFloats, type OutTensor } from "../runtime/memory.js";
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
  W: TensorLike,
  xShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor {
  const fn = "conv2dBackpropInput";
  const o = checkOptions<ConvGradOptions>(fn, opts, GRAD_KEYS, EXAMPLE);
  const p = convParams(fn, o);
  const xs = checkShape(fn, "xShape", xShape, imageDims(p.layout));
  const g = shapesGeometry(fn, xs, "xShape", checkTensor(fn, "W", W, filterDims(p.layout)), "W", p);
  checkDy(fn, dy, g);
  const out = checkOut(fn, o.out, xs, imageDims(p.layout));
  const rt = getRuntime();
  const sizes = [dy.data.length, W.data.length, g.N * g.C * g.H * g.W, ...convGradScratch(rt, g)];
  return withBuffers(rt, fn, sizes, ([pdy, pw, pdx, ...scratch]) => {
    writeFloats(rt, pdy, dy.data);
    writeFloats(rt, pw, W.data);
    convBackpropInputAll(rt, g, pdy, pw, pdx, scratch);
    return readResult(rt, pdx, xs, out);
  });
}

/** dL/dW [FN, C/groups, FH, FW] (or HWIO) of y = conv2d(x, W, opts), W of shape `wShape`, summed over the batch. */
export function conv2dBackpropFilter(
  x: TensorLike,
  dy: TensorLike,
  wShape: ArrayLike<number>,
  opts?: ConvGradOptions,
): Tensor {
  const fn = "conv2dBackpropFilter";
  const o = checkOptions<ConvGradOptions>(fn, opts, GRAD_KEYS, EXAMPLE);
  const p = convParams(fn, o);
  const ws = checkShape(fn, "wShape", wShape, filterDims(p.layout));
  const g = shapesGeometry(fn, checkTensor(fn, "x", x, imageDims(p.layout)), "x", ws, "wShape", p);
  checkDy(fn, dy, g);
  const out = checkOut(fn, o.out, ws, filterDims(p.layout));
  const rt = getRuntime();
  const sizes = [x.data.length, dy.data.length, g.FN * g.K, ...convGradScratch(rt, g)];
  return withBuffers(rt, fn, sizes, ([px, pdy, pdw, ...scratch]) => {
    writeFloats(rt, px, x.data);
    writeFloats(rt, pdy, dy.data);
    convBackpropFilterAll(rt, g, px, pdy, pdw, scratch);
    return readResult(rt, pdw, ws, out);
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
function checkDy(fn: string, dy: unknown, g: ConvGeometry): asserts dy is TensorLike {
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
