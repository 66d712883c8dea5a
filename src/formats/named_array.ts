// The arrays a weight file holds, and the little-endian bytes they are stored as. Shared by the
// pickle and safetensors readers and writers, which differ only in how they describe the bytes.

/** An array read from a weight file: C-order (row-major) data in a fresh typed array of its own. */
export interface NamedArray {
  shape: number[];
  dtype: "float32" | "float64";
  data: Float32Array | Float64Array;
}

/** What the writers take: float32 or float64 data in C order with its shape (a Tensor is one). */
export interface ArrayInput {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** As parseIdx: beyond this a "shape" is far more likely a corrupt file than a real weight. */
const MAX_ELEMENTS = 2 ** 31;
/** NumPy's own limit (NPY_MAXDIMS in NumPy 2). */
const MAX_DIMS = 64;

export const itemSize = (dtype: NamedArray["dtype"]): number => (dtype === "float32" ? 4 : 8);

/**
 * The number of elements of `shape`, or why it is not a shape: a dimension that is not a
 * non-negative safe integer, too many dimensions, or more than MAX_ELEMENTS elements.
 */
export function countElements(shape: readonly unknown[]): number | string {
  if (shape.length > MAX_DIMS) return `${shape.length} dimensions (at most ${MAX_DIMS})`;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      return `shape [${shape.join(", ")}] has a dimension that is not a non-negative integer`;
    }
  }
  // A zero anywhere makes the array empty whatever the other sizes are, as in NumPy.
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape as number[]) {
    count *= d;
    if (count > MAX_ELEMENTS) return `shape [${shape.join(", ")}] has more than 2^31 elements`;
  }
  return count;
}

/**
 * Copies `count` little-endian floats starting at `offset` of `bytes` into a new typed array.
 * Through a DataView because the offset inside a file need not be a multiple of the item size,
 * and so a big-endian host reads the same values. The caller has checked the bytes are there.
 */
export function decodeFloats(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: NamedArray["dtype"],
): Float32Array | Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * itemSize(dtype));
  if (dtype === "float32") {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** The little-endian bytes of `data`, written into `target` at `offset`. */
export function encodeFloats(data: Float32Array | Float64Array, target: Uint8Array, offset: number): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, data.byteLength);
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat64(i * 8, data[i], true);
  }
}

/**
 * Checks a writer's input: an object of { shape, data } with float32/float64 data whose length
 * the shape accounts for. Argument errors, so TypeError and RangeError as everywhere in the API.
 */
export function checkArrayInputs(fn: string, arrays: unknown): [string, ArrayInput][] {
  if (arrays === null || typeof arrays !== "object")
    throw new TypeError(`${fn}: arrays must be an object of { shape, data }`);
  return Object.entries(arrays).map(([name, a]: [string, unknown]) => {
    const { shape, data } = (a ?? {}) as { shape?: unknown; data?: unknown };
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new TypeError(`${fn}: ${JSON.stringify(name)}.data must be a Float32Array or Float64Array`);
    }
    if (!Array.isArray(shape)) throw new TypeError(`${fn}: ${JSON.stringify(name)}.shape must be an array of sizes`);
    const count = countElements(shape);
    if (typeof count === "string") throw new RangeError(`${fn}: ${JSON.stringify(name)}: ${count}`);
    if (count !== data.length) {
      throw new RangeError(
        `${fn}: ${JSON.stringify(name)} has ${data.length} elements but shape [${shape.join(", ")}] needs ${count}`,
      );
    }
    return [name, { shape, data }];
  });
}

/** A record whose keys are own data properties even when one is "__proto__". */
export function toRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries(entries) as Record<string, T>;
}
