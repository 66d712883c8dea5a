/** Anything with a shape and flat row-major data: a Tensor, `{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }`, Float64Array data… */
export interface TensorLike {
  shape: ArrayLike<number>;
  data: ArrayLike<number>;
}

/** A float32 array with a row-major shape. Results of zeroconv are always Tensors. */
export class Tensor implements TensorLike {
  readonly shape: readonly number[];
  readonly data: Float32Array;

  constructor(data: Float32Array, shape: readonly number[]) {
    if (!(data instanceof Float32Array)) {
      throw new TypeError(`Tensor: data must be a Float32Array; got ${describe(data)}`);
    }
    // The API's vocabulary: TypeError for the wrong kind of value, RangeError for a number out of range.
    if (!Array.isArray(shape)) {
      throw new TypeError(`Tensor: shape must be an array of non-negative integers; got ${describe(shape)}`);
    }
    shape.forEach((d: unknown, i) => {
      if (typeof d !== "number") throw new TypeError(`Tensor: shape[${i}] must be a number; got ${describe(d)}`);
      if (!Number.isInteger(d) || d < 0) {
        throw new RangeError(`Tensor: shape[${i}] must be a non-negative integer; got shape ${formatShape(shape)}`);
      }
    });
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw new RangeError(`Tensor: shape ${formatShape(shape)} needs ${size} elements; data has ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }
}

/** A shape for messages; any element that is not a number is described, so that no value can make the message throw. */
export function formatShape(shape: ArrayLike<unknown>): string {
  const n = shape.length;
  if (!Number.isSafeInteger(n) || n < 0) return `of length ${describe(n)}`;
  // At most 8 dimensions shown: an array-like may claim any length.
  const shown = Array.from({ length: Math.min(n, 8) }, (_, i) =>
    typeof shape[i] === "number" ? String(shape[i]) : describe(shape[i]),
  );
  return `[${shown.join(", ")}${n > 8 ? `, … (${n} dimensions)` : ""}]`;
}

/** A short description of any value for error messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  // Its name, not its source text.
  if (typeof v === "function") return `function ${v.name || "(anonymous)"}`;
  if (typeof v !== "object") return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength})`;
  // Any object, a null-prototype one or one whose `constructor` is not a class included.
  const name: unknown = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}
