import type { Tensor, TensorLike } from "./tensor.js";
import { checkParamsAndGrads } from "./optimizer_params.js";

export interface AdamOptions { lr?: number; beta1?: number; beta2?: number }

/**
 * The book's Adam (common/optimizer.py): the bias corrections are folded into the step size
 * lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), and eps = 1e-7 is added to sqrt(v). Moments
 * are kept per key in float32, like the parameters they follow.
 */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Updates made so far (the book's `iter`). */
  iter = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor({ lr = 0.001, beta1 = 0.9, beta2 = 0.999 }: AdamOptions = {}) {
    if (typeof lr !== "number" || !(lr > 0)) throw new RangeError(`Adam: lr must be a positive number; got ${lr}`);
    for (const [name, b] of [["beta1", beta1], ["beta2", beta2]] as const) {
      if (typeof b !== "number" || !(b >= 0 && b < 1)) throw new RangeError(`Adam: ${name} must be in [0, 1); got ${b}`);
    }
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
  }

  update(params: Record<string, Tensor>, grads: Record<string, TensorLike>): void {
    const keys = checkParamsAndGrads("Adam.update", params, grads);
    this.iter++;
    const lrT = this.lr * Math.sqrt(1 - this.beta2 ** this.iter) / (1 - this.beta1 ** this.iter);
    const a1 = 1 - this.beta1, a2 = 1 - this.beta2;
    for (const key of keys) {
      const p = params[key].data, g = grads[key].data;
      const m = this.moment(this.m, key, p.length), v = this.moment(this.v, key, p.length);
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        m[i] += a1 * (gi - m[i]);
        v[i] += a2 * (gi * gi - v[i]);
        p[i] -= lrT * m[i] / (Math.sqrt(v[i]) + 1e-7);
      }
    }
  }

  private moment(store: Map<string, Float32Array>, key: string, length: number): Float32Array {
    let a = store.get(key);
    if (a === undefined || a.length !== length) {
      a = new Float32Array(length);
      store.set(key, a);
    }
    return a;
  }
}
