// Loads the kernels once (one of four builds: plain or relaxed SIMD, private or shared memory) and
// hands out the instance, its heap and, with threads, the worker pool.
//
// No @assemblyscript/loader (deprecated upstream since AssemblyScript 0.20) and no generated
// bindings: every export takes only numbers (pointers and sizes), so there is nothing to marshal;
// the generated `esm` bindings instantiate at import time, and neither kind picks a build with
// WebAssembly.validate or hands one compiled module and a shared memory to workers, as this does.
import { Heap } from "./heap.js";
import { describe } from "../tensor/tensor.js";
import { CONTROL_BYTES, ThreadPool } from "./thread_pool.js";
import { warmUp } from "./warm_up.js";

/** The kernels exported by assembly/index.ts: pointers are byte offsets into linear memory. */
export interface Kernels {
  im2col_kernel_order(
    x: number,
    n: number,
    c: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    colT: number,
  ): void;
  im2col_output_order(
    x: number,
    n: number,
    c: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    stride: number,
    pad: number,
    outH: number,
    outW: number,
    col: number,
  ): void;
  col2im(
    colT: number,
    n: number,
    c: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    x: number,
  ): void;
  conv_direct_4x8(
    x: number,
    c: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    outH: number,
    outW: number,
    wts: number,
    fn: number,
    bias: number,
    y: number,
  ): void;
  transpose_4x4(src: number, rows: number, cols: number, dst: number, batch: number): void;
  sgemm(
    m: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    beta: number,
    c: number,
    ldc: number,
    work: number,
  ): void;
  sgemm_workspace_bytes(): number;
  sgemm_packed_b(
    m: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    packedB: number,
    c: number,
    ldc: number,
    work: number,
  ): void;
  sgemm_pack_b_8(b: number, rs: number, cs: number, kc: number, nc: number, dst: number): void;
  conv_gemm(
    x: number,
    c: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    j0: number,
    n: number,
    wts: number,
    fn: number,
    y: number,
    ldy: number,
    work: number,
  ): void;
  conv_nhwc_direct_4x8(
    x: number,
    h: number,
    w: number,
    c: number,
    packed: number,
    fn: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    p0: number,
    np: number,
    y: number,
  ): void;
  conv_nhwc_filter_grad_4x8(
    x: number,
    h: number,
    w: number,
    c: number,
    dy: number,
    fn: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    p0: number,
    np: number,
    accumulate: number,
    dW: number,
  ): void;
  conv_nhwc_rows(
    x: number,
    h: number,
    w: number,
    c: number,
    c0: number,
    cg: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    p0: number,
    np: number,
    dst: number,
  ): void;
  conv_nhwc_rows_add(
    rows: number,
    h: number,
    w: number,
    c: number,
    c0: number,
    cg: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    p0: number,
    np: number,
    dx: number,
  ): void;
  group_conv_nchw(
    x: number,
    groups: number,
    cg: number,
    h: number,
    w: number,
    wts: number,
    m: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    ch0: number,
    y: number,
    scratch: number,
  ): void;
  group_conv_nchw_scratch_floats(
    cg: number,

    outH: number,
    outW: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
  ): number;
  dwconv_nhwc(
    x: number,
    h: number,
    w: number,
    c: number,
    m: number,
    wts: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    oy0: number,
    rows: number,
    y: number,
  ): void;
  dwconv_nchw_1x24(
    x: number,
    planes: number,
    h: number,
    w: number,
    wts: number,
    m: number,
    fh: number,
    fw: number,
    sy: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    ch0: number,
    y: number,
    scratch: number,
  ): void;
  dwconv_nchw_1x24_scratch_floats(outH: number, outW: number, fh: number, fw: number, sy: number): number;
  dwconv_nchw_s2_1x28(
    x: number,
    planes: number,
    h: number,
    w: number,
    wts: number,
    m: number,
    fh: number,
    fw: number,
    sy: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    ch0: number,
    y: number,
    scratch: number,
  ): void;
  dwconv_nchw_s2_1x28_scratch_floats(outH: number, outW: number, fh: number, fw: number, sy: number): number;
  dwconv_nhwc_4x6(
    x: number,
    h: number,
    w: number,
    c: number,
    wts: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    oy0: number,
    rows: number,
    y: number,
  ): void;
  group_conv_nhwc(
    x: number,
    h: number,
    w: number,
    c: number,
    cg: number,
    fng: number,
    wts: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outW: number,
    oy0: number,
    rows: number,
    y: number,
  ): void;
  /** 1x1 stride-1 convolutions with the whole K in one pass; see assembly/conv/pointwise_*.ts. */
  pointwise_nchw(
    m: number,
    n: number,
    k: number,
    w: number,
    x: number,
    ldx: number,
    y: number,
    ldy: number,
    work: number,
  ): void;
  pointwise_nhwc(
    m: number,
    n: number,
    k: number,
    x: number,
    ldx: number,
    w: number,
    ldw: number,
    y: number,
    ldy: number,
    work: number,
  ): void;
  /** Bias and activation (assembly/elementwise/epilogue.ts's ACT_*) for the next GEMM or depthwise call only. */
  epilogue_apply(c: number, rows: number, cols: number): void;
  epilogue_set(bias: number, axis: number, act: number, alpha: number, prelu: number): void;
  sgemm_pack_a_4(a: number, rs: number, cs: number, mc: number, kc: number, dst: number): void;
  /** Winograd's transforms, tile 4: F(4x4, 3x3), tile 2: F(2x2, 3x3); see assembly/winograd/. */
  winograd_filter_transform(
    tile: number,
    w: number,
    fn: number,
    c: number,
    fs: number,
    cs: number,
    ys: number,
    xs: number,
    ldu: number,
    u: number,
  ): void;
  winograd_input_transform(
    tile: number,
    x: number,
    h: number,
    w: number,
    c: number,
    cs: number,
    ps: number,
    rs: number,
    top: number,
    left: number,
    tilesW: number,
    t0: number,
    nt: number,
    v: number,
    ldv: number,
  ): void;
  winograd_output_transform(
    tile: number,
    m: number,
    ldm: number,
    fn: number,
    tilesW: number,
    t0: number,
    nt: number,
    y: number,
    outH: number,
    outW: number,
    cs: number,
    ps: number,
    rs: number,
  ): void;
  winograd_gemm(
    points: number,
    nt: number,
    fn: number,
    ldv: number,
    v: number,
    u: number,
    ldm: number,
    m: number,
    work: number,
  ): void;
  maxpool_forward(
    x: number,
    planes: number,
    h: number,
    w: number,
    ph: number,
    pw: number,
    strideY: number,
    strideX: number,
    pad: number,
    outH: number,
    outW: number,
    y: number,
    argmax: number,
  ): void;
  maxpool_2x2s2_forward(
    x: number,
    planes: number,
    h: number,
    w: number,
    outH: number,
    outW: number,
    y: number,
    argmax: number,
  ): void;
  maxpool_2x2s2_max(x: number, planes: number, h: number, w: number, outH: number, outW: number, y: number): void;
  maxpool_backward(dy: number, argmax: number, planes: number, outSize: number, planeSize: number, dx: number): void;
  maxpool_nchw(
    x: number,
    planes: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    y: number,
    scratch: number,
  ): void;
  maxpool_nhwc(
    x: number,
    images: number,
    h: number,
    w: number,
    c: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    y: number,
  ): void;
  /** Floats of scratch maxpool_nchw takes. */
  pool_nchw_scratch_floats(h: number, outW: number, fw: number, sx: number, dw: number): number;
  /** Floats of scratch avgpool_nchw takes. */
  avgpool_nchw_scratch_floats(h: number, outH: number, outW: number, fw: number, sx: number): number;
  /** includePad: 1 divides by the window's elements inside the padded extent, 0 by those inside x. */
  avgpool_nchw(
    x: number,
    planes: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
    includePad: number,
    outH: number,
    outW: number,
    y: number,
    scratch: number,
  ): void;
  avgpool_nhwc(
    x: number,
    images: number,
    h: number,
    w: number,
    c: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
    includePad: number,
    outH: number,
    outW: number,
    y: number,
  ): void;
  /** x [outer, inner, lanes] -> y [outer, lanes], the mean over inner. */
  global_avgpool(x: number, outer: number, inner: number, lanes: number, y: number): void;
  /** x [outer, inner, lanes] -> y [outer, lanes], the maximum over inner. */
  global_maxpool(x: number, outer: number, inner: number, lanes: number, y: number): void;
  maxpool_backward_nchw(
    dy: number,
    x: number,
    planes: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    dx: number,
  ): void;
  maxpool_backward_nhwc(
    dy: number,
    x: number,
    images: number,
    h: number,
    w: number,
    c: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
    dx: number,
  ): void;
  avgpool_backward_nchw(
    dy: number,
    planes: number,
    h: number,
    w: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
    includePad: number,
    outH: number,
    outW: number,
    dx: number,
  ): void;
  avgpool_backward_nhwc(
    dy: number,
    images: number,
    h: number,
    w: number,
    c: number,
    fh: number,
    fw: number,
    sy: number,
    sx: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
    includePad: number,
    outH: number,
    outW: number,
    dx: number,
  ): void;
  bias_add(y: number, bias: number, n: number, channels: number, planeSize: number): void;
  bias_grad(dy: number, n: number, channels: number, planeSize: number, db: number): void;
  bias_add_rows(x: number, bias: number, rows: number, cols: number, y: number): void;
  binary(op: number, a: number, b: number, n: number, y: number): void;
  binary_scalar(op: number, a: number, s: number, n: number, y: number): void;
  unary(op: number, x: number, n: number, alpha: number, y: number): void;
  relu_forward(x: number, n: number, y: number): void;
  relu_backward(dy: number, y: number, n: number, dx: number): void;
  softmax_cross_entropy(x: number, rows: number, cols: number, labels: number, y: number): number;
  softmax_cross_entropy_backward(y: number, t: number, n: number, rows: number, scale: number, dx: number): void;
  adam_update(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lrT: number,
    a1: number,
    a2: number,
    eps: number,
  ): void;
  heap_base(): number;
  build_features(): number;
  memory: WebAssembly.Memory;
}

export type Build = "simd" | "relaxed-simd";

export interface Runtime {
  kernels: Kernels;
  heap: Heap;
  /** Workers that share the kernels' memory; null on one thread. */
  pool: ThreadPool | null;
  info: InitResult;
}

export interface InitOptions {
  /**
   * Threads that run kernels, this one included (default 1). More than 1 needs SharedArrayBuffer:
   * Node has it; a browser page must be cross-origin isolated, and falls back to 1 thread with a
   * console note when it is not.
   */
  threads?: number;
  /**
   * Which module to load: "relaxed-simd" fuses each multiply-add into one FMA; "auto" (default)
   * takes it where the engine validates it (Chromium; Node 20 only with
   * --experimental-wasm-relaxed-simd) and "simd" elsewhere.
   */
  build?: "auto" | Build;
  /**
   * Run every hot kernel briefly now (default true, about 15 ms) so that V8 has optimised them
   * before the first real call, which would otherwise take about 3x its steady time.
   */
  warmUp?: boolean;
  /**
   * Where zeroconv.wasm is served, for hosting that the package's own location cannot tell
   * (the default is the package's own build/zeroconv.wasm, found through `import.meta.url`). The other builds are
   * looked up beside it: zeroconv.relaxed-simd.wasm, zeroconv.threads.wasm and
   * zeroconv.relaxed-simd.threads.wasm.
   */
  wasmUrl?: string | URL;
  /** The bytes of one build file, used as they are (nothing is fetched); `build` is then what the bytes are. */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

const INIT_KEYS: readonly (keyof InitOptions)[] = ["threads", "build", "warmUp", "wasmUrl", "wasmBinary"];

export interface InitResult {
  simd: true;
  /** The module that was loaded. */
  build: Build;
  /** Threads that run kernels, this one included. */
  threads: number;
}

let runtime: Runtime | null = null;
let loading: Promise<Runtime> | null = null;
let requested: { threads: number; build: "auto" | Build } | null = null;

/**
 * Loads and instantiates the WebAssembly kernels (and starts worker threads when asked). Call once
 * before anything else; later calls return the same result. Options apply to the first call: a
 * later call that asks for something else than was asked or loaded throws rather than be silently
 * ignored.
 */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`init: options must be an object like { threads: 1 }; got ${String(options)}`);
  }
  // A misspelt key ({ thread: 2 }) would otherwise run on one thread with no word said.
  for (const key of Object.keys(options)) {
    if (!INIT_KEYS.includes(key as keyof InitOptions)) {
      throw new TypeError(`init: unknown option ${JSON.stringify(key)}; the options are ${INIT_KEYS.join(", ")}`);
    }
  }
  const threads = options.threads;
  if (threads !== undefined && typeof threads !== "number") {
    throw new TypeError(`init: options.threads must be a number; got ${typeof threads}`);
  }
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)) {
    throw new RangeError(`init: options.threads must be an integer from 1 to ${MAX_THREADS}; got ${threads}`);
  }
  const build = options.build;
  if (build !== undefined && build !== "auto" && build !== "simd" && build !== "relaxed-simd") {
    // describe() for what is not a string: JSON.stringify threw its own TypeError for a BigInt
    // ("Do not know how to serialize a BigInt") and gave "undefined" for a Symbol (test/fuzz.test.ts).
    const got = typeof build === "string" ? JSON.stringify(build) : describe(build);
    throw new TypeError(`init: options.build must be "auto", "simd" or "relaxed-simd"; got ${got}`);
  }
  const source = sourceOf(options);
  if (options.warmUp !== undefined && typeof options.warmUp !== "boolean") {
    throw new TypeError(`init: options.warmUp must be true or false; got ${typeof options.warmUp}`);
  }
  if (requested === null) {
    const env = environmentDefaults();
    requested = { threads: threads ?? env.threads ?? 1, build: build ?? env.build ?? "auto" };
  } else if (
    (threads !== undefined && threads !== requested.threads && threads !== runtime?.info.threads) ||
    (build !== undefined && build !== requested.build && build !== runtime?.info.build)
  ) {
    // A TypeError, as for any call on an object in the wrong state (a disposed layer, a locked stream).
    throw new TypeError(
      `init: zeroconv is already initialised with { threads: ${requested.threads}, build: "${requested.build}" }; ` +
        "options apply only to the first init() call",
    );
  }
  const want = requested;
  loading ??= load(want.build, want.threads, options.warmUp ?? true, source).catch((e: unknown) => {
    loading = null;
    requested = null;
    throw e;
  });
  runtime = await loading;
  return { ...runtime.info };
}

/** The loaded runtime; throws the "call init() first" error before init() has finished. */
export function getRuntime(): Runtime {
  if (runtime === null) {
    // A TypeError like every other call made in the wrong state: the API throws only TypeError and
    // RangeError for how it is called (plain Errors are left for the environment: a .wasm file
    // that cannot be read or fetched, a runtime without SIMD).
    throw new TypeError("zeroconv is not initialised: call `await init()` once before using it");
  }
  return runtime;
}

const MAX_THREADS = 64;

function sourceOf(options: InitOptions): Source {
  const { wasmUrl: url, wasmBinary: binary } = options;
  if (url !== undefined && binary !== undefined)
    throw new TypeError("init: give options.wasmUrl or options.wasmBinary, not both");
  if (binary !== undefined && !(binary instanceof ArrayBuffer || binary instanceof Uint8Array)) {
    throw new TypeError(
      `init: options.wasmBinary must be an ArrayBuffer or Uint8Array of a zeroconv .wasm file; got ${typeof binary}`,
    );
  }
  if (url !== undefined && typeof url !== "string" && !(url instanceof URL)) {
    throw new TypeError(`init: options.wasmUrl must be a string or URL; got ${typeof url}`);
  }
  let base: URL | null = null;
  if (url !== undefined) {
    try {
      base = new URL(url, typeof location === "object" ? location.href : undefined);
    } catch {
      throw new TypeError(
        `init: options.wasmUrl ${JSON.stringify(String(url))} is not a URL (relative ones need a page to resolve against)`,
      );
    }
  }
  return { url: base, binary: binary === undefined ? null : new Uint8Array(binary).slice() };
}

/**
 * ZEROCONV_THREADS and ZEROCONV_BUILD, where there is a process environment (Node), give init()'s
 * defaults, so a whole program (or the test suite) runs threaded or with FMA unchanged. They are
 * checked as strictly as the options.
 */
function environmentDefaults(): { threads?: number; build?: "auto" | Build } {
  const env = typeof process === "object" ? process.env : undefined;
  if (env === undefined) return {};
  const out: { threads?: number; build?: "auto" | Build } = {};
  const t = env.ZEROCONV_THREADS;
  if (t !== undefined && t !== "") {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
      throw new RangeError(
        `init: the environment variable ZEROCONV_THREADS must be an integer from 1 to ${MAX_THREADS}; got ${JSON.stringify(t)}`,
      );
    }
    out.threads = n;
  }
  const b = env.ZEROCONV_BUILD;
  if (b !== undefined && b !== "") {
    if (b !== "auto" && b !== "simd" && b !== "relaxed-simd") {
      throw new TypeError(
        `init: the environment variable ZEROCONV_BUILD must be auto, simd or relaxed-simd; got ${JSON.stringify(b)}`,
      );
    }
    out.build = b;
  }
  return out;
}

// One literal `new URL(..., import.meta.url)` per file: bundlers (Vite, webpack, Rollup) find and
// copy assets written this way, which a URL built from a template would hide from them.
const BUILD_URLS = {
  simd: () => new URL("../../build/zeroconv.wasm", import.meta.url),
  "relaxed-simd": () => new URL("../../build/zeroconv.relaxed-simd.wasm", import.meta.url),
  "simd.threads": () => new URL("../../build/zeroconv.threads.wasm", import.meta.url),
  "relaxed-simd.threads": () => new URL("../../build/zeroconv.relaxed-simd.threads.wasm", import.meta.url),
} as const;

/** Where a build's file is: beside the package's modules, or beside the zeroconv.wasm of init({ wasmUrl }). */
function wasmUrl(build: Build, shared: boolean, base: URL | null): URL {
  const key = `${build}${shared ? ".threads" : ""}` as keyof typeof BUILD_URLS;
  if (base === null) return BUILD_URLS[key]();
  return new URL(BUILD_URLS[key]().pathname.split("/").pop()!, base);
}

interface Source {
  url: URL | null;
  binary: Uint8Array<ArrayBuffer> | null;
}

async function load(want: "auto" | Build, threads: number, warm: boolean, source: Source): Promise<Runtime> {
  if (source.binary !== null) return loadBinary(source.binary, threads, warm);
  const shared = threads > 1 && canShareMemory();
  if (threads > 1 && !shared) {
    console.warn(
      `zeroconv: ${threads} threads need a cross-origin isolated page (SharedArrayBuffer); running on 1 thread`,
    );
  }
  const candidates: Build[] = want === "auto" ? ["relaxed-simd", "simd"] : [want];
  for (const build of candidates) {
    const url = wasmUrl(build, shared, source.url);
    const bytes = await readWasm(url);
    if (!WebAssembly.validate(bytes)) continue;
    const module = await WebAssembly.compile(bytes);
    return instantiate(module, build, shared ? threads : 1, warm);
  }
  const url = wasmUrl(candidates[candidates.length - 1], shared, source.url);
  if (want === "relaxed-simd") {
    throw new Error(
      `zeroconv: ${url.href} does not validate here: it needs relaxed SIMD (Chrome 114+; Node 20 only with ` +
        '--experimental-wasm-relaxed-simd). Use init({ build: "auto" }) to fall back to plain SIMD',
    );
  }
  throw new Error(noSimd(url.href));
}

/** init({ wasmBinary }): the bytes are one build, which names itself (build_features). */
async function loadBinary(bytes: Uint8Array<ArrayBuffer>, threads: number, warm: boolean): Promise<Runtime> {
  if (!WebAssembly.validate(bytes)) throw new Error(noSimd("options.wasmBinary"));
  const module = await WebAssembly.compile(bytes);
  const shared = WebAssembly.Module.imports(module).some((i) => i.kind === "memory");
  if (shared && !canShareMemory()) {
    throw new Error(
      "init: options.wasmBinary is a threads build, which needs SharedArrayBuffer (a cross-origin isolated page)",
    );
  }
  // Whether it is relaxed SIMD is known once it runs; a threads build runs on the threads asked for, at least 2.
  const runtime = await instantiate(module, "simd", shared ? Math.max(threads, 2) : 1, warm);
  const features = runtime.kernels.build_features();
  runtime.info.build = features & 1 ? "relaxed-simd" : "simd";
  return runtime;
}

function noSimd(what: string): string {
  return (
    `zeroconv: ${what} does not validate here. It needs WebAssembly SIMD ` +
    "(Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+); if the runtime has SIMD, the file is damaged"
  );
}

async function instantiate(module: WebAssembly.Module, build: Build, threads: number, warm: boolean): Promise<Runtime> {
  const info: InitResult = { simd: true, build, threads };
  if (threads === 1) {
    const kernels = (await WebAssembly.instantiate(module)).exports as unknown as Kernels;
    const heap = new Heap(kernels.memory, kernels.heap_base());
    if (warm) warmUp(kernels, heap);
    return { kernels, heap, pool: null, info };
  }
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const kernels = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as Kernels;
  // The workers' control blocks sit between the static data and the heap, outside its accounting.
  const controlBase = Math.ceil(kernels.heap_base() / 64) * 64;
  const heapBase = controlBase + (threads - 1) * CONTROL_BYTES;
  const pages = Math.ceil(heapBase / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
  const names = Object.keys(kernels).filter(
    (n) => typeof (kernels as unknown as Record<string, unknown>)[n] === "function",
  );
  const heap = new Heap(memory, heapBase);
  if (warm) warmUp(kernels, heap); // the workers share the module's code, optimised code included
  const pool = await ThreadPool.start(module, memory, names, threads, controlBase);
  return { kernels, heap, pool, info };
}

function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer !== "function") return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false; // undefined outside browsers (Node), where sharing is always allowed
}

async function readWasm(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === "file:") {
    // Node: read the file beside the package's own modules. getBuiltinModule rather than an
    // import, so that bundlers never see node:fs in the browser build.
    const fs = typeof process === "object" ? process.getBuiltinModule?.("node:fs") : undefined;
    if (fs === undefined)
      throw new Error(`zeroconv: cannot read ${url.href} here: pass init({ wasmUrl }) or init({ wasmBinary })`);
    try {
      return new Uint8Array(fs.readFileSync(url));
    } catch (e) {
      throw new Error(
        `zeroconv: cannot read ${url.pathname} (${(e as Error).message}): build it with \`npm run build:wasm\`, ` +
          "or point init({ wasmUrl }) at where the .wasm files are",
      );
    }
  }
  const fix =
    "serve the package's build/*.wasm files at that address (beside dist/), or point init({ wasmUrl }) at where they are";
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`zeroconv: fetching ${url.href} failed (${(e as Error).message}): ${fix}`);
  }
  if (!response.ok) throw new Error(`zeroconv: fetching ${url.href} failed with HTTP ${response.status}: ${fix}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // A dev server's fallback page answers 200 with HTML for a path it does not have (Vite's
  // dependency pre-bundling moves the module away from build/): say that, not "no SIMD".
  if (!(bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d)) {
    throw new Error(
      `zeroconv: ${url.href} answered ${response.headers.get("content-type") ?? "something"} (${bytes.length} bytes), ` +
        'not a WebAssembly file. With Vite, add optimizeDeps: { exclude: ["zeroconv"] } to its config; ' +
        "elsewhere point init({ wasmUrl }) at where the package's build/*.wasm files are served",
    );
  }
  return bytes;
}
