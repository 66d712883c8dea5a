// Loads the kernels once and hands out the instance, its heap and fresh memory views.
//
// No @assemblyscript/loader (deprecated upstream since AssemblyScript 0.20) and no generated
// bindings: every export takes only numbers (pointers and sizes), so there is nothing to marshal,
// and a 20-line instantiate of our own works the same in Node and browsers and lets init() decide
// when the module loads (the generated `esm` bindings instantiate at import time).
import { Heap } from "./heap.js";

/** The kernels exported by assembly/index.ts: pointers are byte offsets into linear memory. */
export interface Kernels {
  im2col_kernel_order(x: number, n: number, c: number, h: number, w: number, fh: number, fw: number,
    stride: number, pad: number, outH: number, outW: number, colT: number): void;
  im2col_output_order(x: number, n: number, c: number, h: number, w: number, fh: number, fw: number,
    stride: number, pad: number, outH: number, outW: number, col: number): void;
  col2im(colT: number, n: number, c: number, h: number, w: number, fh: number, fw: number,
    stride: number, pad: number, outH: number, outW: number, x: number): void;
  transpose_4x4(src: number, rows: number, cols: number, dst: number, batch: number): void;
  sgemm(m: number, n: number, k: number, a: number, rsA: number, csA: number,
    b: number, rsB: number, csB: number, beta: number, c: number, ldc: number, work: number): void;
  sgemm_workspace_bytes(): number;
  maxpool_forward(x: number, planes: number, h: number, w: number, ph: number, pw: number,
    strideY: number, strideX: number, pad: number, outH: number, outW: number, y: number, argmax: number): void;
  maxpool_2x2s2_forward(x: number, planes: number, h: number, w: number, outH: number, outW: number, y: number, argmax: number): void;
  maxpool_backward(dy: number, argmax: number, planes: number, outSize: number, planeSize: number, dx: number): void;
  bias_add(y: number, bias: number, n: number, channels: number, planeSize: number): void;
  bias_grad(dy: number, n: number, channels: number, planeSize: number, db: number): void;
  relu_forward(x: number, n: number, y: number): void;
  relu_backward(dy: number, y: number, n: number, dx: number): void;
  softmax_cross_entropy(x: number, rows: number, cols: number, labels: number, y: number): number;
  softmax_cross_entropy_backward(y: number, t: number, n: number, rows: number, scale: number, dx: number): void;
  heap_base(): number;
  memory: WebAssembly.Memory;
}

export interface Runtime {
  kernels: Kernels;
  heap: Heap;
}

export interface InitOptions {
  /** Worker threads for the kernels. Only 1 exists so far. */
  threads?: number;
}

export interface InitResult {
  simd: boolean;
  threads: number;
}

let runtime: Runtime | null = null;
let loading: Promise<Runtime> | null = null;

/**
 * Loads and instantiates the WebAssembly kernels. Call once before anything else; later calls
 * return at once with the same result.
 */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`init: options must be an object like { threads: 1 }; got ${String(options)}`);
  }
  const threads = options.threads ?? 1;
  if (typeof threads !== "number") {
    throw new TypeError(`init: options.threads must be a number; got ${typeof threads}`);
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`init: options.threads must be an integer >= 1; got ${threads}`);
  }
  if (threads > 1) {
    throw new RangeError(`init: options.threads = ${threads} is not supported yet; this build runs on 1 thread`);
  }
  loading ??= load().catch((e: unknown) => {
    loading = null;
    throw e;
  });
  runtime = await loading;
  return { simd: true, threads: 1 };
}

/** The loaded runtime; throws the "call init() first" error before init() has finished. */
export function getRuntime(): Runtime {
  if (runtime === null) {
    throw new Error("zeroconv is not initialised: call `await init()` once before using it");
  }
  return runtime;
}

const wasmUrl = new URL("../build/zeroconv.wasm", import.meta.url);

async function load(): Promise<Runtime> {
  const bytes = await readWasm(wasmUrl);
  if (!WebAssembly.validate(bytes)) {
    throw new Error(
      `zeroconv: ${wasmUrl.href} does not validate here. It needs WebAssembly SIMD ` +
      "(Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+); if the runtime has SIMD, the file is damaged",
    );
  }
  const { instance } = await WebAssembly.instantiate(bytes);
  const kernels = instance.exports as unknown as Kernels;
  return { kernels, heap: new Heap(kernels.memory, kernels.heap_base()) };
}

async function readWasm(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === "file:") {
    // Node (and other file-URL hosts): read the file beside the package's own modules.
    const { readFile } = await import("node:fs/promises");
    try {
      return new Uint8Array(await readFile(url));
    } catch (e) {
      throw new Error(`zeroconv: cannot read ${url.pathname} (${(e as Error).message}); run \`npm run build:wasm\``);
    }
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`zeroconv: fetching ${url.href} failed with HTTP ${response.status}; serve the .wasm beside the package's modules`);
  }
  return new Uint8Array(await response.arrayBuffer());
}
