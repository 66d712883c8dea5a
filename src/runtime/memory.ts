// Moving data in and out of WASM memory. Views are made fresh at each use: memory.grow detaches
// every earlier view, so none may outlive the call that made it.
import { describe, formatShape, Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkData, isArrayLike } from "../tensor/validate.js";
import { getRuntime, type Runtime } from "./wasm.js";

export function writeFloats(rt: Runtime, ptr: number, data: ArrayLike<number>): void {
  new Float32Array(rt.kernels.memory.buffer, ptr, data.length).set(data);
}

/** Copies `length` floats out of WASM memory into a new Tensor of `shape`. */
export function readTensor(rt: Runtime, ptr: number, shape: number[]): Tensor {
  const length = shape.reduce((a, b) => a * b, 1);
  return new Tensor(new Float32Array(rt.kernels.memory.buffer, ptr, length).slice(), shape);
}

/** A caller's output buffer (the `out` option): a Tensor, or any { shape, data } with Float32Array data. */
export type OutTensor = TensorLike & { data: Float32Array };

/** Copies `out.length` floats out of WASM memory into `out`, an array the caller owns. */
export function readInto(rt: Runtime, ptr: number, out: Float32Array): void {
  out.set(new Float32Array(rt.kernels.memory.buffer, ptr, out.length));
}

/**
 * Checks an `out` option against the result's shape (`dims` names its dimensions for the
 * message); returns it, or undefined when it is undefined or null (the result gets a new array).
 * Called with the other checks, before anything is allocated or written.
 */
export function checkOut(
  fn: string,
  out: unknown,
  shape: readonly number[],
  dims: readonly string[],
): OutTensor | undefined {
  if (out === undefined || out === null) return undefined;
  if (typeof out !== "object" || !("shape" in out) || !("data" in out)) {
    throw new TypeError(
      `${fn}: opts.out must be a tensor { shape, data } with Float32Array data; got ${describe(out)}`,
    );
  }
  const { shape: got, data } = out as { shape: unknown; data: unknown };
  if (!(data instanceof Float32Array)) {
    throw new TypeError(
      `${fn}: opts.out.data must be a Float32Array, which the result is written into; got ${describe(data)}`,
    );
  }
  if (!isArrayLike(got)) {
    throw new TypeError(`${fn}: opts.out's shape must be an array of sizes; got ${describe(got)}`);
  }
  const g = got as ArrayLike<unknown>;
  if (g.length !== shape.length || shape.some((d, i) => g[i] !== d)) {
    throw new RangeError(
      `${fn}: opts.out must have the result's shape ${formatShape(shape)} [${dims.join(", ")}]; got ${formatShape(g)}`,
    );
  }
  checkData(
    fn,
    "opts.out.data",
    data,
    shape.reduce((a, b) => a * b, 1),
    () => `its shape ${formatShape(shape)}`,
  );
  return out as OutTensor;
}

/** The result at `ptr`: copied into `out` when one was given (out itself when it is a Tensor), else a new Tensor. */
export function readResult(rt: Runtime, ptr: number, shape: number[], out: OutTensor | undefined): Tensor {
  if (out === undefined) return readTensor(rt, ptr, shape);
  readInto(rt, ptr, out.data);
  return out instanceof Tensor ? out : new Tensor(out.data, shape);
}

/**
 * Allocates one buffer per entry of `floatCounts`, runs `body` with their pointers and frees them
 * again, also when `body` throws. Sizes are checked against the memory limit before anything is
 * allocated.
 */
export function withBuffers<T>(
  rt: Runtime,
  what: string,
  floatCounts: readonly number[],
  body: (ptrs: number[]) => T,
): T {
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
