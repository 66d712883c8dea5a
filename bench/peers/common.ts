// What every variant process of `npm run bench:peers` shares: the workloads, the command line,
// the data (MNIST, the book's weights, seeded random tensors), layout conversions, timing with
// benny and the agreement check against zeroconv's plain-SIMD outputs.
import b from "benny";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { conv2d, loadMnist, SimpleConvNet, Tensor, type MnistData } from "../../src/index.js";
import { mobileNetInput, mobileNetV2, type MobileNetV2, type Network } from "./mobilenet_v2.js";
import { resNet18, resNetInput } from "./resnet18.js";
import { randomFloats } from "./random.js";

export { randomFloats };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The book's trained weights (ch07 params.pkl), beside the repository. */
export const PARAMS_PATH = path.resolve(ROOT, "../shared/fixtures/params.pkl");
/** zeroconv plain-SIMD outputs of W1, W2, W4-W6, written by its variant, read by the others. */
export const REF_DIR = path.join(ROOT, "build/bench/peers-ref");
/** What a variant prints before its one JSON line on stdout (libraries print there too). */
export const RESULT_MARK = "@@bench-peers-result@@ ";

export type WorkloadId =
  | "W1"
  | "W2"
  | "W3"
  | "W4"
  | "W5"
  | "W6"
  | "W7"
  | "W8"
  | "W9"
  | "W10"
  | "W11"
  | "W12a"
  | "W12b"
  | "W13"
  | "W14"
  | "T1"
  | "T2"
  | "T3"
  | "T4"
  | "W15"
  | "PEAK";
/** NCHW (zeroconv's default, ONNX's) or NHWC (TensorFlow's, with HWIO filters). */
export type Layout = "NCHW" | "NHWC";
export const LAYOUTS: readonly Layout[] = ["NCHW", "NHWC"];
export type Unit = "ms" | "GFLOP/s" | "img/s";

export interface Workload {
  id: WorkloadId;
  title: string;
  unit: Unit;
  /** Floating-point operations per op (GFLOP/s) or images per op (img/s). */
  work: number;
  /**
   * "book": W1-W7, the book's net and large convs, reported as before. "mobile": W8-W14,
   * MobileNet-style ops at batch 1, where zeroconv runs in both layouts (one case per layout).
   * "tfjs": T1-T4, tf.layers / tfjs models on tfjs's backends, zeroconv's among them (tfjs_paired.ts).
   */
  table: "book" | "mobile" | "tfjs";
  /** The agreement check's bound on max |diff| / max |ref| (default TOLERANCE). */
  tolerance?: number;
}

export const WORKLOADS: Workload[] = [
  { id: "W1", title: "conv x[100,1,28,28], 30 5x5 filters + bias, s1 p0", unit: "ms", work: 0, table: "book" },
  { id: "W2", title: "max-pool 2x2 s2 on [100,30,24,24]", unit: "ms", work: 0, table: "book" },
  { id: "W3", title: "SimpleConvNet inference, MNIST test, batch 100", unit: "img/s", work: 100, table: "book" },
  {
    id: "W4",
    title: "conv x[1,64,56,56], 64 3x3 filters, s1 p1",
    unit: "GFLOP/s",
    work: 2 * 64 * 64 * 9 * 56 * 56,
    table: "book",
  },
  {
    id: "W5",
    title: "conv x[1,3,224,224], 64 7x7 filters, s2 p3",
    unit: "GFLOP/s",
    work: 2 * 64 * 3 * 49 * 112 * 112,
    table: "book",
  },
  { id: "W6", title: "SGEMM 512x512x512", unit: "GFLOP/s", work: 2 * 512 ** 3, table: "book" },
  {
    id: "W7",
    title: "SimpleConvNet training step (gradient + Adam), batch 100",
    unit: "img/s",
    work: 100,
    table: "book",
  },
  {
    id: "W8",
    title: "depthwise 3x3 s1 same + bias + relu6, x[1,144,56,56]",
    unit: "ms",
    work: 2 * 144 * 9 * 56 * 56,
    table: "mobile",
  },
  {
    id: "W9",
    title: "depthwise 3x3 s2 same (pad 0 top/left, 1 bottom/right) + bias + relu6, x[1,96,112,112]",
    unit: "ms",
    work: 2 * 96 * 9 * 56 * 56,
    table: "mobile",
  },
  {
    id: "W10",
    title: "pointwise 1x1 + bias + relu6, x[1,24,56,56] -> 144",
    unit: "ms",
    work: 2 * 144 * 24 * 56 * 56,
    table: "mobile",
  },
  {
    id: "W11",
    title: "dilated 3x3 (dilation 2, pad 2) + bias, x[1,64,56,56] -> 64",
    unit: "ms",
    work: 2 * 64 * 64 * 9 * 56 * 56,
    table: "mobile",
  },
  {
    id: "W12a",
    title: "average pool 3x3 s1 pad 1 (padding not counted), x[1,64,56,56]",
    unit: "ms",
    work: 0,
    table: "mobile",
  },
  { id: "W12b", title: "global average pool, x[1,1280,7,7]", unit: "ms", work: 0, table: "mobile" },
  {
    id: "W13",
    title: "grouped 3x3 pad 1, 32 groups + bias, x[1,128,56,56] -> 128",
    unit: "ms",
    work: 2 * 128 * 4 * 9 * 56 * 56,
    table: "mobile",
  },
  {
    id: "W14",
    title: "MobileNetV2-1.0 inference, x[1,3,224,224] (BN folded, seeded weights)",
    unit: "ms",
    work: 0,
    table: "mobile",
    tolerance: 1e-3,
  },
  {
    id: "T1",
    title: "the book's SimpleConvNet as a tf.layers model, inference, batch 100, MNIST test set",
    unit: "img/s",
    work: 100,
    table: "tfjs",
  },
  {
    id: "T2",
    title: "the same model, one model.trainOnBatch step (Adam), batch 100, MNIST training set",
    unit: "img/s",
    work: 100,
    table: "tfjs",
    tolerance: 1e-3,
  },
  {
    id: "T3",
    title: "MobileNetV2-1.0 (W14's network) as tfjs ops, inference, x[1,224,224,3]",
    unit: "ms",
    work: 0,
    table: "tfjs",
    tolerance: 1e-3,
  },
  { id: "T4", title: "T1 and T3 with zeroconv on 2 threads", unit: "ms", work: 0, table: "tfjs" },
  {
    id: "W15",
    title: "ResNet-18 inference, x[1,3,224,224] (BN folded, seeded weights)",
    unit: "ms",
    work: 0,
    table: "mobile",
    tolerance: 1e-3,
  },
  { id: "PEAK", title: "WASM SIMD128 peak (10 f32x4 chains)", unit: "GFLOP/s", work: 0, table: "book" },
];

export const workload = (id: WorkloadId): Workload => WORKLOADS.find((w) => w.id === id)!;

/** The value shown for a median op time, in the workload's unit. */
export function workloadValue(w: Workload, seconds: number, work = w.work): number {
  return w.unit === "ms" ? seconds * 1e3 : w.unit === "GFLOP/s" ? work / seconds / 1e9 : work / seconds;
}

// ---- command line ----
export interface Args {
  only: Set<WorkloadId> | null;
  quick: boolean;
  /** The report's file name in bench/results, without .md/.json/.html (default "peers"). */
  out: string;
}

export function parseArgs(argv: string[]): Args {
  let only: Set<WorkloadId> | null = null;
  let quick = false;
  let out = "peers";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") quick = true;
    else if (a === "--out" || a.startsWith("--out=")) {
      out = a === "--out" ? (argv[++i] ?? "") : a.slice("--out=".length);
      if (!/^[\w.-]+$/.test(out)) throw new Error(`--out takes a file name (letters, digits, - _ .); got ${out}`);
    } else if (a === "--only" || a.startsWith("--only=")) {
      const list = a === "--only" ? argv[++i] : a.slice("--only=".length);
      const names = (list ?? "")
        .split(",")
        .map((s) => s.trim().toUpperCase())
        .filter((s) => s !== "");
      // Case-insensitive; a name that is a prefix up to a letter (W12) takes all its rows (W12a, W12b).
      const ids = names.map((n) =>
        WORKLOADS.filter((w) => w.id.toUpperCase() === n || w.id.toUpperCase().replace(/[A-Z]$/, "") === n).map(
          (w) => w.id,
        ),
      );
      if (names.length === 0 || ids.some((x) => x.length === 0)) {
        throw new Error(`--only takes a comma-separated list of ${WORKLOADS.map((w) => w.id).join(", ")}; got ${list}`);
      }
      only = new Set(ids.flat());
    } else throw new Error(`unknown argument ${a}; use --only W1,W3, --quick and --out NAME`);
  }
  return { only, quick, out };
}

export const selected = (args: Args, id: WorkloadId): boolean => args.only === null || args.only.has(id);

// ---- timing ----
export interface Timing {
  /** Median seconds per op over benny's samples. */
  median: number;
  samples: number;
  /** benny's relative margin of error, percent. */
  rme: number;
  /** Process CPU time over wall time while benny ran: about 1 on one thread, up to 2 on this box's 2 cores. */
  cpuPerWall: number;
  /** Cores that other processes kept busy meanwhile (system-wide busy time from /proc/stat minus this process's). */
  otherCores?: number;
}

/** Busy and total jiffies of all cores together (Linux), or undefined elsewhere; and the cores. */
export function systemTimes(): { busy: number; total: number; cores: number } | undefined {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - f[4], total, cores: os.cpus().length };
  } catch {
    return undefined;
  }
}

const FULL = { warmMs: 300, minSamples: 10, maxTime: 1.5 };
const QUICK = { warmMs: 100, minSamples: 5, maxTime: 0.4 };

/**
 * Times fn (sync or async) with benny after warming it up: V8 runs new WASM and JS in its baseline
 * tier first and swaps in optimised code a few ms of work later (shared/wasm-notes.md).
 */
export async function time(name: string, fn: () => unknown, quick: boolean): Promise<Timing> {
  const o = quick ? QUICK : FULL;
  const t0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - t0 < o.warmMs; i++) await fn();
  const sys0 = systemTimes();
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const summary = await b.suite(
    name,
    b.configure({ cases: { minSamples: o.minSamples, maxTime: o.maxTime } }),
    b.add(name, fn),
  );
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - w0;
  const sys1 = systemTimes();
  const r = summary.results[0];
  const cpuPerWall = (cpu.user + cpu.system) / 1e3 / wall;
  const systemCores =
    sys0 && sys1 ? ((sys1.busy - sys0.busy) / (sys1.total - sys0.total)) * os.cpus().length : undefined;
  return {
    median: r.samples > 0 ? r.details.median : 1 / r.ops,
    samples: r.samples,
    rme: r.margin,
    cpuPerWall,
    otherCores: systemCores === undefined ? undefined : Math.max(0, systemCores - cpuPerWall),
  };
}

/**
 * Mean time per call of `run` over about `ms` milliseconds (at least 3 calls): as one of benny's
 * samples, it includes the garbage collections and page faults the calls cause, which a median of
 * single calls would leave out.
 */
export async function slice(run: () => unknown, ms: number): Promise<number> {
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (calls < 3 || t - t0 < ms) {
    await run();
    calls++;
    t = performance.now();
  }
  return (t - t0) / calls;
}

export const mid = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- data ----
export interface BookParams {
  W1: Float32Array;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
  W3: Float32Array;
  b3: Float32Array;
}

/** Inputs of every workload, made on first use. Needs zeroconv's init() (the weights are read by its loadParams). */
export class BenchData {
  private mnistCache: MnistData<Uint8Array> | null = null;
  private paramsCache: BookParams | null = null;
  private w2Cache: Float32Array | null = null;

  async mnist(): Promise<MnistData<Uint8Array>> {
    this.mnistCache ??= await loadMnist({ normalize: true, flatten: false });
    return this.mnistCache;
  }

  /** MNIST test images [10000, 1, 28, 28] / 255 and labels. */
  async test(): Promise<{ x: Float32Array; t: Uint8Array }> {
    const [, [x, t]] = await this.mnist();
    return { x: x.data, t };
  }

  /** The first `n` training batches of 100. */
  async trainBatches(n: number): Promise<{ x: Float32Array; t: Uint8Array }[]> {
    const [[x, t]] = await this.mnist();
    return Array.from({ length: n }, (_, i) => ({
      x: x.data.subarray(i * 100 * 784, (i + 1) * 100 * 784),
      t: t.subarray(i * 100, (i + 1) * 100),
    }));
  }

  params(): BookParams {
    if (this.paramsCache) return this.paramsCache;
    const net = new SimpleConvNet();
    net.loadParams(PARAMS_PATH);
    const p = net.params;
    this.paramsCache = { W1: p.W1.data, b1: p.b1.data, W2: p.W2.data, b2: p.b2.data, W3: p.W3.data, b3: p.b3.data };
    return this.paramsCache;
  }

  /** W1's input: the first 100 MNIST test images [100, 1, 28, 28]. */
  async w1x(): Promise<Float32Array> {
    return (await this.test()).x.slice(0, 100 * 784);
  }

  /** W2's input: W1's output [100, 30, 24, 24], computed by zeroconv. */
  async w2x(): Promise<Float32Array> {
    if (this.w2Cache) return this.w2Cache;
    const p = this.params();
    const y = conv2d(
      new Tensor(await this.w1x(), [100, 1, 28, 28]),
      new Tensor(p.W1, [30, 1, 5, 5]),
      new Tensor(p.b1, [30]),
      { stride: 1, pad: 0 },
    );
    this.w2Cache = y.data;
    return y.data;
  }

  w4(): { x: Float32Array; W: Float32Array } {
    return { x: randomFloats(64 * 56 * 56, 4), W: randomFloats(64 * 64 * 9, 44) };
  }

  w5(): { x: Float32Array; W: Float32Array } {
    return { x: randomFloats(3 * 224 * 224, 5), W: randomFloats(64 * 3 * 49, 55) };
  }

  w6(): { a: Float32Array; b: Float32Array } {
    return { a: randomFloats(512 * 512, 6), b: randomFloats(512 * 512, 66) };
  }

  /** W8-W13: one convolution, NCHW input and OIHW filters, bias. */
  conv(id: "W8" | "W9" | "W10" | "W11" | "W13"): ConvWorkload {
    const spec = CONV_WORKLOADS[id];
    const [, C, H, W] = spec.x;
    const [FN, CG, FH, FW] = spec.w;
    const seed = Number(id.slice(1));
    return {
      ...spec,
      xShape: spec.x,
      x: randomFloats(C * H * W, seed),
      W: randomFloats(FN * CG * FH * FW, seed * 11),
      b: randomFloats(FN, seed * 111),
    };
  }

  /** W12a: [1, 64, 56, 56]; W12b: [1, 1280, 7, 7]. NCHW. */
  pool(id: "W12a" | "W12b"): Float32Array {
    return id === "W12a" ? randomFloats(64 * 56 * 56, 121) : randomFloats(1280 * 7 * 7, 122);
  }

  private mobileNetCache: MobileNetV2 | null = null;

  /** W14: the network (seeded weights) and its input image [1, 3, 224, 224] NCHW. */
  mobileNet(): { net: MobileNetV2; x: Float32Array } {
    this.mobileNetCache ??= mobileNetV2();
    return { net: this.mobileNetCache, x: mobileNetInput() };
  }

  private resNetCache: Network | null = null;

  /** W15: the network (seeded weights) and its input image [1, 3, 224, 224] NCHW. */
  resNet(): { net: Network; x: Float32Array } {
    this.resNetCache ??= resNet18();
    return { net: this.resNetCache, x: resNetInput() };
  }
}

/** One of W8-W13's convolutions, in NCHW terms; every library derives its own layout from it. */
export interface ConvSpec {
  /** [1, C, H, W] */
  x: [number, number, number, number];
  /** OIHW [FN, C / groups, FH, FW] */
  w: [number, number, number, number];
  /** [1, FN, outH, outW] */
  y: [number, number, number, number];
  stride: number;
  /** [top, bottom, left, right] */
  pads: [number, number, number, number];
  /** What the pads are in TensorFlow's terms (tfjs takes "same" / "valid" for depthwise). */
  tfPad: "same" | "valid";
  dilation: number;
  groups: number;
  relu6: boolean;
}

export interface ConvWorkload extends Omit<ConvSpec, "x"> {
  xShape: ConvSpec["x"];
  x: Float32Array;
  W: Float32Array;
  b: Float32Array;
}

const CONV_WORKLOADS: Record<"W8" | "W9" | "W10" | "W11" | "W13", ConvSpec> = {
  W8: {
    x: [1, 144, 56, 56],
    w: [144, 1, 3, 3],
    y: [1, 144, 56, 56],
    stride: 1,
    pads: [1, 1, 1, 1],
    tfPad: "same",
    dilation: 1,
    groups: 144,
    relu6: true,
  },
  W9: {
    x: [1, 96, 112, 112],
    w: [96, 1, 3, 3],
    y: [1, 96, 56, 56],
    stride: 2,
    pads: [0, 1, 0, 1],
    tfPad: "same",
    dilation: 1,
    groups: 96,
    relu6: true,
  },
  W10: {
    x: [1, 24, 56, 56],
    w: [144, 24, 1, 1],
    y: [1, 144, 56, 56],
    stride: 1,
    pads: [0, 0, 0, 0],
    tfPad: "valid",
    dilation: 1,
    groups: 1,
    relu6: true,
  },
  W11: {
    x: [1, 64, 56, 56],
    w: [64, 64, 3, 3],
    y: [1, 64, 56, 56],
    stride: 1,
    pads: [2, 2, 2, 2],
    tfPad: "same",
    dilation: 2,
    groups: 1,
    relu6: false,
  },
  W13: {
    x: [1, 128, 56, 56],
    w: [128, 4, 3, 3],
    y: [1, 128, 56, 56],
    stride: 1,
    pads: [1, 1, 1, 1],
    tfPad: "same",
    dilation: 1,
    groups: 32,
    relu6: false,
  },
};

// ---- layouts ----
/** [N, C, H, W] -> [N, H, W, C]. */
export function nchwToNhwc(x: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H * W; i++) {
        y[(n * H * W + i) * C + c] = x[(n * C + c) * H * W + i];
      }
  return y;
}

/** [N, H, W, C] -> [N, C, H, W]. */
export function nhwcToNchw(x: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H * W; i++) {
        y[(n * C + c) * H * W + i] = x[(n * H * W + i) * C + c];
      }
  return y;
}

/** Filters [O, I, KH, KW] -> [KH, KW, I, O] (TensorFlow's HWIO). */
export function oihwToHwio(w: Float32Array, O: number, I: number, KH: number, KW: number): Float32Array {
  const y = new Float32Array(w.length);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let k = 0; k < KH * KW; k++) {
        y[(k * I + i) * O + o] = w[(o * I + i) * KH * KW + k];
      }
  return y;
}

/**
 * A dense layer's weights [C·P, O] whose rows follow an NCHW flatten (channel-major, the book's) ->
 * rows in NHWC's flatten order (pixel-major, tf.layers.flatten's on channelsLast).
 */
export function nhwcRows(w: Float32Array, C: number, P: number, O: number): Float32Array {
  const y = new Float32Array(w.length);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < P; i++) y.set(w.subarray((c * P + i) * O, (c * P + i + 1) * O), (i * C + c) * O);
  return y;
}

// ---- agreement ----
export interface Check {
  /** max |out - ref| / max |ref|; 0 for the reference itself. */
  relErr: number;
  ok: boolean;
  against: string;
}

export const TOLERANCE = 1e-4;

/**
 * Saves zeroconv plain-SIMD's output of `id` as the reference, or compares `out` with it.
 * `source` names a reference that is not zeroconv's own (a JS stand-in where its op is missing).
 */
export function agreement(id: WorkloadId, out: Float32Array, isReference: boolean, source?: string): Check | null {
  const file = path.join(REF_DIR, `${id}.f32`);
  const sourceFile = path.join(REF_DIR, `${id}.source`);
  if (isReference) {
    mkdirSync(REF_DIR, { recursive: true });
    writeFileSync(file, out);
    writeFileSync(sourceFile, source ?? "zeroconv 1T SIMD");
    return { relErr: 0, ok: true, against: source ? `${source}, written as the reference` : "itself (reference)" };
  }
  if (!existsSync(file)) return null;
  const against = existsSync(sourceFile) ? readFileSync(sourceFile, "utf8") : "zeroconv 1T SIMD";
  const buf = readFileSync(file);
  const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (ref.length !== out.length)
    return { relErr: Infinity, ok: false, against: `${against} (${ref.length} values, this ${out.length})` };
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(out[i] - ref[i]);
    if (!(d <= maxDiff)) maxDiff = d; // NaN counts as the largest difference
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  const relErr = maxDiff / (maxRef || 1);
  return { relErr, ok: relErr < (workload(id).tolerance ?? TOLERANCE), against };
}

/**
 * W12's reference where zeroconv has no avgPool2d / globalAvgPool2d yet: the definition in plain
 * JS (float64 sums), NCHW. W12a: 3×3 windows, stride 1, pad 1, divided by the taps inside the image.
 */
export function poolReference(id: "W12a" | "W12b", x: Float32Array): Float32Array {
  if (id === "W12b") return channelMeans(x, 1280, 49, "NCHW");
  const [C, H, W] = [64, 56, 56];
  const y = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        let sum = 0;
        let taps = 0;
        for (let di = -1; di <= 1; di++)
          for (let dj = -1; dj <= 1; dj++) {
            const [r, q] = [i + di, j + dj];
            if (r < 0 || r >= H || q < 0 || q >= W) continue;
            sum += x[(c * H + r) * W + q];
            taps++;
          }
        y[(c * H + i) * W + j] = sum / taps;
      }
  return y;
}

/** The mean of each of C channels over P pixels, of one image in either layout: [C]. */
export function channelMeans(x: Float32Array, C: number, P: number, layout: Layout): Float32Array {
  const y = new Float32Array(C);
  if (layout === "NCHW") {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let p = 0; p < P; p++) sum += x[c * P + p];
      y[c] = sum / P;
    }
  } else {
    const acc = new Float64Array(C);
    for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) acc[c] += x[p * C + c];
    for (let c = 0; c < C; c++) y[c] = acc[c] / P;
  }
  return y;
}

/** Row-wise argmax of [rows, 10] scores compared with labels: the count of correct rows. */
export function countCorrect(scores: Float32Array, t: Uint8Array): number {
  let correct = 0;
  for (let r = 0; r < t.length; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (scores[r * 10 + c] > scores[r * 10 + best]) best = c;
    if (best === t[r]) correct++;
  }
  return correct;
}

// ---- what a library gives the variant runner ----
export interface Case {
  /** One timed op: typed arrays in, the output read back into a typed array. */
  run: () => unknown;
  /**
   * W1, W2, W4-W6, W8-W14: one op's output in zeroconv's NCHW order (row-major), for the agreement
   * check; an NHWC case converts its output back, outside the timing.
   */
  output?: () => Promise<Float32Array>;
  /** W3: correct predictions over the 10,000 test images, through the same path as `run`. */
  correct?: () => Promise<number>;
  /** The layout the case computes in (a peer's only one, or one of zeroconv's two). */
  layout?: Layout;
  note?: string;
}

export type CaseFactory = (data: BenchData) => Promise<Case>;

/** One factory, or one per layout (zeroconv on W8-W14: NCHW runs first and is the reference). */
export type CaseSet = CaseFactory | Partial<Record<Layout, CaseFactory>>;

/** Thrown by a factory whose op this build lacks: the case reports "n/a", not an error. */
export class CaseUnavailable extends Error {
  /** A stand-in reference output (NCHW) for the agreement check of the other libraries. */
  constructor(
    message: string,
    readonly reference?: { output: () => Float32Array; source: string },
  ) {
    super(message);
  }
}

export interface Library {
  info: Record<string, string | number | boolean>;
  cases: Partial<Record<WorkloadId, CaseSet>>;
}

// ---- what a variant process reports ----
export interface CaseResult {
  workload: WorkloadId;
  /** PEAK only: which kernel. */
  kernel?: "mul+add" | "relaxed_madd";
  /** W8-W14: the layout the case ran in. */
  layout?: Layout;
  /** Median seconds per op. */
  median?: number;
  /** In the workload's unit. */
  value?: number;
  samples?: number;
  rme?: number;
  cpuPerWall?: number;
  otherCores?: number;
  check?: Check | null;
  /** W3: correct predictions of 10000. */
  correct?: number;
  note?: string;
  error?: string;
  /** This build lacks the op (CaseUnavailable): shown as n/a, not counted as an error. */
  unavailable?: string;
}

export interface VariantResult {
  variant: string;
  /** Cores other processes kept busy in the half second before this variant started (run.ts measures it). */
  backgroundCores?: number;
  available: boolean;
  reason?: string;
  info: Record<string, string | number | boolean>;
  cases: CaseResult[];
}

/** OS threads of this process now (Linux), to see whether a runtime started a pool. */
export function osThreads(): number | undefined {
  try {
    const m = /^Threads:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** W3 from a library's batch function: one op is batch k of the test set's 100, cycling. */
export function networkCase(t: Uint8Array, batch: (i: number) => Float32Array | Promise<Float32Array>): Case {
  let k = 0;
  return {
    run: () => batch(k++ % 100),
    correct: async () => {
      let correct = 0;
      for (let i = 0; i < 100; i++) correct += countCorrect(await batch(i), t.subarray(i * 100, (i + 1) * 100));
      return correct;
    },
  };
}

/** The 100 test batches [100, 1, 28, 28] as views. */
export async function testBatches(data: BenchData): Promise<{ xs: Float32Array[]; t: Uint8Array }> {
  const { x, t } = await data.test();
  return { xs: Array.from({ length: 100 }, (_, i) => x.subarray(i * 78400, (i + 1) * 78400)), t };
}
