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

interface Block {
  start: number;
  size: number;
}

export class Heap {
  private readonly freeBlocks: Block[] = [];
  private readonly used = new Map<number, number>();
  private bytesInUse = 0;
  private peak = 0;
  /** Where memory is mapped up to; it is grown on demand. */
  private top: number;
  /** Where the managed region starts (after the module's static data). */
  private readonly start: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maxBytes = MAX_MEMORY_BYTES,
  ) {
    this.start = Math.max(ALIGN, roundUp(base, ALIGN));
    const end = memory.buffer.byteLength;
    if (end > this.start) this.freeBlocks.push({ start: this.start, size: end - this.start });
    // The mapped end, even below the start: a region grown from there begins at the start, and
    // ends where memory really does (it once ended 64 bytes past it when memory began empty).
    this.top = end;
  }

  get inUse(): number {
    return this.bytesInUse;
  }
  get highWater(): number {
    return this.peak;
  }
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Throws a RangeError, before anything is allocated or grown, when blocks of `floatCounts`
   * floats (4-byte elements) would not fit under the memory limit next to what is in use. Sizes
   * are float64 arithmetic, so a product past 2^31 (or 2^53) is caught here, not wrapped.
   */
  check(what: string, floatCounts: readonly number[]): void {
    let total = 0;
    for (const n of floatCounts) total += roundUp(Math.max(n * 4, 1), ALIGN);
    if (!Number.isSafeInteger(total) || this.bytesInUse + total > this.maxBytes) {
      const needs = Number.isSafeInteger(total) ? `${total} bytes` : `more than 2^53 bytes (${total.toPrecision(3)})`;
      throw new RangeError(
        `${what}: needs ${needs} of WebAssembly memory on top of ${this.bytesInUse} in use, ` +
          `over the ${this.maxBytes}-byte limit`,
      );
    }
    // Under the limit in total, but the free list may be too fragmented for first fit to place
    // them without growing past it: found out on a copy, so that memory is not grown for the first
    // blocks of a request that the last one then fails. Only near the limit: each block grows
    // memory by at most its size and a page, so far below it everything fits.
    if (this.top + total + floatCounts.length * PAGE <= this.maxBytes) return;
    const top = this.topAfter(floatCounts.map((n) => roundUp(Math.max(n * 4, 1), ALIGN)));
    if (top > this.maxBytes) {
      throw new RangeError(
        `${what}: needs ${total} bytes of WebAssembly memory on top of ${this.bytesInUse} in use; ` +
          `they fit under the ${this.maxBytes}-byte limit only without the gaps between blocks in use, ` +
          `and would need ${top} bytes mapped`,
      );
    }
  }

  /** Where memory would end after first-fit allocation of blocks of `sizes` bytes (already aligned). */
  private topAfter(sizes: readonly number[]): number {
    const free = this.freeBlocks.map((b) => ({ ...b }));
    let top = this.top;
    for (const size of sizes) {
      const block = free.find((b) => b.size >= size);
      if (block !== undefined) {
        block.start += size;
        block.size -= size;
        continue;
      }
      const last = free[free.length - 1];
      const tail = last && last.start + last.size === top ? last.size : 0;
      const end = top + this.pagesFor(size, tail, top) * PAGE;
      if (tail > 0) {
        last.start += size;
        last.size = end - last.start;
      } else {
        const from = Math.max(top, this.start);
        free.push({ start: from + size, size: end - from - size });
      }
      top = end;
    }
    return top;
  }

  /**
   * Pages to map so that a block of `size` bytes fits at the top of memory mapped up to `top`:
   * in the free block of `tail` bytes that ends there, grown, or else from where memory ends.
   */
  private pagesFor(size: number, tail: number, top: number): number {
    const from = tail > 0 ? top - tail : Math.max(top, this.start);
    return Math.ceil((from + size - top) / PAGE);
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
    else {
      block.start += size;
      block.size -= size;
    }
    this.used.set(ptr, size);
    this.bytesInUse += size;
    this.peak = Math.max(this.peak, this.bytesInUse);
    return ptr;
  }

  /** Grows memory so that the block at the top can hold `size` bytes; returns its index. */
  private grow(what: string, size: number): number {
    const last = this.freeBlocks[this.freeBlocks.length - 1];
    const tail = last && last.start + last.size === this.top ? last.size : 0;
    const pages = this.pagesFor(size, tail, this.top);
    if (this.top + pages * PAGE > this.maxBytes) {
      throw new RangeError(
        `${what}: needs ${size} more bytes of WebAssembly memory, but ${this.top} of the ` +
          `${this.maxBytes}-byte limit are already mapped`,
      );
    }
    try {
      this.memory.grow(pages);
    } catch (e) {
      // The host may refuse before the wasm32 limit (a browser's cap, or the machine out of memory).
      throw new RangeError(
        `${what}: needs ${size} more bytes of WebAssembly memory; growing it from ${this.top} to ` +
          `${this.top + pages * PAGE} bytes failed (${(e as Error).message})`,
      );
    }
    const from = Math.max(this.top, this.start);
    const grown = { start: from, size: this.top + pages * PAGE - from };
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
