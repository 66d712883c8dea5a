import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkSameShape, checkTensor } from "../tensor/validate.js";
import { poolForward, poolGeometry, poolParams, type PoolGeometry, type PoolParams } from "../ops/pool_argmax.js";
import { HeldBuffer, readTensor, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { LayerState } from "./layer_state.js";
import { forPoolShares, poolThreads } from "../ops/pool_shares.js";
import { disposable } from "../runtime/disposable.js";

/**
 * The book's max-pooling layer (stride defaults to 2). Where the book pads with 0 and leaves pad
 * out of its output size, this pads with -infinity and counts the pad, as PyTorch. Each window's
 * argmax stays in WASM memory from forward to backward; dispose() frees it.
 */
export class Pooling {
  readonly poolH: number;
  readonly poolW: number;
  readonly stride: number;
  readonly pad: number;
  private readonly params: PoolParams;
  private readonly argmax = new HeldBuffer(this);
  private readonly state = new LayerState<PoolGeometry>("Pooling");

  constructor(poolH: number, poolW: number, stride = 2, pad = 0) {
    getRuntime(); // a layer is of no use before init(); say so now rather than at the first forward
    this.params = poolParams("Pooling", poolH, poolW, stride, stride, pad);
    this.poolH = poolH;
    this.poolW = poolW;
    this.stride = stride;
    this.pad = pad;
  }

  forward(x: TensorLike): Tensor {
    const fn = "Pooling.forward";
    this.state.checkAlive(fn);
    const rt = getRuntime();
    const g = poolGeometry(fn, x, this.params);
    const outSize = g.N * g.C * g.outH * g.outW;
    const sizes = [x.data.length, outSize];
    rt.heap.check(fn, [outSize, ...sizes]); // the kept argmax and the call's buffers, before any growth
    this.state.forget();
    const parg = this.argmax.ensure(rt, fn, outSize);
    const y = withBuffers(rt, fn, sizes, ([px, py]) => {
      writeFloats(rt, px, x.data);
      poolForward(rt, g, px, py, parg, poolThreads(rt, g));
      return readTensor(rt, py, [g.N, g.C, g.outH, g.outW]);
    });
    this.state.remember(g);
    return y;
  }

  /** Returns dL/dx: each window's gradient goes to the element that won its maximum. */
  backward(dout: TensorLike): Tensor {
    const fn = "Pooling.backward";
    const g = this.state.last(fn);
    const rt = getRuntime();
    checkSameShape(fn, "dout", checkTensor(fn, "dout", dout, ["N", "C", "outH", "outW"]), [g.N, g.C, g.outH, g.outW]);
    const planeSize = g.H * g.W;
    return withBuffers(rt, fn, [dout.data.length, g.N * g.C * planeSize], ([pdout, pdx]) => {
      writeFloats(rt, pdout, dout.data);
      forPoolShares(rt, g, poolThreads(rt, g), (k, planes, xAt, yAt) => {
        k.maxpool_backward(pdout + yAt, this.argmax.pointer + yAt, planes, g.outH * g.outW, planeSize, pdx + xAt);
      });
      return readTensor(rt, pdx, [g.N, g.C, g.H, g.W]);
    });
  }

  /** Frees the WASM memory the layer holds. The layer cannot be used afterwards. */
  dispose(): void {
    this.argmax.release();
    this.state.dispose();
  }
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface Pooling {
  [Symbol.dispose](): void;
}
disposable(Pooling);
