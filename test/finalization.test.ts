import { describe, expect, it } from "vitest";
import { runModule, wasmFlags } from "./util.js";

// Layers and Adam hold WASM memory between calls; one that is dropped without dispose() must give
// it back once garbage-collected (the FinalizationRegistry in src/runtime/memory.ts). Garbage collection
// is forced with --expose-gc, in a child process running the built package.
const script = `
import { init, Convolution, Pooling, Adam, Tensor, memoryStats } from "./dist/index.js";
await init();
const before = memoryStats().bytesInUse;
(() => {
  const x = new Tensor(new Float32Array(2 * 3 * 8 * 8).fill(1), [2, 3, 8, 8]);
  new Convolution(new Tensor(new Float32Array(4 * 3 * 3 * 3).fill(0.1), [4, 3, 3, 3]), new Tensor(new Float32Array(4), [4])).forward(x);
  new Pooling(2, 2).forward(x);
  const p = { w: new Tensor(new Float32Array(1000), [1000]) };
  new Adam().update(p, { w: { shape: [1000], data: new Float32Array(1000).fill(1) } });
})();
const held = memoryStats().bytesInUse - before;
for (let i = 0; i < 20 && memoryStats().bytesInUse !== before; i++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 10)); // finalizers run after the collection, as tasks
}
console.log(JSON.stringify({ held, after: memoryStats().bytesInUse - before }));
`;

describe("FinalizationRegistry", () => {
  it("returns the WASM memory of layers and optimisers that were dropped without dispose()", () => {
    const child = runModule(script, [...wasmFlags, "--expose-gc"]);
    expect(child.stderr).toBe("");
    const { held, after } = JSON.parse(child.stdout);
    expect(held).toBeGreaterThan(4 * (2 * 36 * 27 + 2 * 3 * 16 + 2 * 1000)); // im2col, argmax and Adam's moments were held
    expect(after).toBe(0);
  });
});
