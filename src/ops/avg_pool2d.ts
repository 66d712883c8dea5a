import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkBool } from "./options.js";
import type { WasmTensor } from "../tensor/wasm_tensor.js";
import { floatsIn, placeInput, placement, withResult, type Input } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { imageDims, inLayout } from "./conv_geometry.js";
import {
  checkPoolOptions,
  outputDims,
  outputShape,
  poolGeometry2d,
  poolGeometryFor,
  poolParams2d,
  type PoolWindowOptions,
  avgWindowArgs,
} from "./pool_geometry.js";
import { checkGradient, checkXShape } from "./pool_gradient.js";
import { forPoolShares, poolThreads } from "./pool_shares.js";

export interface AvgPoolOptions extends PoolWindowOptions {
  /**
   * Whether the padding counts in each window's divisor (default false: the mean of the window's
   * elements of x, as ONNX's default and TensorFlow's "same" and "valid"; PyTorch's default is
   * true). Never counted either way: the part of a ceilMode window past the padding.
   */
  countIncludePad?: boolean;
  /** Only 1 (the default): average pooling has no dilated form here; anything else is a RangeError. */
  dilation?: 1 | readonly [1, 1];
}

const AVG_KEYS = [
  "window",
  "poolH",
  "poolW",
  "stride",
  "pad",
  "dilation",
  "ceilMode",
  "countIncludePad",
  "layout",
  "out",
] as const;

/** Average pooling: x [N, C, H, W] -> [N, C, outH, outW], or NHWC; each output is its window's mean. */
export function avgPool2d(x: TensorLike, opts: AvgPoolOptions): Tensor;
export function avgPool2d(x: WasmTensor, opts: AvgPoolOptions): WasmTensor;
export function avgPool2d(x: Input, opts: AvgPoolOptions): Tensor | WasmTensor;
export function avgPool2d(x: Input, opts: AvgPoolOptions): Tensor | WasmTensor {
  const fn = "avgPool2d";
  const rt = getRuntime();
  const o = checkPoolOptions<AvgPoolOptions>(fn, opts, AVG_KEYS);
  const g = poolGeometry2d(fn, x, poolParams2d(fn, o, false));
  const includePad = checkBool(fn, "countIncludePad", o.countIncludePad) ? 1 : 0;
  const yShape = outputShape(g);
  const place = placement(fn, x, o.out, yShape, outputDims(g.layout));
  const scratch = g.layout === "NCHW" ? rt.kernels.avgpool_nchw_scratch_floats(g.H, g.outH, g.outW, g.fw, g.sx) : 0;
  const threads = poolThreads(rt, g);
  const sizes = [floatsIn(x), ...Array<number>(threads).fill(scratch)];
  return withResult(rt, fn, yShape, place, sizes, ([p0, ...ps], py) => {
    const px = placeInput(rt, fn, "x", p0, x);
    forPoolShares(rt, g, threads, (k, count, xAt, yAt, t) => {
      if (g.layout === "NCHW")
        k.avgpool_nchw(px + xAt, count, g.H, g.W, ...avgWindowArgs(g, includePad), py + yAt, ps[t]);
      else k.avgpool_nhwc(px + xAt, count, g.H, g.W, g.C, ...avgWindowArgs(g, includePad), py + yAt);
    });
  });
}

/**
 * The gradient of avgPool2d for the gradient dy of its output, given x's shape (in opts.layout)
 * and avgPool2d's options (`out` is then dx's): each dy, divided as forward divided, goes to every
 * element of x in its window; overlapping windows add up.
 */
export function avgPool2dBackward(dy: TensorLike, xShape: ArrayLike<number>, opts: AvgPoolOptions): Tensor;
export function avgPool2dBackward(dy: WasmTensor, xShape: ArrayLike<number>, opts: AvgPoolOptions): WasmTensor;
export function avgPool2dBackward(dy: Input, xShape: ArrayLike<number>, opts: AvgPoolOptions): Tensor | WasmTensor;
export function avgPool2dBackward(dy: Input, xShape: ArrayLike<number>, opts: AvgPoolOptions): Tensor | WasmTensor {
  const fn = "avgPool2dBackward";
  const rt = getRuntime();
  const o = checkPoolOptions<AvgPoolOptions>(fn, opts, AVG_KEYS);
  const p = poolParams2d(fn, o, false);
  const [N, C, H, W] = checkXShape(fn, xShape, p.layout);
  const g = poolGeometryFor(fn, p, N, C, H, W);
  const includePad = checkBool(fn, "countIncludePad", o.countIncludePad) ? 1 : 0;
  checkGradient(fn, dy, g);
  const dxShape = inLayout(g.layout, N, C, H, W);
  const place = placement(fn, dy, o.out, dxShape, imageDims(g.layout), "dy");
  return withResult(rt, fn, dxShape, place, [floatsIn(dy)], ([p0], pdx) => {
    const pdy = placeInput(rt, fn, "dy", p0, dy);
    forPoolShares(rt, g, poolThreads(rt, g), (k, count, xAt, yAt) => {
      if (g.layout === "NCHW")
        k.avgpool_backward_nchw(pdy + yAt, count, H, W, ...avgWindowArgs(g, includePad), pdx + xAt);
      else k.avgpool_backward_nhwc(pdy + yAt, count, H, W, C, ...avgWindowArgs(g, includePad), pdx + xAt);
    });
  });
}
