// The option vocabulary every windowed op shares (conv, pooling, their gradients): strict option
// objects, per-axis pairs, the four padding forms with "same", layouts, and output lengths. One
// place, so that conv2d and avgPool2d read `pad: "same"` the same way and say the same on error.
import { describe } from "../tensor/tensor.js";
import { checkInt } from "../tensor/validate.js";

const INT32_MAX = 2 ** 31 - 1;

/** One size for both axes, or [height, width]. */
export type Pair = number | readonly [number, number];

/**
 * - `n`: n pixels on all four sides; `[ph, pw]`: ph top and bottom, pw left and right;
 * - `[top, bottom, left, right]`: each side (TensorFlow's explicit order without its batch and
 *   channel pairs; ONNX lists `[top, left, bottom, right]`, PyTorch's F.pad `[left, right, top, bottom]`);
 * - `"valid"`: none; `"same"`: TensorFlow's and ONNX's SAME_UPPER, ceil(size / stride) outputs,
 *   the odd pixel of padding at the bottom and right.
 */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number] | "valid" | "same";

/** NCHW: channels before rows (the book's, ONNX's, PyTorch's); NHWC: channels last (TensorFlow's). */
export type Layout = "NCHW" | "NHWC";

/** Padding per side, resolved for one input size. */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * An options argument: undefined (all defaults) or a plain object whose keys are all known. An
 * unknown key is a TypeError: `{ strides: 2 }` for `stride` would otherwise run with stride 1.
 */
export function checkOptions<T extends object>(
  fn: string,
  opts: unknown,
  known: readonly string[],
  example: string,
): Partial<T> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    throw new TypeError(`${fn}: opts must be an object like ${example}; got ${describe(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) {
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)}; the options are ${known.join(", ")}`);
    }
  }
  return opts as Partial<T>;
}

/** `n` or `[h, w]`, each an integer >= min. */
export function checkPair(fn: string, name: string, v: unknown, min: number): [number, number] {
  if (typeof v === "number") {
    const n = checkInt(fn, name, v, min);
    return [n, n];
  }
  if (!Array.isArray(v) || v.length !== 2) {
    throw new TypeError(`${fn}: ${name} must be a number or a pair [height, width]; got ${describe(v)}`);
  }
  return [checkInt(fn, `${name}[0]`, v[0], min), checkInt(fn, `${name}[1]`, v[1], min)];
}

/** Checks a padding's form and sizes; "same" is resolved later, per input size, by resolvePads. */
export function checkPadding(fn: string, v: unknown): Pads | "same" {
  if (v === "same") return "same";
  if (v === "valid") return { top: 0, bottom: 0, left: 0, right: 0 };
  if (typeof v === "number") {
    const p = checkInt(fn, "pad", v, 0);
    return { top: p, bottom: p, left: p, right: p };
  }
  if (Array.isArray(v) && (v.length === 2 || v.length === 4)) {
    const p = v.map((s, i) => checkInt(fn, `pad[${i}]`, s, 0));
    return v.length === 2
      ? { top: p[0], bottom: p[0], left: p[1], right: p[1] }
      : { top: p[0], bottom: p[1], left: p[2], right: p[3] };
  }
  throw new TypeError(
    `${fn}: pad must be a number, [padH, padW], [top, bottom, left, right], "valid" or "same"; got ${describe(v)}`,
  );
}

/** Total "same" padding of one axis, TensorFlow's rule: enough for ceil(size / stride) windows. */
function samePad(size: number, window: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + window - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Pads for an input of H x W and windows spanning spanH x spanW pixels (dilation included). */
export function resolvePads(
  pad: Pads | "same",
  H: number,
  W: number,
  spanH: number,
  spanW: number,
  strideH: number,
  strideW: number,
): Pads {
  if (pad !== "same") return pad;
  const [top, bottom] = samePad(H, spanH, strideH);
  const [left, right] = samePad(W, spanW, strideW);
  return { top, bottom, left, right };
}

export function checkLayout(fn: string, v: unknown): Layout {
  if (v === undefined || v === "NCHW" || v === "NHWC") return v ?? "NCHW";
  throw new TypeError(`${fn}: layout must be "NCHW" or "NHWC"; got ${describe(v)}`);
}

export function checkBool(fn: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new TypeError(`${fn}: ${name} must be true or false; got ${describe(v)}`);
  return v;
}

/**
 * Windows along one axis: floor((size + before + after - span) / stride) + 1, or with `ceilMode`
 * the ceiling, less a last window that would start in the after-padding (PyTorch's and ONNX's
 * rule: every window keeps at least one real or before-padding element). Throws when no window fits.
 */
export function windowCount(
  fn: string,
  axis: string,
  size: number,
  before: number,
  after: number,
  span: number,
  stride: number,
  ceilMode = false,
): number {
  const padded = size + before + after;
  if (padded > INT32_MAX || span > INT32_MAX) {
    throw new RangeError(`${fn}: padded ${axis} ${padded} or window span ${span} exceeds 2^31 - 1`);
  }
  if (padded < span) {
    throw new RangeError(
      `${fn}: output ${axis} would be below 1: input ${axis} ${size} padded by ${before} + ${after} = ${padded} ` +
        `is smaller than the window's span ${span}`,
    );
  }
  const steps = (padded - span) / stride;
  let n = (ceilMode ? Math.ceil(steps) : Math.floor(steps)) + 1;
  if (ceilMode && (n - 1) * stride >= size + before) n--;
  return n;
}
