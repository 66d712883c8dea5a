import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkTensor } from "../tensor/validate.js";
import { HeldBuffer, readTensor, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime, type Runtime } from "../runtime/wasm.js";
import { LayerState } from "./layer_state.js";
import { checkLabels, type CheckedLabels, type Labels } from "./labels.js";
import { disposable } from "../runtime/disposable.js";

/**
 * Softmax of scores [rows, cols] into probabilities at `py` and the mean cross-entropy against
 * `labels.indices`. Also writes the dense targets to `pt` for backward.
 */
export function softmaxLoss(
  rt: Runtime,
  pscores: number,
  rows: number,
  cols: number,
  labels: CheckedLabels,
  plabels: number,
  pt: number,
  py: number,
): number {
  new Int32Array(rt.kernels.memory.buffer, plabels, rows).set(labels.indices);
  writeFloats(rt, pt, labels.targets);
  return rt.kernels.softmax_cross_entropy(pscores, rows, cols, plabels, py);
}

interface LossSeen {
  rows: number;
  cols: number;
}

/**
 * The book's SoftmaxWithLoss: forward(x, t) turns scores into probabilities (kept as `y`) and
 * returns the mean cross-entropy with log(y + 1e-7); `t` is class indices or one-hot rows (a
 * one-hot t's loss uses its argmax, as the book's cross_entropy_error does). backward(dout = 1)
 * returns dout * (y - t) / N; the book ignores dout, which only matters when dout is not 1.
 */
export class SoftmaxWithLoss {
  /** The probabilities of the last forward, [rows, cols]. */
  y: Tensor | null = null;
  loss = NaN;
  private readonly kept = new HeldBuffer(this);
  private readonly state = new LayerState<LossSeen>("SoftmaxWithLoss");

  constructor() {
    getRuntime(); // a layer is of no use before init(); say so now rather than at the first forward
  }

  forward(x: TensorLike, t: Labels): number {
    const fn = "SoftmaxWithLoss.forward";
    this.state.checkAlive(fn);
    const rt = getRuntime();
    const [rows, cols] = checkTensor(fn, "x", x, ["N", "classes"]);
    const labels = checkLabels(fn, "t", t, rows, cols);
    const n = rows * cols;
    rt.heap.check(fn, [2 * n, n, rows]);
    this.state.forget();
    // One kept block: probabilities, then targets; backward needs both.
    const pkept = this.kept.ensure(rt, fn, 2 * n);
    this.loss = withBuffers(rt, fn, [n, rows], ([px, plabels]) => {
      writeFloats(rt, px, x.data);
      return softmaxLoss(rt, px, rows, cols, labels, plabels, pkept + 4 * n, pkept);
    });
    this.y = readTensor(rt, pkept, [rows, cols]);
    this.state.remember({ rows, cols });
    return this.loss;
  }

  /** dL/dx for the scores of the last forward. */
  backward(dout = 1): Tensor {
    const fn = "SoftmaxWithLoss.backward";
    const { rows, cols } = this.state.last(fn);
    if (typeof dout !== "number")
      throw new TypeError(`${fn}: dout must be a number (the loss's upstream gradient); got ${typeof dout}`);
    const rt = getRuntime();
    const n = rows * cols;
    const pkept = this.kept.pointer;
    return withBuffers(rt, fn, [n], ([pdx]) => {
      rt.kernels.softmax_cross_entropy_backward(pkept, pkept + 4 * n, n, rows, dout, pdx);
      return readTensor(rt, pdx, [rows, cols]);
    });
  }

  /** Frees the WASM memory the layer holds. The layer cannot be used afterwards. */
  dispose(): void {
    this.kept.release();
    this.y = null;
    this.state.dispose();
  }
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface SoftmaxWithLoss {
  [Symbol.dispose](): void;
}
disposable(SoftmaxWithLoss);
