import { describe, formatShape, Tensor, type TensorLike } from "./tensor.js";

/** Checks that `grads` has a tensor for every key of `params`, of the same size; returns the keys. */
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
    const gt = g as TensorLike;
    if (gt.data.length !== p.size) {
      throw new RangeError(`${fn}: grads.${key} must have shape ${formatShape(p.shape)} like params.${key}; got ${formatShape(gt.shape)}`);
    }
  }
  return keys;
}
