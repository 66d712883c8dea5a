// `using conv = new Convolution(W, b)` (explicit resource management) frees a layer's WASM memory
// at the end of the block. The method is keyed by Symbol.dispose, which not every runtime has yet
// (Node 20 has it; Chrome from 134; older browsers and Safari not): there it is simply not
// defined, rather than defined under the key "undefined", and dispose() is the way.

/** Gives `cls` a `[Symbol.dispose]()` that calls its dispose(), where the runtime has the symbol. */
export function disposable(cls: { prototype: { dispose(): void } }): void {
  if (typeof Symbol.dispose !== "symbol") return;
  Object.defineProperty(cls.prototype, Symbol.dispose, {
    value: function dispose(this: { dispose(): void }): void {
      this.dispose();
    },
    writable: true,
    configurable: true,
  });
}
