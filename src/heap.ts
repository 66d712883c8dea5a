// The TypeScript side owns WASM linear memory. The module is built with `--runtime stub`, whose
// bump allocator never frees, so the kernels never allocate: every buffer comes from this
// first-fit free list, which coalesces neighbours on free. A call frees all its buffers together,
// so long runs stay flat once the largest working set has been seen (test/memory.test.ts), and
// layers can still hold buffers across calls (the im2col matrix between forward and backward),
// which a stack arena could not.

const PAGE = 65536;
// 64-byte blocks: v128 loads never straddle a cache line at a block's start, and pointers stay
// 16-byte aligned for every element type we store.
const ALIGN = 64;
/** The wasm32 ceiling: 65536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 65536 * PAGE;

interface Block { start: number; size: number }

export class Heap {
  private readonly freeBlocks: Block[] = [];
  private readonly used = new Map<number, number>();
  private bytesInUse = 0;
  private peak = 0;
  /** Where the managed region ends; memory above it is grown on demand. */
  private top: number;

  constructor(private readonly memory: WebAssembly.Memory, base: number, private readonly maxBytes = MAX_MEMORY_BYTES) {
    const start = Math.max(ALIGN, roundUp(base, ALIGN));
    const end = memory.buffer.byteLength;
    if (end > start) this.freeBlocks.push({ start, size: end - start });
    this.top = Math.max(start, end);
  }

  get inUse(): number { return this.bytesInUse; }
  get highWater(): number { return this.peak; }
  get memoryBytes(): number { return this.memory.buffer.byteLength; }

  /**
   * Throws a RangeError, before anything is allocated or grown, when blocks of `floatCounts`
   * floats (4-byte elements) would not fit under the memory limit next to what is in use.
   */
  check(what: string, floatCounts: readonly number[]): void {
    let total = 0;
    for (const n of floatCounts) total += roundUp(Math.max(n * 4, 1), ALIGN);
    if (!Number.isSafeInteger(total) || this.bytesInUse + total > this.maxBytes) {
      throw new RangeError(
        `${what}: needs ${total} bytes of WebAssembly memory on top of ${this.bytesInUse} in use, ` +
        `over the ${this.maxBytes}-byte limit`,
      );
    }
  }

  /** Allocates one block per entry of `floatCounts`, all or none (see check). */
  allocFloats(what: string, floatCounts: readonly number[]): number[] {
    this.check(what, floatCounts);
    const ptrs: number[] = [];
    try {
      for (const n of floatCounts) ptrs.push(this.alloc(what, n * 4));
    } catch (e) {
      for (const p of ptrs) this.free(p);
      throw e;
    }
    return ptrs;
  }

  free(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`zeroconv internal error: free of unknown block ${ptr}`);
    this.used.delete(ptr);
    this.bytesInUse -= size;
    this.insertFree({ start: ptr, size });
  }

  private alloc(what: string, bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    let i = this.freeBlocks.findIndex((b) => b.size >= size);
    if (i < 0) i = this.grow(what, size);
    const block = this.freeBlocks[i];
    const ptr = block.start;
    if (block.size === size) this.freeBlocks.splice(i, 1);
    else { block.start += size; block.size -= size; }
    this.used.set(ptr, size);
    this.bytesInUse += size;
    this.peak = Math.max(this.peak, this.bytesInUse);
    return ptr;
  }

  /** Grows memory so that the block at the top can hold `size` bytes; returns its index. */
  private grow(what: string, size: number): number {
    const last = this.freeBlocks[this.freeBlocks.length - 1];
    const tail = last && last.start + last.size === this.top ? last.size : 0;
    const pages = Math.ceil((size - tail) / PAGE);
    if (this.top + pages * PAGE > this.maxBytes) {
      throw new RangeError(
        `${what}: needs ${size} more bytes of WebAssembly memory, but ${this.top} of the ` +
        `${this.maxBytes}-byte limit are already mapped`,
      );
    }
    this.memory.grow(pages);
    const grown = { start: this.top, size: pages * PAGE };
    this.top += pages * PAGE;
    this.insertFree(grown);
    return this.freeBlocks.length - 1;
  }

  private insertFree(block: Block): void {
    const list = this.freeBlocks;
    let i = 0;
    while (i < list.length && list[i].start < block.start) i++;
    list.splice(i, 0, block);
    const next = list[i + 1];
    if (next && block.start + block.size === next.start) {
      block.size += next.size;
      list.splice(i + 1, 1);
    }
    const prev = list[i - 1];
    if (prev && prev.start + prev.size === block.start) {
      prev.size += block.size;
      list.splice(i, 1);
    }
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
