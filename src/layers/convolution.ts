import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkInt, checkSameShape, checkTensor } from "../tensor/validate.js";
import { checkBias } from "../ops/conv2d.js";
import { convBackward, convForward } from "../ops/conv_book.js";
import { convGeometry, convParams, type ConvGeometry } from "../ops/conv_geometry.js";
import { HeldBuffer, readTensor, sgemmWorkspaceFloats, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { LayerState } from "./layer_state.js";
import { asTensor } from "../tensor/as_tensor.js";
import { disposable } from "../runtime/disposable.js";

/**
 * The book's Convolution layer. `W` and `b` are kept by reference when they are Tensors, so an
 * optimiser that updates them in place is seen by the next forward. The im2col matrix stays in
 * WASM memory from forward to backward; dispose() frees it (garbage collection does too, later).
 * Calling backward before forward, or any method after dispose(), throws a TypeError.
 */
export class Convolution {
  W: Tensor;
  b: Tensor;
  dW: Tensor | null = null;
  db: Tensor | null = null;
  readonly stride: number;
  readonly pad: number;
  private readonly colT = new HeldBuffer(this);
  private readonly state = new LayerState<ConvGeometry>("Convolution");

  constructor(W: TensorLike, b: TensorLike, stride = 1, pad = 0) {
    const fn = "Convolution";
    getRuntime(); // a layer is of no use before init(); say so now rather than at the first forward
    const wShape = checkTensor(fn, "W", W, ["FN", "C", "FH", "FW"]);
    checkBias(fn, "b", b, wShape[0]);
    checkInt(fn, "stride", stride, 1);
    checkInt(fn, "pad", pad, 0);
    this.W = asTensor(W);
    this.b = asTensor(b);
    this.stride = stride;
    this.pad = pad;
  }

  forward(x: TensorLike): Tensor {
    const fn = "Convolution.forward";
    this.state.checkAlive(fn);
    const rt = getRuntime();
    const g = convGeometry(fn, x, this.W, convParams(fn, { stride: this.stride, pad: this.pad }), "this.W");
    checkBias(fn, "this.b", this.b, g.FN);
    const colFloats = g.N * g.K * g.P;
    const sizes = [x.data.length, this.W.size, g.FN, g.N * g.FN * g.P, sgemmWorkspaceFloats(rt)];
    // One up-front check for the kept im2col matrix and the call's buffers together, so a request
    // too big is refused before memory grows (conservative when the kept buffer is reused).
    rt.heap.check(fn, [colFloats, ...sizes]);
    this.state.forget();
    const pcolT = this.colT.ensure(rt, fn, colFloats);
    const y = withBuffers(rt, fn, sizes, ([px, pw, pb, py, work]) => {
      writeFloats(rt, px, x.data);
      writeFloats(rt, pw, this.W.data);
      writeFloats(rt, pb, this.b.data);
      convForward(rt, g, px, pw, pb, pcolT, g.K * g.P, py, work);
      return readTensor(rt, py, [g.N, g.FN, g.outH, g.outW]);
    });
    this.state.remember(g);
    return y;
  }

  /** Sets dW and db and returns dL/dx for dout = dL/dy of the last forward. */
  backward(dout: TensorLike): Tensor {
    const fn = "Convolution.backward";
    const g = this.state.last(fn);
    const rt = getRuntime();
    checkSameShape(fn, "dout", checkTensor(fn, "dout", dout, ["N", "FN", "outH", "outW"]), [g.N, g.FN, g.outH, g.outW]);
    checkSameShape(fn, "this.W", checkTensor(fn, "this.W", this.W, ["FN", "C", "FH", "FW"]), [g.FN, g.C, g.FH, g.FW]);
    const sizes = [
      dout.data.length,
      g.FN * g.K,
      g.FN * g.K,
      g.FN,
      g.K * g.P,
      g.N * g.C * g.H * g.W,
      sgemmWorkspaceFloats(rt),
    ];
    return withBuffers(rt, fn, sizes, ([pdout, pw, pdW, pdb, pdcolT, pdx, work]) => {
      writeFloats(rt, pdout, dout.data);
      writeFloats(rt, pw, this.W.data);
      convBackward(rt, g, pdout, pw, this.colT.pointer, pdW, pdb, pdcolT, pdx, work);
      this.dW = readTensor(rt, pdW, [g.FN, g.C, g.FH, g.FW]);
      this.db = readTensor(rt, pdb, [g.FN]);
      return readTensor(rt, pdx, [g.N, g.C, g.H, g.W]);
    });
  }

  /** Frees the WASM memory the layer holds. The layer cannot be used afterwards. */
  dispose(): void {
    this.colT.release();
    this.state.dispose();
  }
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface Convolution {
  [Symbol.dispose](): void;
}
disposable(Convolution);
