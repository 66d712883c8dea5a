// Global pooling: each image's channels reduced over all H x W pixels, one reduction kernel per
// op (the same result as avgPool2d or maxPool2d with window [H, W], without the window arithmetic).
import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkTensor } from "../tensor/validate.js";
import type { WasmTensor } from "../tensor/wasm_tensor.js";
import { floatsIn, placeInput, placement, withResult, type Input, type OutTensor } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { imageDims, inLayout, nchw } from "./conv_geometry.js";
import { checkLayout, checkOptions, type Layout } from "./options.js";

export interface GlobalPoolOptions {
  /** "NCHW" (default; -> [N, C, 1, 1]) or "NHWC" (-> [N, 1, 1, C]). */
  layout?: Layout;
  /** Where to write the result, of exactly its shape; see maxPool2d's `out`. */
  out?: OutTensor | null;
}

const GLOBAL_KEYS = ["layout", "out"] as const;

/** The mean of each image's channel over its H x W pixels: [N, C, H, W] -> [N, C, 1, 1], or NHWC. */
export function globalAvgPool2d(x: TensorLike, opts?: GlobalPoolOptions): Tensor;
export function globalAvgPool2d(x: WasmTensor, opts?: GlobalPoolOptions): WasmTensor;
export function globalAvgPool2d(x: Input, opts?: GlobalPoolOptions): Tensor | WasmTensor;
export function globalAvgPool2d(x: Input, opts?: GlobalPoolOptions): Tensor | WasmTensor {
  return globalPool("globalAvgPool2d", x, opts, "avg");
}

/**
 * The maximum of each image's channel over its H x W pixels, by maxPool2d's rules (NaN wins; the
 * first maximum where -0 and +0 tie): [N, C, H, W] -> [N, C, 1, 1], or NHWC.
 */
export function globalMaxPool2d(x: TensorLike, opts?: GlobalPoolOptions): Tensor;
export function globalMaxPool2d(x: WasmTensor, opts?: GlobalPoolOptions): WasmTensor;
export function globalMaxPool2d(x: Input, opts?: GlobalPoolOptions): Tensor | WasmTensor {
  return globalPool("globalMaxPool2d", x, opts, "max");
}

function globalPool(fn: string, x: Input, opts: unknown, kind: "avg" | "max"): Tensor | WasmTensor {
  const rt = getRuntime();
  const o = checkOptions<GlobalPoolOptions>(fn, opts, GLOBAL_KEYS, '{ layout: "NHWC" }');
  const layout = checkLayout(fn, o.layout);
  const [N, C, H, W] = nchw(layout, checkTensor(fn, "x", x, imageDims(layout)));
  const yShape = inLayout(layout, N, C, 1, 1);
  const place = placement(fn, x, o.out, yShape, layout === "NCHW" ? ["N", "C", "1", "1"] : ["N", "1", "1", "C"]);
  return withResult(rt, fn, yShape, place, [floatsIn(x)], ([p0], py) => {
    const px = placeInput(rt, fn, "x", p0, x);
    // NCHW: N*C contiguous planes; NHWC: N images of H*W pixels, C contiguous channels each.
    const [outer, lanes] = layout === "NCHW" ? [N * C, 1] : [N, C];
    const reduce = kind === "avg" ? rt.kernels.global_avgpool : rt.kernels.global_maxpool;
    reduce(px, outer, H * W, lanes, py);
  });
}
