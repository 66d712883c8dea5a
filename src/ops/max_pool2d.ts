import type { Tensor, TensorLike } from "../tensor/tensor.js";
import type { WasmTensor } from "../tensor/wasm_tensor.js";
import { floatsIn, placeInput, placement, withResult, type Input } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { imageDims } from "./conv_geometry.js";
import type { Pair } from "./options.js";
import {
  checkPoolOptions,
  outputDims,
  outputShape,
  poolGeometry2d,
  poolParams2d,
  type PoolGeometry2d,
  type PoolWindowOptions,
  maxWindowArgs,
} from "./pool_geometry.js";
import { checkGradient } from "./pool_gradient.js";
import { forPoolShares, poolThreads } from "./pool_shares.js";

export interface MaxPoolOptions extends PoolWindowOptions {
  /** Spacing of the window's taps, `n` or `[dh, dw]` (default 1), as PyTorch's MaxPool2d and ONNX's MaxPool. */
  dilation?: Pair;
}

const MAX_KEYS = ["window", "poolH", "poolW", "stride", "pad", "dilation", "ceilMode", "layout", "out"] as const;

/**
 * Max-pooling: x [N, C, H, W] -> [N, C, outH, outW], or NHWC. Padding counts as -infinity (it never
 * wins); where values tie the first in row-major window order wins, and NaN beats every number.
 */
export function maxPool2d(x: TensorLike, opts: MaxPoolOptions): Tensor;
export function maxPool2d(x: WasmTensor, opts: MaxPoolOptions): WasmTensor;
export function maxPool2d(x: Input, opts: MaxPoolOptions): Tensor | WasmTensor;
export function maxPool2d(x: Input, opts: MaxPoolOptions): Tensor | WasmTensor {
  const fn = "maxPool2d";
  const rt = getRuntime();
  const o = checkPoolOptions<MaxPoolOptions>(fn, opts, MAX_KEYS);
  const g = poolGeometry2d(fn, x, poolParams2d(fn, o, true));
  const yShape = outputShape(g);
  const place = placement(fn, x, o.out, yShape, outputDims(g.layout));
  const book = isBook2x2(g);
  const threads = poolThreads(rt, g);
  const scratch = g.layout === "NCHW" && !book ? rt.kernels.pool_nchw_scratch_floats(g.H, g.outW, g.fw, g.sx, g.dw) : 0;
  const sizes = [floatsIn(x), ...Array<number>(threads).fill(scratch)];
  return withResult(rt, fn, yShape, place, sizes, ([p0, ...ps], py) => {
    const px = placeInput(rt, fn, "x", p0, x);
    forPoolShares(rt, g, threads, (k, count, xAt, yAt, t) => {
      if (g.layout === "NHWC") k.maxpool_nhwc(px + xAt, count, g.H, g.W, g.C, ...maxWindowArgs(g), py + yAt);
      else if (book) k.maxpool_2x2s2_max(px + xAt, count, g.H, g.W, g.outH, g.outW, py + yAt);
      else k.maxpool_nchw(px + xAt, count, g.H, g.W, ...maxWindowArgs(g), py + yAt, ps[t]);
    });
  });
}

/**
 * The book's 2x2 stride-2 windows, which have a kernel of their own: no leading padding, and no
 * window past the last even row or column (trailing padding or ceil mode may add none).
 */
function isBook2x2(g: PoolGeometry2d): boolean {
  return (
    g.fh === 2 &&
    g.fw === 2 &&
    g.sy === 2 &&
    g.sx === 2 &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.top === 0 &&
    g.left === 0 &&
    g.outH === Math.floor(g.H / 2) &&
    g.outW === Math.floor(g.W / 2)
  );
}

/**
 * The gradient of maxPool2d(x, opts) for the gradient dy of its output: each dy goes to its
 * window's maximum (the first where values tie, the NaN where there is one, never padding), and
 * overlapping windows add up. Takes maxPool2d's options (`out` is then dx's, x's shape); the
 * maxima are found again in x, so nothing is kept between the two calls.
 */
export function maxPool2dBackward(dy: TensorLike, x: TensorLike, opts: MaxPoolOptions): Tensor;
export function maxPool2dBackward(dy: WasmTensor, x: Input, opts: MaxPoolOptions): WasmTensor;
export function maxPool2dBackward(dy: Input, x: Input, opts: MaxPoolOptions): Tensor | WasmTensor;
export function maxPool2dBackward(dy: Input, x: Input, opts: MaxPoolOptions): Tensor | WasmTensor {
  const fn = "maxPool2dBackward";
  const rt = getRuntime();
  const o = checkPoolOptions<MaxPoolOptions>(fn, opts, MAX_KEYS);
  const g = poolGeometry2d(fn, x, poolParams2d(fn, o, true));
  checkGradient(fn, dy, g);
  const xShape = Array.from(x.shape);
  const place = placement(fn, dy, o.out, xShape, imageDims(g.layout), "dy");
  return withResult(rt, fn, xShape, place, [floatsIn(dy), floatsIn(x)], ([p0, p1], pdx) => {
    const pdy = placeInput(rt, fn, "dy", p0, dy);
    const px = placeInput(rt, fn, "x", p1, x);
    forPoolShares(rt, g, poolThreads(rt, g), (k, count, xAt, yAt) => {
      if (g.layout === "NCHW")
        k.maxpool_backward_nchw(pdy + yAt, px + xAt, count, g.H, g.W, ...maxWindowArgs(g), pdx + xAt);
      else k.maxpool_backward_nhwc(pdy + yAt, px + xAt, count, g.H, g.W, g.C, ...maxWindowArgs(g), pdx + xAt);
    });
  });
}
