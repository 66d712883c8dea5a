import { describe, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkParamsAndGrads, checkRate } from "./checks.js";
import { HeldBuffer, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { disposable } from "../runtime/disposable.js";
import { forShares, threadsForWork } from "../runtime/parallel.js";

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
}

/**
 * The book's Adam (common/optimizer.py): the bias corrections are folded into the step size
 * lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), and eps = 1e-7 is added to sqrt(v). The moments
 * are float32, like the parameters they follow, and stay in WASM memory between updates (a SIMD
 * kernel does the step: the plain-JS loop took 3.5 of a training step's 21 ms); dispose() frees
 * them, and garbage collection does too, later.
 */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Updates made so far (the book's `iter`). */
  iter = 0;
  /** Per key: m then v, 2n floats. */
  private readonly moments = new Map<string, HeldBuffer>();
  private disposed = false;

  constructor(options: AdamOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Adam: options must be an object like { lr: 0.001 }; got ${describe(options)}`);
    }
    const { lr = 0.001, beta1 = 0.9, beta2 = 0.999 } = options;
    checkRate("Adam", "lr", lr);
    for (const [name, b] of [
      ["beta1", beta1],
      ["beta2", beta2],
    ] as const) {
      if (typeof b !== "number") throw new TypeError(`Adam: ${name} must be a number; got ${describe(b)}`);
      if (!(b >= 0 && b < 1)) throw new RangeError(`Adam: ${name} must be in [0, 1); got ${b}`);
    }
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
  }

  update(params: Record<string, Tensor>, grads: Record<string, TensorLike>): void {
    const fn = "Adam.update";
    if (this.disposed) throw new TypeError(`${fn}: this Adam was disposed`);
    const keys = checkParamsAndGrads(fn, params, grads);
    const rt = getRuntime();
    // Everything this call may allocate, checked before any state changes.
    const sizes = keys.flatMap((key) => {
      const n = params[key].size;
      return this.moments.get(key)?.size === 2 * n ? [n, n] : [n, n, 2 * n];
    });
    rt.heap.check(fn, sizes);
    this.iter++;
    const lrT = (this.lr * Math.sqrt(1 - this.beta2 ** this.iter)) / (1 - this.beta1 ** this.iter);
    const held = keys.map((key) => {
      const n = params[key].size;
      const h = this.moments.get(key) ?? new HeldBuffer(this);
      this.moments.set(key, h);
      const fresh = h.size !== 2 * n;
      const pm = h.ensure(rt, fn, 2 * n);
      if (fresh) new Float32Array(rt.kernels.memory.buffer, pm, 2 * n).fill(0);
      return pm;
    });
    // Every key's parameters and gradient in at once, so that one share of the pool covers all the
    // keys' elements (W2 is 97% of SimpleConvNet's); the step is elementwise, so any split gives the same bits.
    const buffers = keys.flatMap((key) => [params[key].size, params[key].size]);
    withBuffers(rt, fn, buffers, (ptrs) => {
      const offsets = [0];
      keys.forEach((key, i) => {
        writeFloats(rt, ptrs[2 * i], params[key].data);
        writeFloats(rt, ptrs[2 * i + 1], grads[key].data);
        offsets.push(offsets[i] + params[key].size);
      });
      const total = offsets[keys.length];
      const a1 = 1 - this.beta1,
        a2 = 1 - this.beta2;
      forShares(rt, total, threadsForWork(rt, total, 1), (k, first, count) => {
        keys.forEach((key, i) => {
          const from = Math.max(first, offsets[i]) - offsets[i];
          const to = Math.min(first + count, offsets[i + 1]) - offsets[i];
          if (to <= from) return;
          const n = params[key].size;
          const [pp, pg, pm] = [ptrs[2 * i], ptrs[2 * i + 1], held[i]];
          const at = from * 4;
          k.adam_update(pp + at, pg + at, pm + at, pm + 4 * n + at, to - from, lrT, a1, a2, 1e-7);
        });
      });
      keys.forEach((key, i) => {
        params[key].data.set(new Float32Array(rt.kernels.memory.buffer, ptrs[2 * i], params[key].size));
      });
    });
  }

  /** Frees the moments' WASM memory. The optimiser cannot be used afterwards. */
  dispose(): void {
    for (const held of this.moments.values()) held.release();
    this.moments.clear();
    this.disposed = true;
  }
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface Adam {
  [Symbol.dispose](): void;
}
disposable(Adam);
