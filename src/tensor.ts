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
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(`Tensor: shape must be an array of non-negative integers; got ${describe(shape)}`);
    }
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

export function formatShape(shape: ArrayLike<number>): string {
  return `[${Array.from(shape).join(", ")}]`;
}

/** A short description of any value for error messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + "…" : v)}`;
  if (typeof v !== "object") return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength})`;
  return v.constructor?.name ?? "object";
}
