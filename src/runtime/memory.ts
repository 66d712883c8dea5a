// Moving data in and out of WASM memory. Views are made fresh at each use: memory.grow detaches
// every earlier view, so none may outlive the call that made it.
import { describe, formatShape, Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkAnyTensor, checkData, isArrayLike } from "../tensor/validate.js";
import { WasmTensor } from "../tensor/wasm_tensor.js";
import { getRuntime, type Runtime } from "./wasm.js";

export function writeFloats(rt: Runtime, ptr: number, data: ArrayLike<number>): void {
  new Float32Array(rt.kernels.memory.buffer, ptr, data.length).set(data);
}

/** Copies `length` floats out of WASM memory into a new Tensor of `shape`. */
export function readTensor(rt: Runtime, ptr: number, shape: number[]): Tensor {
  const length = shape.reduce((a, b) => a * b, 1);
  return new Tensor(new Float32Array(rt.kernels.memory.buffer, ptr, length).slice(), shape);
}

/** An op's tensor argument: floats anywhere, or a WasmTensor, whose floats already are in WASM memory. */
export type Input = TensorLike | WasmTensor;

/**
 * A copy of `x` in WASM memory, for ops to read where it lies (their results are then WasmTensors
 * too). Weights made resident once are not copied in again at every call.
 */
export function toWasm(x: TensorLike): WasmTensor {
  const shape = checkAnyTensor("toWasm", "x", x);
  const rt = getRuntime();
  const [ptr] = rt.heap.allocFloats("toWasm", [x.data.length]);
  writeFloats(rt, ptr, x.data);
  return new WasmTensor(rt, ptr, shape);
}

/** Floats a call allocates to copy an input in: none for a WasmTensor. */
export function floatsIn(x: Input): number {
  return x instanceof WasmTensor ? 0 : x.data.length;
}

/** The input's address for the kernels: a WasmTensor's own, else `ptr`, once its floats are copied there. */
export function placeInput(rt: Runtime, fn: string, name: string, ptr: number, x: Input): number {
  if (x instanceof WasmTensor) return x.address(fn, name);
  writeFloats(rt, ptr, x.data);
  return ptr;
}

/** Where a result goes: a new WasmTensor ("wasm"), the caller's `out`, or a new Tensor (undefined). */
export type Placement = "wasm" | OutTensor | undefined;

/**
 * The result's placement: a WasmTensor when x, the op's main input, is one (then `out`, which is
 * for results copied out, is refused), else as checkOut says.
 */
export function placement(
  fn: string,
  x: Input,
  out: unknown,
  shape: readonly number[],
  dims: readonly string[],
  name = "x",
): Placement {
  if (!(x instanceof WasmTensor)) return checkOut(fn, out, shape, dims);
  if (out !== undefined && out !== null) {
    throw new TypeError(
      `${fn}: opts.out must be left out when ${name} is a WasmTensor: the result is a new WasmTensor; got ${describe(out)}`,
    );
  }
  return "wasm";
}

/**
 * withBuffers for an op with one result of `shape`: body(ptrs, py) writes the result at py, which
 * is returned as `place` says. A WasmTensor result's block outlives the call, the others do not.
 */
export function withResult(
  rt: Runtime,
  fn: string,
  shape: number[],
  place: Placement,
  floatCounts: readonly number[],
  body: (ptrs: number[], py: number) => void,
): Tensor | WasmTensor {
  const floats = shape.reduce((a, b) => a * b, 1);
  if (place !== "wasm") {
    return withBuffers(rt, fn, [...floatCounts, floats], (ptrs) => {
      const py = ptrs[floatCounts.length];
      body(ptrs.slice(0, floatCounts.length), py);
      return readResult(rt, py, shape, place);
    });
  }
  const [py] = rt.heap.allocFloats(fn, [floats]);
  try {
    withBuffers(rt, fn, floatCounts, (ptrs) => body(ptrs, py));
  } catch (e) {
    rt.heap.free(py);
    throw e;
  }
  return new WasmTensor(rt, py, shape);
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
