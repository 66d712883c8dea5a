import type { Tensor, TensorLike } from "./tensor.js";
import { checkParamsAndGrads } from "./optimizer_params.js";

/** The book's SGD: p -= lr * g, in place on every Tensor of `params`. */
export class SGD {
  constructor(readonly lr = 0.01) {
    if (typeof lr !== "number" || !(lr > 0)) throw new RangeError(`SGD: lr must be a positive number; got ${lr}`);
  }

  update(params: Record<string, Tensor>, grads: Record<string, TensorLike>): void {
    for (const key of checkParamsAndGrads("SGD.update", params, grads)) {
      const p = params[key].data, g = grads[key].data;
      for (let i = 0; i < p.length; i++) p[i] -= this.lr * g[i];
    }
  }
}
