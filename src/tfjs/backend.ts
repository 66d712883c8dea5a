// The backend: tfjs-backend-cpu's, whose data entries may also hold a copy of their floats in
// zeroconv's WebAssembly memory (a WasmTensor). A zeroconv kernel copies an input in once and
// keeps the copy on the input's entry, so the weights and every activation that two kernels read
// cross into WASM memory once (tfjs never changes the values of a dataId: Variable.assign gives
// the variable another dataId). A zeroconv kernel's result stays in WASM memory, and its values
// are copied out only when something reads them (a CPU kernel, dataSync, data, a move to another
// backend): the next zeroconv kernel reads it where it lies. Without that, a network paid a copy
// in and a fresh array out per kernel, weights included: a quarter of a training step.
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { DataId, TensorInfo } from "@tensorflow/tfjs-core";
import { toWasm } from "../runtime/memory.js";
import type { WasmTensor } from "../tensor/wasm_tensor.js";
import { sameShape } from "./windows.js";

/** A float32 entry whose floats are in WASM memory; `values` is their copy, made at its first read. */
class ResidentEntry {
  readonly dtype = "float32" as const;
  refCount = 1;
  residentRef: WeakRef<WasmTensor> | undefined;
  #values: Float32Array | undefined;
  constructor(public resident: WasmTensor) {}

  get values(): Float32Array {
    if (this.#values === undefined) this.#values = this.resident.read().data as Float32Array;
    return this.#values;
  }

  /** Whether the values have been copied out (for the tests and the benchmarks). */
  get materialised(): boolean {
    return this.#values !== undefined;
  }
}

/** What an entry of the CPU backend's can carry here: its copy in WASM memory. */
interface Resident {
  resident?: WasmTensor;
  /** The backend's handle on it, for dispose(). */
  residentRef?: WeakRef<WasmTensor>;
}

/**
 * Whether kernels' results stay in WASM memory until read (the default), or are copied out at
 * once, each keeping its WASM copy for the next zeroconv kernel. @internal For the benchmarks.
 */
let lazyOutputs = true;
export function setLazyOutputs(lazy: boolean): void {
  lazyOutputs = lazy;
}

/** tfjs-backend-cpu's backend; `instanceof ZeroconvBackend` tells that zeroconv's kernels run. */
export class ZeroconvBackend extends MathBackendCPU {
  /**
   * Every WASM copy the entries hold, to give back when tfjs disposes the backend (its engine's
   * reset). Weakly: tfjs-backend-cpu's entries are in a WeakMap, and a tensor dropped without
   * dispose() is garbage-collected with its copy (WasmTensor's finalizer frees the block).
   */
  readonly #residents = new Set<WeakRef<WasmTensor>>();
  #kept = 0;

  /**
   * The float32 tensor's floats in WASM memory, as a WasmTensor of its shape: the entry's copy,
   * made now if it has none. The WasmTensor stays the entry's; no caller disposes it.
   */
  resident(t: TensorInfo): WasmTensor {
    const entry = this.data.get(t.dataId) as ReturnType<MathBackendCPU["data"]["get"]> & Resident;
    const w = entry.resident;
    if (w === undefined) return this.#keep(entry, toWasm({ shape: t.shape, data: entry.values as Float32Array }));
    if (sameShape(w.shape, t.shape)) return w;
    // tfjs's Reshape shares the dataId under another shape; the block moves to the new WasmTensor.
    this.#residents.delete(entry.residentRef as WeakRef<WasmTensor>);
    return this.#keep(entry, w.reshape(t.shape));
  }

  /** A new float32 tensor of `w`'s shape whose floats are `w`'s, which the entry takes. */
  writeResident(w: WasmTensor): TensorInfo {
    const id = { id: (this as unknown as { nextDataId(): number }).nextDataId() };
    const entry = new ResidentEntry(w);
    this.#keep(entry, w);
    if (!lazyOutputs) void entry.values;
    this.data.set(id, entry);
    return { dataId: id, shape: [...w.shape], dtype: "float32" };
  }

  override move(...args: Parameters<MathBackendCPU["move"]>): void {
    // An entry about to be replaced gives its copy back.
    if (this.data.has(args[0])) this.#free(this.data.get(args[0]) as Resident);
    super.move(...args);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.data.has(dataId) ? (this.data.get(dataId) as Resident) : undefined;
    const released = super.disposeData(dataId, force);
    if (released && entry !== undefined) this.#free(entry);
    return released;
  }

  override dispose(): void {
    for (const ref of this.#residents) ref.deref()?.dispose();
    this.#residents.clear();
    super.dispose();
  }

  #keep(entry: Resident, w: WasmTensor): WasmTensor {
    entry.resident = w;
    entry.residentRef = new WeakRef(w);
    this.#residents.add(entry.residentRef);
    // The handles of tensors collected without dispose() are swept now and then.
    if (++this.#kept % 4096 === 0)
      for (const ref of this.#residents) if (ref.deref() === undefined) this.#residents.delete(ref);
    return w;
  }

  #free(entry: Resident): void {
    if (entry.resident === undefined) return;
    this.#residents.delete(entry.residentRef as WeakRef<WasmTensor>);
    entry.resident.dispose();
    entry.resident = undefined;
    entry.residentRef = undefined;
  }
}
