import { describe, formatShape, Tensor } from "../tensor/tensor.js";
import { checkData, isArrayLike } from "../tensor/validate.js";

/**
 * Checks that `grads` has a tensor for every key of `params`, of the same size, with data of
 * numbers; returns the keys. All of it before any parameter changes, so a bad gradient for the
 * last key cannot leave the first ones updated (nor a string in a plain array become NaN).
 */
export function checkParamsAndGrads(fn: string, params: unknown, grads: unknown): string[] {
  if (params === null || typeof params !== "object") {
    throw new TypeError(`${fn}: params must be an object of Tensors like network.params; got ${describe(params)}`);
  }
  if (grads === null || typeof grads !== "object") {
    throw new TypeError(`${fn}: grads must be an object of tensors keyed like params; got ${describe(grads)}`);
  }
  const keys = Object.keys(params);
  for (const key of keys) {
    const p = (params as Record<string, unknown>)[key];
    const g = (grads as Record<string, unknown>)[key];
    if (!(p instanceof Tensor)) {
      throw new TypeError(`${fn}: params.${key} must be a Tensor (updated in place); got ${describe(p)}`);
    }
    if (g === null || typeof g !== "object" || !("data" in g) || !("shape" in g)) {
      throw new TypeError(`${fn}: grads.${key} must be a tensor of shape ${formatShape(p.shape)}; got ${describe(g)}`);
    }
    const { shape, data } = g as { shape: unknown; data: unknown };
    const length = isArrayLike(data) ? (data as ArrayLike<unknown>).length : p.size;
    if (length !== p.size) {
      const given = isArrayLike(shape) ? formatShape(shape as ArrayLike<unknown>) : describe(shape);
      throw new RangeError(
        `${fn}: grads.${key} must have shape ${formatShape(p.shape)} like params.${key}; got ${given}`,
      );
    }
    checkData(fn, `grads.${key}.data`, data, p.size, () => `params.${key} of shape ${formatShape(p.shape)}`);
  }
  return keys;
}

/** A learning rate: a number > 0, and finite (a step of Infinity would turn the parameters into NaN and ±Infinity). */
export function checkRate(fn: string, name: string, v: unknown): number {
  if (typeof v !== "number") throw new TypeError(`${fn}: ${name} must be a number; got ${describe(v)}`);
  if (!(v > 0 && v < Infinity)) throw new RangeError(`${fn}: ${name} must be a positive number; got ${v}`);
  return v;
}
