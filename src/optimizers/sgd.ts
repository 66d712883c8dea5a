import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkParamsAndGrads, checkRate } from "./checks.js";

/** The book's SGD: p -= lr * g, in place on every Tensor of `params`. */
export class SGD {
  readonly lr: number;

  constructor(lr = 0.01) {
    this.lr = checkRate("SGD", "lr", lr);
  }

  update(params: Record<string, Tensor>, grads: Record<string, TensorLike>): void {
    for (const key of checkParamsAndGrads("SGD.update", params, grads)) {
      const p = params[key].data,
        g = grads[key].data;
      for (let i = 0; i < p.length; i++) p[i] -= this.lr * g[i];
    }
  }
}
