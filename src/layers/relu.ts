import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkAnyTensor, checkSameShape } from "../tensor/validate.js";
import { HeldBuffer, readTensor, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { LayerState } from "./layer_state.js";
import { disposable } from "../runtime/disposable.js";

/** The book's Relu layer: y = max(x, 0) elementwise on a tensor of any shape; NaN stays NaN. */
export class Relu {
  private readonly out = new HeldBuffer(this);
  private readonly state = new LayerState<number[]>("Relu");

  constructor() {
    getRuntime(); // a layer is of no use before init(); say so now rather than at the first forward
  }

  forward(x: TensorLike): Tensor {
    const fn = "Relu.forward";
    this.state.checkAlive(fn);
    const rt = getRuntime();
    const shape = checkAnyTensor(fn, "x", x);
    rt.heap.check(fn, [x.data.length]); // x is copied into the kept output and rectified in place
    this.state.forget();
    const py = this.out.ensure(rt, fn, x.data.length);
    writeFloats(rt, py, x.data);
    rt.kernels.relu_forward(py, x.data.length, py);
    this.state.remember(shape);
    return readTensor(rt, py, shape);
  }

  /** dL/dx: dout where the forward input was > 0, else 0. */
  backward(dout: TensorLike): Tensor {
    const fn = "Relu.backward";
    const shape = this.state.last(fn);
    const rt = getRuntime();
    checkSameShape(fn, "dout", checkAnyTensor(fn, "dout", dout), shape);
    return withBuffers(rt, fn, [dout.data.length], ([pd]) => {
      writeFloats(rt, pd, dout.data);
      rt.kernels.relu_backward(pd, this.out.pointer, dout.data.length, pd);
      return readTensor(rt, pd, shape);
    });
  }

  /** Frees the WASM memory the layer holds. The layer cannot be used afterwards. */
  dispose(): void {
    this.out.release();
    this.state.dispose();
  }
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface Relu {
  [Symbol.dispose](): void;
}
disposable(Relu);
