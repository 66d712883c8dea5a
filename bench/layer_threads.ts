// Thread scaling layer by layer: every distinct convolution of W14 (MobileNetV2) and W15
// (ResNet-18), in both layouts, timed on 1 thread and on 2, as alternating processes (init() runs
// once per process, as in bench/peers/threads.ts). Each layer is timed two ways:
//   kernel  the convolution alone (convForwardAll or winogradForward) on buffers allocated and
//           filled once: the thread split and nothing else
//   call    conv2d / depthwiseConv2d with `out` preallocated: the kernel plus the copies of x and W
//           in and y out, which run on the calling thread
// Variants: 1t (the plain build) and 2t (the threaded build), whose process times every layer on 2
// threads and "solo" (its pool set aside: the calling thread alone) in alternating batches, so
// that the machine's load (2 cores shared with other work) is about the same for both sides of
// the speed-up. Every output is checked bit for bit across thread counts and processes.
//
//   node --experimental-wasm-relaxed-simd --import tsx bench/layer_threads.ts \
//        [--rounds 3] [--ms 100] [--nets W14,W15,sweep] [--variants 1t,2t] [--only TEXT] [--cpu-ms 400] [--out NAME]
//
// Writes bench/results/NAME.md (default layer-threads).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { conv2d, depthwiseConv2d, init, Tensor } from "../src/index.js";
import { checkActivation, type Activation } from "../src/ops/activation.js";
import { convGeometry, convParams } from "../src/ops/conv_geometry.js";
import { convForwardAll, convKernelName, convScratch, SHARE_MACS } from "../src/ops/conv_forward.js";
import { tileFor, winogradFilter, winogradForward, winogradPlan, winogradThreads } from "../src/ops/conv_winograd.js";
import { getRuntime, type Runtime } from "../src/runtime/wasm.js";
import { mid, nchwToNhwc, oihwToHwio, randomFloats, RESULT_MARK, ROOT } from "./peers/common.js";
import { mobileNetV2, type MbConv, type MbLayer } from "./peers/mobilenet_v2.js";
import { resNet18 } from "./peers/resnet18.js";

const VARIANTS = ["1t", "2t"] as const;
const LAYOUTS = ["NCHW", "NHWC"] as const;
type Variant = (typeof VARIANTS)[number];
type Layout = "NCHW" | "NHWC";

interface Spec {
  key: string;
  net: string;
  /** Convolutions of the net with this shape. */
  count: number;
  names: string[];
  layer: MbConv;
}

/** Synthetic layers of growing size (the "sweep" net), for the work below which a call stays on one thread. */
function sweep(): MbConv[] {
  const layer = (inC: number, outC: number, k: number, groups: number, H: number): MbConv => {
    const pad = k >> 1;
    return {
      kind: "conv",
      name: `sweep ${k}x${k} ${inC}->${outC} g${groups} @${H}`,
      input: "x",
      output: "y",
      inC,
      outC,
      groups,
      k,
      stride: 1,
      pads: [pad, pad, pad, pad],
      inH: H,
      inW: H,
      outH: H,
      outW: H,
      activation: "relu6",
      W: randomFloats((outC * inC * k * k) / groups, 5).map((v) => v * 0.1),
      b: randomFloats(outC, 6),
    };
  };
  return [
    ...[4, 6, 8, 11, 16, 23, 32].map((H) => layer(64, 64, 1, 1, H)),
    ...[2, 3, 4, 6, 8].map((H) => layer(256, 256, 1, 1, H)),
    ...[4, 6, 8, 12].map((H) => layer(32, 32, 3, 1, H)),
    ...[4, 7, 10, 14, 20, 28].map((H) => layer(128, 128, 3, 128, H)),
  ];
}

/** The distinct convolution shapes of each net, in network order. */
function specs(nets: readonly string[]): Spec[] {
  const out: Spec[] = [];
  const all: [string, () => { layers: MbLayer[] }][] = [
    ["W14", () => mobileNetV2()],
    ["W15", () => resNet18()],
    ["sweep", () => ({ layers: sweep() })],
  ];
  for (const [id, make] of all) {
    if (!nets.includes(id)) continue;
    const seen = new Map<string, Spec>();
    for (const l of make().layers) {
      if (l.kind !== "conv") continue;
      const dw = l.groups > 1 ? (l.groups === l.inC ? " dw" : ` g${l.groups}`) : "";
      const key = `${l.k}x${l.k}${dw} s${l.stride} ${l.inC}->${l.outC} @${l.inH}->${l.outH} ${l.activation}`;
      const s = seen.get(key);
      if (s) {
        s.count++;
        s.names.push(l.name);
        continue;
      }
      const spec: Spec = { key, net: id, count: 1, names: [l.name], layer: l };
      seen.set(key, spec);
      out.push(spec);
    }
  }
  return out;
}

/** Per call, in ms: at least 2 calls and `ms` of them. */
function batch(run: () => void, ms: number): number {
  let calls = 0;
  const s = performance.now();
  let t = s;
  while (calls < 2 || t - s < ms) {
    run();
    calls++;
    t = performance.now();
  }
  return (t - s) / calls;
}

/**
 * Times runs[i] in turn, batch by batch (ABAB...), after a warm-up of each: medians per runner,
 * and the median of each batch pair's ratio to runs[0], taken within the pair so that a change of
 * the machine's load between batches cancels.
 */
function interleaved(runs: (() => void)[], ms: number, pairs = 5): { times: number[]; over0: number[] } {
  for (const r of runs) batch(r, ms / 2);
  const t = runs.map(() => [] as number[]);
  for (let b = 0; b < pairs; b++) runs.forEach((r, i) => t[i].push(batch(r, ms / pairs)));
  return {
    times: t.map(mid),
    over0: t.map((ti) => mid(ti.map((x, b) => x / t[0][b]))),
  };
}

function checksum(data: Float32Array): string {
  const u = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  return h.toString(16);
}

/** CPU ms of each of this process's threads so far (Linux /proc: utime + stime, 10 ms ticks), by thread id. */
function threadCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(tid, (Number(f[11]) + Number(f[12])) * 10); // utime, stime at 100 ticks a second
    } catch {
      // a thread that ended
    }
  }
  return cpu;
}

/**
 * The kernel's CPU time per call on each thread, over `ms` of calls: the calling thread's, the
 * busiest other thread's (the worker) and the rest (V8's GC and compiler threads). A thread
 * waiting in Atomics.wait uses none, so the larger of the first two is what a call would take
 * with two free cores (less the hand-off's latency), whatever the machine's load.
 */
function cpuPerCall(run: () => void, ms: number): { main: number; worker: number; rest: number } {
  const before = threadCpu();
  let calls = 0;
  const t0 = performance.now();
  while (calls < 2 || performance.now() - t0 < ms) {
    run();
    calls++;
  }
  const after = threadCpu();
  const main = String(process.pid);
  let worker = 0;
  let rest = 0;
  for (const [tid, t] of after) {
    if (tid === main) continue;
    const d = t - (before.get(tid) ?? 0);
    rest += d;
    worker = Math.max(worker, d);
  }
  const mainMs = (after.get(main) ?? 0) - (before.get(main) ?? 0);
  return { main: mainMs / calls, worker: worker / calls, rest: (rest - worker) / calls };
}

interface Measured {
  /** 2t only: CPU ms per call of the kernel alone: solo (calling thread), and on 2 threads the calling thread's and the worker's. */
  cpuSolo?: number;
  cpuMain?: number;
  cpuWorker?: number;
  /** 2t only: the kernel on 2 threads shared as before this branch, its time over this one's (per batch pair), and its CPU by thread. */
  kernelOld?: number;
  oldOverNew?: number;
  cpuOldMain?: number;
  cpuOldWorker?: number;
  /** Kernel alone, whole call: ms per call on this variant's threads. */
  kernel: number;
  call: number;
  /** 2t only: the same on the calling thread alone (the pool set aside), and its ratios to 2 threads, batch by batch. */
  kernelSolo?: number;
  callSolo?: number;
  kernelGain?: number;
  callGain?: number;
  threads: number;
  path: string;
  sum: string;
}

interface Runner {
  kernel: () => void;
  call: () => void;
  threads: number;
  path: string;
  output: () => Float32Array;
  free: () => void;
}

/** The kernel alone and the whole call of one layer in one layout, on the runtime as it is now. */
function prepare(rt: Runtime, l: MbConv, layout: Layout): Runner {
  const fn = "bench";
  const CG = l.inC / l.groups;
  const depthwise = l.groups === l.inC && l.groups > 1;
  const xN = randomFloats(l.inC * l.inH * l.inW, 1);
  const xData = layout === "NCHW" ? xN : nchwToNhwc(xN, 1, l.inC, l.inH, l.inW);
  const wData = layout === "NCHW" ? l.W : oihwToHwio(l.W, l.outC, CG, l.k, l.k);
  const x = new Tensor(xData, layout === "NCHW" ? [1, l.inC, l.inH, l.inW] : [1, l.inH, l.inW, l.inC]);
  const W = new Tensor(wData, layout === "NCHW" ? [l.outC, CG, l.k, l.k] : [l.k, l.k, CG, l.outC]);
  const b = new Tensor(l.b, [l.outC]);
  const activation = (l.activation === "linear" ? undefined : l.activation) as Activation | undefined;
  const params = convParams(fn, { stride: l.stride, pad: l.pads, groups: l.groups, layout });
  const g = convGeometry(fn, x, W, params, "W");
  const act = checkActivation(fn, activation, undefined, g.FN, "filter");
  const yFloats = g.N * g.FN * g.P;
  const write = (ptr: number, data: Float32Array) =>
    new Float32Array(rt.kernels.memory.buffer, ptr, data.length).set(data);

  // The kernel alone, on buffers filled once.
  const tile = tileFor(fn, g, "auto");
  let kernel: () => void;
  let threads: number;
  let path: string;
  let held: number[];
  if (tile !== 0) {
    const plan = winogradPlan(rt, g, tile);
    threads = winogradThreads(rt, g, plan);
    path = `winograd F(${tile}x${tile})`;
    held = rt.heap.allocFloats(fn, [
      xData.length,
      wData.length,
      g.FN,
      yFloats,
      plan.filterFloats,
      ...Array<number>(threads).fill(plan.perThread),
    ]);
    const [px, pw, pb, py, pu, ...scratch] = held;
    write(px, xData);
    write(pw, wData);
    write(pb, l.b);
    winogradFilter(rt.kernels, g, plan, pw, pu);
    kernel = () => winogradForward(rt, g, plan, act, { x: px, bias: pb, prelu: 0, y: py }, pu, scratch);
  } else {
    const s = convScratch(rt, g, true, act);
    threads = s.threads;
    path = convKernelName(g, true, act);
    held = rt.heap.allocFloats(fn, [
      xData.length,
      wData.length,
      g.FN,
      yFloats,
      s.shared,
      ...Array<number>(s.threads).fill(s.perThread),
    ]);
    const [px, pw, pb, py, shared, ...scratch] = held;
    write(px, xData);
    write(pw, wData);
    write(pb, l.b);
    kernel = () => convForwardAll(rt, g, act, { x: px, w: pw, bias: pb, prelu: 0, y: py }, scratch, shared);
  }
  const yPtr = held[3];

  // The whole call, into an output allocated once.
  const out = new Tensor(
    new Float32Array(yFloats),
    layout === "NCHW" ? [1, g.FN, g.outH, g.outW] : [1, g.outH, g.outW, g.FN],
  );
  const geometry = { stride: l.stride, pad: l.pads, activation, out };
  const wDepthwise = layout === "NHWC" && depthwise ? new Tensor(wData, [l.k, l.k, l.inC, 1]) : null;
  const call = wDepthwise
    ? () => void depthwiseConv2d(x, wDepthwise, b, geometry)
    : () => void conv2d(x, W, b, { ...geometry, groups: l.groups, layout });
  return {
    kernel,
    call,
    threads,
    path,
    output: () => {
      const y = new Float32Array(rt.kernels.memory.buffer, yPtr, yFloats).slice();
      call();
      if (checksum(out.data) !== checksum(y))
        throw new Error(`layer_threads: ${l.name} ${layout}: call and kernel differ`);
      return y;
    },
    free: () => {
      for (const p of held) rt.heap.free(p);
    },
  };
}

/** One layer: on 1 thread (1t), or on 2 against the calling thread alone, interleaved (2t). */
function measure(rt: Runtime, l: MbConv, layout: Layout, ms: number, cpuMs: number): Measured {
  const pool = rt.pool;
  const r = prepare(rt, l, layout);
  if (pool === null) {
    const { times } = interleaved([r.kernel, r.call], ms);
    const sum = checksum(r.output());
    r.free();
    return { kernel: times[0], call: times[1], threads: r.threads, path: r.path, sum };
  }
  // The calling thread alone: the runtime without its pool, while preparing and while running.
  const setPool = (p: Runtime["pool"]) => {
    (rt as { pool: Runtime["pool"] }).pool = p;
  };
  setPool(null);
  const s = prepare(rt, l, layout);
  setPool(pool);
  const solo = (f: () => void) => () => {
    setPool(null);
    try {
      f();
    } finally {
      setPool(pool);
    }
  };
  // The sharing before this branch's (every output shared by pixels, the NHWC filter packed before
  // the shares, no size below which a call stays on one thread), in the same process for an A/B.
  const before = { gemm: 0, nhwcGrouped: 0, nchwGrouped: 0, byFilters: false };
  const now = { ...SHARE_MACS };
  const old =
    <T>(f: () => T) =>
    () => {
      Object.assign(SHARE_MACS, before);
      try {
        return f();
      } finally {
        Object.assign(SHARE_MACS, now);
      }
    };
  const o = old(() => prepare(rt, l, layout))();
  const k = interleaved([r.kernel, solo(s.kernel), old(o.kernel)], ms);
  const c = interleaved([r.call, solo(s.call)], ms);
  const none = { main: Number.NaN, worker: Number.NaN, rest: Number.NaN };
  const cpu2 = cpuMs > 0 ? cpuPerCall(r.kernel, cpuMs) : none;
  const cpu1 = cpuMs > 0 ? cpuPerCall(solo(s.kernel), cpuMs) : none;
  const cpuOld = cpuMs > 0 ? cpuPerCall(old(o.kernel), cpuMs) : none;
  const sum = checksum(r.output());
  setPool(null);
  const soloSum = checksum(s.output());
  setPool(pool);
  if (sum !== soloSum) throw new Error(`layer_threads: ${l.name} ${layout}: 2 threads and 1 differ`);
  if (checksum(old(o.output)()) !== sum) throw new Error(`layer_threads: ${l.name} ${layout}: the old sharing differs`);
  r.free();
  s.free();
  o.free();
  return {
    kernel: k.times[0],
    call: c.times[0],
    kernelSolo: k.times[1],
    callSolo: c.times[1],
    cpuSolo: cpu1.main,
    cpuMain: cpu2.main,
    cpuWorker: cpu2.worker,
    kernelOld: k.times[2],
    oldOverNew: k.over0[2],
    cpuOldMain: cpuOld.main,
    cpuOldWorker: cpuOld.worker,
    kernelGain: k.over0[1],
    callGain: c.over0[1],
    threads: r.threads,
    path: r.path,
    sum,
  };
}

/**
 * The pool's round trip in us, a job of one trivial call on every thread (0 on one thread): back to
 * back, and after `gapMs` of other work on the calling thread (a network's copies between layers).
 */
function roundTrip(rt: Runtime, gapMs: number): number {
  const pool = rt.pool;
  if (pool === null) return 0;
  const jobs = Array.from({ length: pool.size }, () => (k: Runtime["kernels"]) => void k.heap_base());
  const times: number[] = [];
  for (let i = 0; i < 400; i++) {
    const until = performance.now() + gapMs;
    while (performance.now() < until);
    const t = performance.now();
    pool.run(jobs, rt.kernels);
    times.push((performance.now() - t) * 1000);
  }
  return mid(times.slice(50));
}

async function child(v: Variant, nets: string[], ms: number): Promise<void> {
  const threads = v === "1t" ? 1 : 2;
  const r = await init({ build: "relaxed-simd", threads });
  if (r.threads !== threads) throw new Error(`layer_threads: init gave ${r.threads} threads, not ${threads}`);
  const rt = getRuntime();
  // The sweep looks for where sharing pays, so it shares everything.
  if (nets.includes("sweep")) Object.assign(SHARE_MACS, { gemm: 0, nhwcGrouped: 0, nchwGrouped: 0 });
  const result: Record<string, Measured | number> = { trip: roundTrip(rt, 0), tripIdle: roundTrip(rt, 1) };
  const match = process.argv[6] ?? "";
  const cpuMs = Number(process.argv[7] ?? 0);
  const layers = specs(nets).filter((s) => `${s.net} ${s.key}`.includes(match));
  // A first pass over every layer, so that no layer is timed while V8 still tiers up its kernels
  // (on this thread or a worker's) or the heap first grows.
  for (const s of layers) for (const layout of LAYOUTS) measure(rt, s.layer, layout, 6, 0);
  for (const s of layers) {
    for (const layout of LAYOUTS) result[`${s.net} ${layout} ${s.key}`] = measure(rt, s.layer, layout, ms, cpuMs);
  }
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
  process.exit(0);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] as Variant, process.argv[4].split(","), Number(process.argv[5]));
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Cores busy system-wide over 300 ms (Linux /proc/stat). */
function busyCores(): number {
  const sample = () => {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  const a = sample();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  const b = sample();
  return (1 - (b.idle - a.idle) / (b.total - a.total)) * os.cpus().length;
}

/** Waits up to `maxMs` for other processes to keep under 0.3 cores busy; whether they did. */
function waitQuiet(maxMs = 60_000): boolean {
  const until = Date.now() + maxMs;
  for (;;) {
    if (busyCores() < 0.3) return true;
    if (Date.now() > until) return false;
  }
}

const rounds = Number(option("rounds", "3"));
const ms = Number(option("ms", "100"));
/** ms of calls per layer and mode over which each thread's CPU time is taken (2t; 0: none). */
const cpuMs = Number(option("cpu-ms", "400"));
const nets = option("nets", "W14,W15").split(",");
const variants = option("variants", VARIANTS.join(",")).split(",") as Variant[];
const name = option("out", "layer-threads");
/** Only the layers whose "net shape" description contains this ("W14 1x1", "@7->7"). */
const only = option("only", "");
const flags = process.execArgv.filter((a) => a.startsWith("--experimental-wasm"));

const runs: Record<Variant, Record<string, Measured | number>[]> = { "1t": [], "2t": [] };
const busy: number[] = [];
const loads: number[] = [];
let quiet = 0;
for (let round = 0; round < rounds; round++) {
  for (const v of variants) {
    if (waitQuiet()) quiet++;
    busy.push(busyCores());
    loads.push(os.loadavg()[0]);
    const p = spawnSync(
      process.execPath,
      [
        ...flags,
        "--import",
        "tsx",
        "bench/layer_threads.ts",
        "--child",
        v,
        nets.join(","),
        String(ms),
        only,
        String(cpuMs),
      ],
      { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 },
    );
    const line = p.stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
    if (!line) throw new Error(`layer_threads: ${v} failed: ${p.stderr.slice(-3000)}`);
    runs[v].push(JSON.parse(line.slice(RESULT_MARK.length)));
    process.stderr.write(`round ${round + 1}/${rounds} ${v} done\n`);
  }
}

type Field =
  | "kernel"
  | "call"
  | "kernelSolo"
  | "callSolo"
  | "kernelGain"
  | "callGain"
  | "cpuSolo"
  | "cpuMain"
  | "cpuWorker"
  | "kernelOld"
  | "oldOverNew"
  | "cpuOldMain"
  | "cpuOldWorker";
const get = (r: Record<string, Measured | number>, key: string, f: Field) => (r[key] as Measured)[f] as number;
const med = (v: Variant, key: string, f: Field) =>
  runs[v].length ? mid(runs[v].map((r) => get(r, key, f))) : Number.NaN;
/** The median over rounds of 1t's `a` over 2t's `b`, each round's own. */
const across = (key: string, a: Field, b: Field) =>
  runs["1t"].length && runs["2t"].length
    ? mid(runs["1t"].map((r, i) => get(r, key, a) / get(runs["2t"][i], key, b)))
    : Number.NaN;
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
const fx = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");

const some = runs["2t"][0] ?? runs["1t"][0];
const keys = Object.keys(some).filter((k) => k !== "trip" && k !== "tripIdle");
const mismatches = keys.filter(
  (key) => new Set(variants.flatMap((v) => runs[v].map((r) => (r[key] as Measured).sum))).size > 1,
);

const all = specs(nets).filter((s) => `${s.net} ${s.key}`.includes(only));
const lines: string[] = [];
const totals: Record<string, Record<string, number>> = {};
for (const key of keys) {
  const [net, layout, ...rest] = key.split(" ");
  const spec = all.find((s) => s.net === net && s.key === rest.join(" "))!;
  const m = some[key] as Measured;
  totals[`${net} ${layout}`] ??= { k1: 0, ks: 0, k2: 0, c1: 0, cs: 0, c2: 0, us: 0, up: 0, uw: 0, ko: 0, uo: 0 };
  const t = totals[`${net} ${layout}`];
  const n = spec.count;
  t.k1 += n * med("1t", key, "kernel");
  t.ks += n * med("2t", key, "kernelSolo");
  t.k2 += n * med("2t", key, "kernel");
  t.c1 += n * med("1t", key, "call");
  t.cs += n * med("2t", key, "callSolo");
  t.c2 += n * med("2t", key, "call");
  // CPU: the critical path (the busier thread) of each round, its median, and the work of both.
  const path2 = runs["2t"].map((r) => Math.max(get(r, key, "cpuMain"), get(r, key, "cpuWorker")));
  const cpuSolo = med("2t", key, "cpuSolo");
  const [cpuMain, cpuWorker] = [med("2t", key, "cpuMain"), med("2t", key, "cpuWorker")];
  const cpuGain = runs["2t"].length ? mid(runs["2t"].map((r, i) => get(r, key, "cpuSolo") / path2[i])) : Number.NaN;
  t.us += n * cpuSolo;
  t.up += n * (runs["2t"].length ? mid(path2) : Number.NaN);
  t.uw += n * (cpuMain + cpuWorker);
  const pathOld = runs["2t"].map((r) => Math.max(get(r, key, "cpuOldMain"), get(r, key, "cpuOldWorker")));
  const cpuGainOld = runs["2t"].length
    ? mid(runs["2t"].map((r, i) => get(r, key, "cpuSolo") / pathOld[i]))
    : Number.NaN;
  t.ko += n * med("2t", key, "kernelOld");
  t.uo += n * (runs["2t"].length ? mid(pathOld) : Number.NaN);
  const l = spec.layer;
  const macs = (l.outC * (l.inC / l.groups) * l.k * l.k * l.outH * l.outW) / 1e6;
  lines.push(
    `| ${net} ${layout} | ${rest.join(" ")} | ${macs.toFixed(2)} | ${n} | ${m.path} | ${m.threads} | ${f3(med("2t", key, "kernelSolo"))} | ${f3(med("2t", key, "kernel"))} | **${fx(med("2t", key, "kernelGain"))}** | ${f3(med("1t", key, "kernel"))} | ${fx(across(key, "kernel", "kernel"))} | ${f3(med("2t", key, "callSolo"))} | ${f3(med("2t", key, "call"))} | ${fx(med("2t", key, "callGain"))} | ${f3(cpuSolo)} | ${f3(cpuMain)} / ${f3(cpuWorker)} | ${fx(cpuGain)} | ${f3(med("2t", key, "kernelOld"))} | ${fx(med("2t", key, "oldOverNew"))} | ${fx(cpuGainOld)} |`,
  );
}
const trips = runs["2t"].map((r) => r.trip as number);
const idleTrips = runs["2t"].map((r) => r.tripIdle as number);
const md = [
  "# Thread scaling by layer: W14 (MobileNetV2) and W15 (ResNet-18), FMA build",
  "",
  `${new Date().toISOString()}; ${rounds} rounds of one process per variant (${variants.join(", ")}), ${ms} ms per timing (bench/layer_threads.ts). ` +
    `${quiet} of ${rounds * variants.length} processes started in a moment with other processes under 0.3 cores busy (each waits up to a minute for one); ` +
    `as they started, other processes kept ${mid(busy).toFixed(2)} cores busy (median; ${Math.min(...busy).toFixed(2)}-${Math.max(...busy).toFixed(2)}) ` +
    `and the 1-minute load average went ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}. ` +
    (trips.length
      ? `The pool's round trip (one trivial call on each of 2 threads, median): ${mid(trips).toFixed(1)} us back to back, ${mid(idleTrips).toFixed(1)} us after 1 ms of other work. `
      : "") +
    (mismatches.length
      ? `**Outputs differ across variants: ${mismatches.join("; ")}.**`
      : "Every layer's output was bit-identical across processes and thread counts."),
  "",
  "ms per call, medians over rounds. kernel: the convolution alone on buffers filled once; call: conv2d / depthwiseConv2d with `out`, the copies in and out included. " +
    "solo: the threaded build's process with its pool set aside (one thread), timed in batches alternating with 2T's, so that **speed-up** (solo ÷ 2T, per batch pair, median) sees the same load on both sides. " +
    "1T: the plain build in its own process; 1T ÷ 2T is per round. " +
    "CPU: the kernel's CPU ms per call by thread (from /proc, over a few hundred ms of calls): solo, and on 2T the calling thread's / the worker's. A thread that waits uses none, so **CPU-bound speed-up** (solo ÷ the busier thread) is what the split gives with two free cores, less the hand-off's latency, whatever the load. " +
    "old sharing: the same process sharing as before this branch (by pixels only, the NHWC filter packed before the shares, no threshold), timed in the same alternating batches; old ÷ new above 1 is this branch faster.",
  "",
  "| net | layer | M MACs | × | kernel | threads | kernel solo | kernel 2T | speed-up | kernel 1T | 1T ÷ 2T | call solo | call 2T | call speed-up | CPU solo | CPU 2T main / worker | CPU-bound speed-up | kernel 2T, old sharing | old ÷ new | CPU-bound speed-up, old sharing |",
  "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...lines,
  "",
  "Sums over each net's convolutions (each shape times its count), from the medians:",
  "",
  "| net | kernels solo | kernels 2T | speed-up | kernels 1T | calls solo | calls 2T | speed-up | calls 1T | CPU solo | CPU 2T busier thread | CPU-bound speed-up | CPU 2T both ÷ solo | kernels 2T, old sharing | old ÷ new | CPU-bound speed-up, old sharing |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...Object.entries(totals).map(
    ([k, t]) =>
      `| ${k} | ${t.ks.toFixed(2)} | ${t.k2.toFixed(2)} | ${fx(t.ks / t.k2)} | ${t.k1.toFixed(2)} | ${t.cs.toFixed(2)} | ${t.c2.toFixed(2)} | ${fx(t.cs / t.c2)} | ${t.c1.toFixed(2)} | ${t.us.toFixed(2)} | ${t.up.toFixed(2)} | ${fx(t.us / t.up)} | ${(t.uw / t.us).toFixed(2)} | ${t.ko.toFixed(2)} | ${fx(t.ko / t.k2)} | ${fx(t.us / t.uo)} |`,
  ),
  "",
].join("\n");
writeFileSync(path.join(ROOT, "bench/results", `${name}.md`), md);
process.stdout.write(md);
