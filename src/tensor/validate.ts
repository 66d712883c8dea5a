// Argument checks shared by every public entry point. They run before any WASM memory is touched,
// so a rejected call leaves nothing behind. TypeError: the wrong kind of value. RangeError: the
// right kind with a wrong size, shape or range.
import { describe, formatShape } from "./tensor.js";
import { takesWasmTensors, WasmTensor } from "./wasm_tensor.js";

const INT32_MAX = 2 ** 31 - 1;
/** NumPy's NPY_MAXDIMS: the most dimensions an elementwise layer takes. */
export const MAX_RANK = 64;

/** Checks `x` is a tensor of the given dimensions (by name, e.g. ["N", "C", "H", "W"]); returns its shape. */
export function checkTensor(fn: string, name: string, x: unknown, dims: readonly string[]): number[] {
  if (x instanceof WasmTensor) {
    if (!takesWasmTensors(fn)) {
      throw new TypeError(
        `${fn}: ${name} must be a tensor { shape, data }; got a WasmTensor (${name}.read() copies it out)`,
      );
    }
    x.address(fn, name); // disposed: a TypeError now, not at the kernel
    return checkShape(fn, name, x.shape, dims);
  }
  if (x === null || typeof x !== "object" || !("shape" in x) || !("data" in x)) {
    throw new TypeError(`${fn}: ${name} must be a tensor { shape, data }; got ${describe(x)}`);
  }
  const { shape: rawShape, data } = x as { shape: unknown; data: unknown };
  const shape = checkShape(fn, name, rawShape, dims);
  const size = shape.reduce((a, b) => a * b, 1);
  checkData(fn, `${name}.data`, data, size, () => `shape ${formatShape(shape)} [${dims.join(", ")}]`);
  return shape;
}

/**
 * Checks that `data` is an array or typed array of exactly `size` numbers; `needs` says what asks
 * for that many (for the message). Elements of a plain array are checked one by one: a string or
 * undefined would otherwise become NaN on its way into a Float32Array, a silent wrong answer.
 */
export function checkData(fn: string, name: string, data: unknown, size: number, needs: () => string): void {
  if (!isArrayLike(data) || data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new TypeError(`${fn}: ${name} must be an array or typed array of numbers; got ${describe(data)}`);
  }
  const length = (data as ArrayLike<unknown>).length;
  if (length !== size) {
    throw new RangeError(`${fn}: ${name} has ${length} elements but ${needs()} needs ${size}`);
  }
  if (!ArrayBuffer.isView(data)) {
    const items = data as ArrayLike<unknown>;
    for (let i = 0; i < length; i++) {
      if (typeof items[i] !== "number") {
        throw new TypeError(`${fn}: ${name}[${i}] must be a number; got ${describe(items[i])}`);
      }
    }
  }
}

/** A tensor of any rank >= 1 (elementwise layers); returns its shape. */
export function checkAnyTensor(fn: string, name: string, x: unknown): number[] {
  const shape = x !== null && typeof x === "object" ? (x as { shape?: unknown }).shape : undefined;
  const rank = isArrayLike(shape) ? (shape as ArrayLike<unknown>).length : 1;
  // Before the dimension names are made: a shape-like { length: 1e9 } must not allocate a billion of them.
  if (!Number.isInteger(rank) || rank > MAX_RANK) {
    throw new RangeError(
      `${fn}: ${name} must have 1 to ${MAX_RANK} dimensions; got shape ${formatShape(shape as ArrayLike<unknown>)}`,
    );
  }
  return checkTensor(
    fn,
    name,
    x,
    Array.from({ length: Math.max(rank, 1) }, (_, i) => `d${i}`),
  );
}

/** Checks a shape of positive integer sizes with the given dimension names; `name` is the tensor it belongs to. */
export function checkShape(fn: string, name: string, rawShape: unknown, dims: readonly string[]): number[] {
  if (!isArrayLike(rawShape)) {
    throw new TypeError(`${fn}: ${name}'s shape must be an array of sizes; got ${describe(rawShape)}`);
  }
  const expected = `[${dims.join(", ")}]`;
  // The rank first, so that an array-like claiming a huge length is not copied.
  if ((rawShape as ArrayLike<unknown>).length !== dims.length) {
    throw new RangeError(
      `${fn}: ${name} must be ${dims.length}-D ${expected}; got shape ${formatShape(rawShape as ArrayLike<unknown>)}`,
    );
  }
  const shape = Array.from(rawShape as ArrayLike<unknown>) as number[];
  shape.forEach((d, i) => {
    if (typeof d !== "number") {
      throw new TypeError(`${fn}: ${name}'s shape[${i}] (${dims[i]}) must be a number; got ${describe(d)}`);
    }
    if (!Number.isInteger(d) || d < 1 || d > INT32_MAX) {
      throw new RangeError(
        `${fn}: ${name}'s shape[${i}] (${dims[i]}) must be a positive integer; got shape ${formatShape(shape)}`,
      );
    }
  });
  return shape;
}

/** An integer size or count >= `min`. */
export function checkInt(fn: string, name: string, v: unknown, min: number): number {
  if (typeof v !== "number") {
    throw new TypeError(`${fn}: ${name} must be a number; got ${describe(v)}`);
  }
  if (!Number.isInteger(v) || v < min || v > INT32_MAX) {
    throw new RangeError(`${fn}: ${name} must be an integer >= ${min}; got ${v}`);
  }
  return v;
}

/**
 * Output length of a sliding window: floor((size + 2*pad - window) / stride) + 1, the book's
 * formula. Throws when no window fits or when the padded size leaves the int32 range the kernels use.
 */
export function outputLength(
  fn: string,
  axis: string,
  size: number,
  window: number,
  stride: number,
  pad: number,
): number {
  const padded = size + 2 * pad;
  if (padded > INT32_MAX) {
    throw new RangeError(`${fn}: ${axis} ${size} + 2*pad ${pad} = ${padded} exceeds 2^31 - 1`);
  }
  if (padded < window) {
    throw new RangeError(
      `${fn}: output ${axis} would be below 1: input ${axis} ${size} + 2*pad ${pad} = ${padded} is smaller than the window's ${window}`,
    );
  }
  return Math.floor((padded - window) / stride) + 1;
}

/** The same shape, for backward's dout: the layer's last forward output. */
export function checkSameShape(fn: string, name: string, shape: readonly number[], expected: readonly number[]): void {
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(
      `${fn}: ${name} must have shape ${formatShape(expected)} (the last forward's output); got ${formatShape(shape)}`,
    );
  }
}

export function isArrayLike(v: unknown): boolean {
  return (
    v !== null &&
    typeof v === "object" &&
    !(v instanceof DataView) &&
    typeof (v as { length?: unknown }).length === "number"
  );
}
