// Moving data in and out of WASM memory. Views are made fresh at each use: memory.grow detaches
// every earlier view, so none may outlive the call that made it.
import { Tensor } from "./tensor.js";
import { getRuntime, type Runtime } from "./wasm.js";

export function writeFloats(rt: Runtime, ptr: number, data: ArrayLike<number>): void {
  new Float32Array(rt.kernels.memory.buffer, ptr, data.length).set(data);
}

/** Copies `length` floats out of WASM memory into a new Tensor of `shape`. */
export function readTensor(rt: Runtime, ptr: number, shape: number[]): Tensor {
  const length = shape.reduce((a, b) => a * b, 1);
  return new Tensor(new Float32Array(rt.kernels.memory.buffer, ptr, length).slice(), shape);
}

/**
 * Allocates one buffer per entry of `floatCounts`, runs `body` with their pointers and frees them
 * again, also when `body` throws. Sizes are checked against the memory limit before anything is
 * allocated.
 */
export function withBuffers<T>(rt: Runtime, what: string, floatCounts: readonly number[], body: (ptrs: number[]) => T): T {
  const ptrs = rt.heap.allocFloats(what, floatCounts);
  try {
    return body(ptrs);
  } finally {
    for (const p of ptrs) rt.heap.free(p);
  }
}

/** Floats of scratch the SGEMM driver packs its panels into. */
export function sgemmWorkspaceFloats(rt: Runtime): number {
  return rt.kernels.sgemm_workspace_bytes() / 4;
}

// A layer that forgets dispose() still gives its memory back once it is garbage-collected.
const finalizer = new FinalizationRegistry<number>((ptr) => getRuntime().heap.free(ptr));

/** One WASM buffer a layer keeps between calls (the im2col matrix, pooling argmax). */
export class HeldBuffer {
  private ptr = 0;
  private floats = -1;

  constructor(private readonly owner: object) {}

  /** A buffer of exactly `floats` floats, reused when the size has not changed. */
  ensure(rt: Runtime, what: string, floats: number): number {
    if (this.ptr !== 0 && this.floats === floats) return this.ptr;
    this.release();
    [this.ptr] = rt.heap.allocFloats(what, [floats]);
    this.floats = floats;
    finalizer.register(this.owner, this.ptr, this);
    return this.ptr;
  }

  get pointer(): number {
    return this.ptr;
  }

  /** Floats held; -1 when nothing is. */
  get size(): number {
    return this.floats;
  }

  release(): void {
    if (this.ptr === 0) return;
    finalizer.unregister(this);
    getRuntime().heap.free(this.ptr);
    this.ptr = 0;
    this.floats = -1;
  }
}
