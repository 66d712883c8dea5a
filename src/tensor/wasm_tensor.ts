// A tensor whose floats live in zeroconv's WebAssembly memory. A call on Tensors copies every
// input in and its result out into a fresh array; across a network of small layers those copies,
// the weights' included, and the garbage collection of the fresh arrays cost about as much as the
// kernels (MobileNetV2: ~65 calls, 14 MB of weights). Ops given a WasmTensor read it where it
// lies and return their result as a WasmTensor, so a network copies its input in once and its
// output out once, as the WASM backends of other libraries do.
//
// No view of the floats is handed out: memory.grow detaches every view, and a kept one would
// silently read nothing. read() copies out; write() copies in.
import { disposable } from "../runtime/disposable.js";
import type { Runtime } from "../runtime/wasm.js";
import { describe, formatShape, Tensor } from "./tensor.js";

/**
 * The entry points that read WasmTensors where they lie (their argument checks pass them; every
 * other entry point's reject them with a TypeError): the forward ops of an inference network.
 */
const RESIDENT_OPS = new Set([
  "conv2d",
  "depthwiseConv2d",
  "maxPool2d",
  "avgPool2d",
  "globalAvgPool2d",
  "globalMaxPool2d",
  "matmul",
  "add",
  // Their gradients, for a training step kept in WASM memory.
  "conv2dBackpropInput",
  "conv2dBackpropFilter",
  "depthwiseConv2dBackpropInput",
  "depthwiseConv2dBackpropFilter",
  "maxPool2dBackward",
  "avgPool2dBackward",
  // zeroconv/tfjs's element-wise ops (src/ops/elementwise.ts), not in the package's API.
  "sub",
  "mul",
  "div",
  "relu",
  "step",
  "sqrt",
  "square",
  "sumLeading",
]);

export function takesWasmTensors(fn: string): boolean {
  return RESIDENT_OPS.has(fn);
}

// A WasmTensor that is never disposed still gives its block back once it is garbage-collected.
const finalizer = new FinalizationRegistry<{ rt: Runtime; ptr: number }>(({ rt, ptr }) => rt.heap.free(ptr));

export class WasmTensor {
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  #rt: Runtime;
  #ptr: number;
  // Counts write() calls: nothing else writes into a WasmTensor, so a derived block made at the
  // same count is current without a pass over the floats.
  #version = 0;
  // Blocks made from the floats, freed with them: the version each was made from, and its finalizer token.
  #derived = new Map<string, { ptr: number; version: number; token: object }>();

  /** Use toWasm(tensor), or an op's result: the block at `ptr` becomes this tensor's. @internal */
  constructor(rt: Runtime, ptr: number, shape: readonly number[]) {
    this.#rt = rt;
    this.#ptr = ptr;
    this.shape = Object.freeze([...shape]);
    this.size = shape.reduce((a, b) => a * b, 1);
    finalizer.register(this, { rt, ptr }, this);
  }

  /** Whether dispose() has given the memory back. */
  get disposed(): boolean {
    return this.#ptr === 0;
  }

  /** The floats' byte address for a kernel; `fn` and `name` say who asks, for the error. @internal */
  address(fn: string, name: string): number {
    if (this.#ptr === 0) throw new TypeError(`${fn}: ${name} is a WasmTensor that was disposed`);
    return this.#ptr;
  }

  /**
   * A block derived from the floats (a filter packed for a kernel, Winograd's filter transform), made by `fill` on first use
   * and again after a write(), kept under `key` until dispose(). @internal
   */
  derived(key: string, floats: number, fill: (ptr: number) => void): number {
    this.address("WasmTensor", "this");
    let d = this.#derived.get(key);
    if (d !== undefined && d.version === this.#version) return d.ptr;
    if (d === undefined) {
      const [ptr] = this.#rt.heap.allocFloats(key, [floats]);
      d = { ptr, version: -1, token: {} };
      finalizer.register(this, { rt: this.#rt, ptr }, d.token);
      this.#derived.set(key, d);
    }
    fill(d.ptr);
    d.version = this.#version;
    return d.ptr;
  }

  /** A copy of the floats, as a Tensor of the same shape. */
  read(): Tensor {
    const at = this.address("WasmTensor.read", "this");
    return new Tensor(new Float32Array(this.#rt.kernels.memory.buffer, at, this.size).slice(), this.shape);
  }

  /** Copies `data` (exactly `size` numbers) over the floats. */
  write(data: ArrayLike<number>): void {
    const at = this.address("WasmTensor.write", "this");
    if (!ArrayBuffer.isView(data) && !Array.isArray(data)) {
      throw new TypeError(`WasmTensor.write: data must be an array or typed array of numbers; got ${describe(data)}`);
    }
    if (data.length !== this.size) {
      throw new RangeError(
        `WasmTensor.write: data has ${data.length} elements but the shape ${formatShape(this.shape)} needs ${this.size}`,
      );
    }
    new Float32Array(this.#rt.kernels.memory.buffer, at, this.size).set(data);
    this.#version++;
  }

  /**
   * The same floats under another shape of as many elements, without a copy: the block moves to
   * the tensor returned, and this one is left disposed (one owner per block, so one dispose).
   */
  reshape(shape: readonly number[]): WasmTensor {
    const at = this.address("WasmTensor.reshape", "this");
    const size =
      Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 1) ? shape.reduce((a, b) => a * b, 1) : -1;
    if (size !== this.size) {
      throw new RangeError(
        `WasmTensor.reshape: shape must be positive integers with ${this.size} elements in all, as ${formatShape(this.shape)}; got ${Array.isArray(shape) ? formatShape(shape) : describe(shape)}`,
      );
    }
    finalizer.unregister(this);
    this.#ptr = 0;
    this.#dropDerived(); // made for this shape
    return new WasmTensor(this.#rt, at, shape);
  }

  #dropDerived(): void {
    for (const d of this.#derived.values()) {
      finalizer.unregister(d.token);
      this.#rt.heap.free(d.ptr);
    }
    this.#derived.clear();
  }

  /** Gives the memory back; later use is a TypeError. Disposing twice is harmless. */
  dispose(): void {
    if (this.#ptr === 0) return;
    finalizer.unregister(this);
    this.#rt.heap.free(this.#ptr);
    this.#ptr = 0;
    this.#dropDerived();
  }
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface WasmTensor {
  [Symbol.dispose](): void;
}
disposable(WasmTensor);
