import { getRuntime } from "./wasm.js";

export interface MemoryStats {
  /** Bytes of WASM memory held by live buffers (layers' caches; 0 between plain calls). */
  bytesInUse: number;
  /** The most bytes ever held at once. */
  highWater: number;
  /** Size of the WebAssembly.Memory: it only grows, and only when a call needs more than it has. */
  memoryBytes: number;
}

/** What zeroconv holds in WebAssembly memory right now. */
export function memoryStats(): MemoryStats {
  const { heap } = getRuntime();
  return { bytesInUse: heap.inUse, highWater: heap.highWater, memoryBytes: heap.memoryBytes };
}
