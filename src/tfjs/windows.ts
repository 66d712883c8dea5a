// tfjs's window attributes (strides, pad in every form, dimRoundingMode, dilations) as zeroconv's
// options. tfjs's own backend_util computes the output size and the leading padding; zeroconv
// takes explicit [top, bottom, left, right] padding and rounds down, so the trailing padding is
// whatever makes its size tfjs's: the extra rows of dimRoundingMode "ceil" or "round" are windows
// hanging into zeros, which is what that padding holds.
import type { backend_util } from "@tensorflow/tfjs-core";
import type { Layout } from "../ops/options.js";

type Conv2DInfo = backend_util.Conv2DInfo;

export interface Window {
  stride: [number, number];
  pad: [number, number, number, number];
  dilation: [number, number];
}

/**
 * zeroconv's window for tfjs's convInfo, or null where zeroconv's sizes would not be tfjs's, or a
 * gradient's dy has not the forward result's shape (tfjs's CPU kernels read any dy by strides).
 */
export function windowOf(ci: Conv2DInfo, dy?: { shape: ArrayLike<number> }): Window | null {
  if (dy !== undefined && !sameShape(Array.from(dy.shape), ci.outShape)) return null;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = ci;
  const { top, left } = ci.padInfo;
  const bottom = Math.max(0, (ci.outHeight - 1) * sh + fh - ci.inHeight - top);
  const right = Math.max(0, (ci.outWidth - 1) * sw + fw - ci.inWidth - left);
  const outH = Math.floor((ci.inHeight + top + bottom - fh) / sh) + 1;
  const outW = Math.floor((ci.inWidth + left + right - fw) / sw) + 1;
  if (top < 0 || left < 0 || outH !== ci.outHeight || outW !== ci.outWidth || outH < 1 || outW < 1) return null;
  return { stride: [sh, sw], pad: [top, bottom, left, right], dilation: [ci.dilationHeight, ci.dilationWidth] };
}

/** Whether every window of a pool keeps an element of x (zeroconv's rule; tfjs's CPU pools it as empty). */
export function windowsCoverInput(ci: Conv2DInfo, w: Window): boolean {
  const [top, , left] = w.pad;
  return (
    top < ci.filterHeight &&
    left < ci.filterWidth &&
    (ci.outHeight - 1) * ci.strideHeight - top < ci.inHeight &&
    (ci.outWidth - 1) * ci.strideWidth - left < ci.inWidth
  );
}

export function layoutOf(dataFormat: string | undefined): Layout | null {
  if (dataFormat === undefined || dataFormat === "NHWC") return "NHWC";
  return dataFormat === "NCHW" ? "NCHW" : null;
}

/** Whether two shapes are the same. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
