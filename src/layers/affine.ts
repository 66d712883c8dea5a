import { formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkAnyTensor, checkSameShape, checkTensor } from "../tensor/validate.js";
import { HeldBuffer, readTensor, sgemmWorkspaceFloats, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime, type Runtime } from "../runtime/wasm.js";
import { LayerState } from "./layer_state.js";
import { asTensor } from "../tensor/as_tensor.js";
import { disposable } from "../runtime/disposable.js";

/** y[N, M] = x[N, D] W[D, M] + b[M]. */
export function affineForward(
  rt: Runtime,
  px: number,
  N: number,
  D: number,
  pW: number,
  M: number,
  pb: number,
  py: number,
  work: number,
  packedW = 0,
): void {
  if (packedW !== 0) rt.kernels.sgemm_packed_b(N, M, D, px, D, 1, packedW, py, M, work);
  else rt.kernels.sgemm(N, M, D, px, D, 1, pW, M, 1, 0, py, M, work);
  rt.kernels.bias_add(py, pb, N, M, 1);
}

/** dW = x^T dout and db = the column sums of dout; dx = dout W^T when `pdx` is not 0. Transposes are strides. */
export function affineBackward(
  rt: Runtime,
  pdout: number,
  px: number,
  N: number,
  D: number,
  pW: number,
  M: number,
  pdW: number,
  pdb: number,
  pdx: number,
  work: number,
): void {
  const k = rt.kernels;
  k.sgemm(D, M, N, px, 1, D, pdout, M, 1, 0, pdW, M, work);
  k.bias_grad(pdout, N, M, 1, pdb);
  if (pdx !== 0) k.sgemm(N, D, M, pdout, M, 1, pW, 1, M, 0, pdx, D, work);
}

interface AffineSeen {
  xShape: number[];
  N: number;
  D: number;
}

/**
 * The book's Affine layer: y = x W + b for x [N, D], or for x [N, ...] of any rank, flattened to
 * [N, D] (the book's x.reshape(N, -1)); backward gives dx in x's own shape. W and b are kept by
 * reference when they are Tensors, so an optimiser's in-place updates are seen; x stays in WASM
 * memory from forward to backward.
 */
export class Affine {
  W: Tensor;
  b: Tensor;
  dW: Tensor | null = null;
  db: Tensor | null = null;
  private readonly x = new HeldBuffer(this);
  private readonly state = new LayerState<AffineSeen>("Affine");

  constructor(W: TensorLike, b: TensorLike) {
    const fn = "Affine";
    getRuntime(); // a layer is of no use before init(); say so now rather than at the first forward
    const [, M] = checkTensor(fn, "W", W, ["D", "M"]);
    checkAffineBias(fn, "b", b, M);
    this.W = asTensor(W);
    this.b = asTensor(b);
  }

  forward(x: TensorLike): Tensor {
    const fn = "Affine.forward";
    this.state.checkAlive(fn);
    const rt = getRuntime();
    const xShape = checkAnyTensor(fn, "x", x);
    const [D, M] = checkTensor(fn, "this.W", this.W, ["D", "M"]);
    checkAffineBias(fn, "this.b", this.b, M);
    const N = xShape[0];
    if (x.data.length !== N * D) {
      throw new RangeError(
        `${fn}: x ${formatShape(xShape)} flattens to [${N}, ${x.data.length / N}] but W ${formatShape([D, M])} needs [N, ${D}]`,
      );
    }
    const sizes = [D * M, M, N * M, sgemmWorkspaceFloats(rt)];
    rt.heap.check(fn, [N * D, ...sizes]);
    this.state.forget();
    const px = this.x.ensure(rt, fn, N * D);
    writeFloats(rt, px, x.data);
    const y = withBuffers(rt, fn, sizes, ([pW, pb, py, work]) => {
      writeFloats(rt, pW, this.W.data);
      writeFloats(rt, pb, this.b.data);
      affineForward(rt, px, N, D, pW, M, pb, py, work);
      return readTensor(rt, py, [N, M]);
    });
    this.state.remember({ xShape, N, D });
    return y;
  }

  /** Sets dW and db and returns dL/dx in the shape of the last forward's x. */
  backward(dout: TensorLike): Tensor {
    const fn = "Affine.backward";
    const { xShape, N, D } = this.state.last(fn);
    const rt = getRuntime();
    const M = this.b.size;
    checkSameShape(fn, "dout", checkTensor(fn, "dout", dout, ["N", "M"]), [N, M]);
    checkSameShape(fn, "this.W", checkTensor(fn, "this.W", this.W, ["D", "M"]), [D, M]);
    const sizes = [N * M, D * M, D * M, M, N * D, sgemmWorkspaceFloats(rt)];
    return withBuffers(rt, fn, sizes, ([pdout, pW, pdW, pdb, pdx, work]) => {
      writeFloats(rt, pdout, dout.data);
      writeFloats(rt, pW, this.W.data);
      affineBackward(rt, pdout, this.x.pointer, N, D, pW, M, pdW, pdb, pdx, work);
      this.dW = readTensor(rt, pdW, [D, M]);
      this.db = readTensor(rt, pdb, [M]);
      return readTensor(rt, pdx, xShape);
    });
  }

  /** Frees the WASM memory the layer holds. The layer cannot be used afterwards. */
  dispose(): void {
    this.x.release();
    this.state.dispose();
  }
}

function checkAffineBias(fn: string, name: string, b: unknown, M: number): void {
  const [len] = checkTensor(fn, name, b, ["M"]);
  if (len !== M)
    throw new RangeError(`${fn}: ${name} must have shape [${M}], one bias per output column of W; got [${len}]`);
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface Affine {
  [Symbol.dispose](): void;
}
disposable(Affine);
