// Winograd's transformed filters, kept for the next call with the same weights. The rule: a kept
// transform is used only when the weights' array now holds, bit for bit, the values it was made
// from (and the same geometry and tile). Identity alone would be wrong -- an optimiser, or a
// caller reusing a buffer, changes W in place -- and a version counter would need every writer
// to bump it; the comparison costs one pass over W, less than the copy into WASM memory that a
// miss makes anyway. conv2d keeps the transform in JS memory, per array (a WeakMap: it goes with
// the array), since a plain call may hold no WASM memory afterwards; the Convolution layer keeps
// it in WASM memory, which it owns until dispose().
import type { TensorLike } from "../tensor/tensor.js";
import type { ConvGeometry } from "./conv_geometry.js";

/** What a transform was made from: the filter's geometry and tile, and its bits. */
export interface FilterSource {
  key: string;
  bits: Int32Array;
}

export function filterKey(g: ConvGeometry, tile: number): string {
  return `${g.layout} ${g.FN} ${g.C} ${tile}`;
}

/** A copy of the weights' float32 bits. */
export function snapshot(key: string, data: ArrayLike<number>): FilterSource {
  return { key, bits: new Int32Array(Float32Array.from(data).buffer) };
}

/** Whether `data` still holds what `source` copied, for the same key. Bits, so NaN and -0 count as values. */
export function unchanged(source: FilterSource | null, key: string, data: ArrayLike<number>): boolean {
  if (source === null || source.key !== key || data.length !== source.bits.length) return false;
  const bits = source.bits;
  const now =
    data instanceof Float32Array
      ? new Int32Array(data.buffer, data.byteOffset, data.length)
      : new Int32Array(Float32Array.from(data).buffer);
  for (let i = 0; i < bits.length; i++) if (now[i] !== bits[i]) return false;
  return true;
}

/**
 * conv2d's kept transforms have a cap per filter: above it the JS memory held (the transform is
 * 16/9 or 4x the filter, plus the copy) outweighs a transform that then takes a small share of
 * the call's time.
 */
const MAX_KEPT_FLOATS = 4 * 1024 * 1024;

const kept = new WeakMap<object, { source: FilterSource; u: Float32Array }>();

/** conv2d's transform of W's array for `key`, if it is kept and W has not changed since. */
export function keptFilter(W: TensorLike, key: string): Float32Array | null {
  const entry = typeof W.data === "object" ? kept.get(W.data) : undefined;
  return entry !== undefined && unchanged(entry.source, key, W.data) ? entry.u : null;
}

/** Keeps `u`, the transform of W's array as it is now, for the next conv2d call. */
export function keepFilter(W: TensorLike, key: string, u: () => Float32Array, floats: number): void {
  if (typeof W.data !== "object" || floats > MAX_KEPT_FLOATS) return;
  kept.set(W.data, { source: snapshot(key, W.data), u: u() });
}
