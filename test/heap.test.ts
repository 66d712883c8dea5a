import { describe, expect, it } from "vitest";
import { Heap } from "../src/runtime/heap.js";
import { randInt, rng } from "./util.js";

const PAGE = 65536;

describe("Heap (the free list over WASM memory)", () => {
  it("hands out disjoint 64-byte-aligned blocks and grows memory only when nothing fits", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new Heap(memory, 100);
    const [a, b] = heap.allocFloats("t", [10, 1000]);
    expect(a % 64).toBe(0);
    expect(b % 64).toBe(0);
    expect(a).toBeGreaterThanOrEqual(128); // after the module's static data (base 100)
    expect(b).toBeGreaterThanOrEqual(a + 40);
    expect(memory.buffer.byteLength).toBe(PAGE);
    const [c] = heap.allocFloats("t", [PAGE / 4]);
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    expect(c).toBeGreaterThanOrEqual(b + 4000);
    for (const p of [a, b, c]) heap.free(p);
    expect(heap.inUse).toBe(0);
  });

  it("coalesces freed neighbours: a long random run stays within 2x its peak live bytes and ends empty", () => {
    const memory = new WebAssembly.Memory({ initial: 0 });
    const heap = new Heap(memory, 0);
    const r = rng(1);
    const live: { ptr: number; size: number }[] = [];
    const step = () => {
      if (live.length > 0 && (live.length > 20 || r() < 0.5)) {
        heap.free(live.splice(randInt(r, 0, live.length - 1), 1)[0].ptr);
      } else {
        const size = randInt(r, 1, 50_000);
        const [ptr] = heap.allocFloats("t", [size]);
        // No overlap with any live block.
        for (const o of live) expect(ptr + size * 4 <= o.ptr || o.ptr + o.size * 4 <= ptr).toBe(true);
        live.push({ ptr, size });
      }
    };
    // Random frees in random order are harder than zeroconv's own pattern (a call's buffers freed
    // together, test/memory.test.ts keeps that flat); first fit then fragments, but boundedly.
    for (let i = 0; i < 40_000; i++) step();
    const settled = memory.buffer.byteLength;
    expect(settled).toBeLessThanOrEqual(2 * heap.highWater + PAGE);
    for (const o of live.splice(0)) heap.free(o.ptr);
    expect(heap.inUse).toBe(0);
    // Everything merged back: one block as large as all of memory fits without growing.
    const [all] = heap.allocFloats("t", [(settled - 64) / 4]);
    expect(memory.buffer.byteLength).toBe(settled);
    heap.free(all);
  });

  it("refuses a request over the limit up front, naming the bytes, and frees nothing it did not own", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new Heap(memory, 0, 4 * PAGE);
    expect(() => heap.allocFloats("conv2d", [PAGE / 4, (4 * PAGE) / 4])).toThrow(
      /conv2d: needs 327680 bytes of WebAssembly memory on top of 0 in use, over the 262144-byte limit/,
    );
    expect(memory.buffer.byteLength).toBe(PAGE);
    expect(heap.inUse).toBe(0);
    expect(() => heap.free(12345)).toThrow(/free of unknown block/);
  });

  it("every block lies inside mapped memory, also when memory starts empty below the heap's base", () => {
    const memory = new WebAssembly.Memory({ initial: 0 });
    const heap = new Heap(memory, 0);
    // The first block starts at 64 (never at address 0); a whole page of it needs 2 pages mapped.
    const [p] = heap.allocFloats("t", [PAGE / 4]);
    expect(p + PAGE).toBeLessThanOrEqual(memory.buffer.byteLength);
    new Float32Array(memory.buffer, p, PAGE / 4).fill(1); // a view past the end would throw
    heap.free(p);
  });

  it("refuses a request that fits the limit in total but not in the gaps, before growing anything", () => {
    const memory = new WebAssembly.Memory({ initial: 0 });
    const heap = new Heap(memory, 0, 4 * PAGE);
    const [a, b, c] = heap.allocFloats("t", [(PAGE - 64) / 4, PAGE / 4, PAGE / 4]);
    heap.free(a);
    heap.free(c);
    expect(memory.buffer.byteLength).toBe(3 * PAGE);
    // 1 page in use + 3 requested = the limit, but first fit puts the 2-page block at the top and
    // finds no gap for the 1-page one: it would take 5 pages mapped. Refused with nothing grown.
    expect(() => heap.allocFloats("conv2d", [(2 * PAGE) / 4, PAGE / 4])).toThrow(
      /conv2d: needs 196608 bytes of WebAssembly memory on top of 65536 in use; .* would need 327680 bytes mapped/,
    );
    expect(memory.buffer.byteLength).toBe(3 * PAGE);
    expect(heap.inUse).toBe(PAGE);
    // What does fit right up to the limit still gets placed: the gap, then the top grown to 4 pages.
    const [d, e] = heap.allocFloats("t", [(2 * PAGE) / 4, (PAGE - 64) / 4]);
    expect(memory.buffer.byteLength).toBe(4 * PAGE);
    for (const p of [b, d, e]) heap.free(p);
    expect(heap.inUse).toBe(0);
  });

  it("a host that refuses to grow memory below the limit gives a RangeError naming the bytes", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const heap = new Heap(memory, 0, 8 * PAGE);
    expect(() => heap.allocFloats("matmul", [(3 * PAGE) / 4])).toThrow(
      /matmul: needs 196608 more bytes of WebAssembly memory; growing it from 65536 to 262144 bytes failed/,
    );
    expect(heap.inUse).toBe(0);
    const [p] = heap.allocFloats("t", [PAGE / 4]); // still usable
    heap.free(p);
  });

  it("tracks bytes in use and the high-water mark", () => {
    const heap = new Heap(new WebAssembly.Memory({ initial: 0 }), 0);
    const [a, b] = heap.allocFloats("t", [16, 32]);
    expect(heap.inUse).toBe(64 + 128);
    heap.free(a);
    heap.free(b);
    expect(heap.inUse).toBe(0);
    expect(heap.highWater).toBe(192);
  });
});
