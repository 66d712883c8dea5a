// One tfjs backend of bench:peers' T1-T4, in a process of its own, timed on command so that
// tfjs_paired.ts can alternate short slices of every backend's cases (T4's 1-thread and 2-thread
// zeroconv cannot share a process: zeroconv's thread count is fixed at init):
//
//   node --experimental-wasm-relaxed-simd --import tsx bench/peers/tfjs_variant.ts <backend> [--only T1,T3] [--quick]
//
// It builds its cases, warms them up, checks them and prints one line (RESULT_MARK + JSON: a
// TfjsReady); then each stdin line {"case": "T1", "ms": 400, "minCalls": 2} runs that case for
// about ms milliseconds and is answered with a line of TfjsSlice; a line "quit" ends it.
import { createInterface } from "node:readline";
import * as tf from "@tensorflow/tfjs-core";
import { init } from "../../src/index.js";
import {
  BenchData,
  countCorrect,
  osThreads,
  parseArgs,
  RESULT_MARK,
  testBatches,
  type Args,
  type CaseFactory,
} from "./common.js";
import { zeroconvLibrary } from "./lib_zeroconv.js";
import { simpleConvNet } from "./tfjs_models.js";

export const TFJS_BACKENDS = ["tfjs-cpu", "tfjs-wasm-1t", "tfjs-zeroconv-1t", "tfjs-zeroconv-2t"] as const;
export type TfjsBackend = (typeof TFJS_BACKENDS)[number];
/** T1-T3 on tfjs, and W7, zeroconv's own training step (beside T2 in the zeroconv process). */
export type TfjsCaseId = "T1" | "T2" | "T3" | "W7";

/** One kernel's share of a profiled op (tf.profile): time and calls per op. */
export interface KernelProfile {
  kernel: string;
  msPerOp: number;
  callsPerOp: number;
  /** kernelStats(): how many of its calls per op ran on zeroconv and how many went to the CPU kernel. */
  onZeroconv?: number;
  toCpu?: number;
}

export interface TfjsCaseInfo {
  id: TfjsCaseId;
  /** The backend cannot run it (found by trying): why. */
  unavailable?: string;
  error?: string;
  /** T1: the scores of test batch 0; T3: the logits. Compared with tfjs-cpu's by the parent. */
  output?: number[];
  /** T2: the losses of the first two steps from the book's weights (training batches 0 and 1). */
  losses?: number[];
  /** T1: correct predictions of the 10,000 test images. */
  correct?: number;
  /** tfjs-cpu T2: the second step's seconds (the only one timed; see tfjs_paired.ts). */
  stepSeconds?: number;
  /** ... and its CPU seconds (process.cpuUsage). */
  stepCpuSeconds?: number;
  /** tfjs-zeroconv-1t: tf.profile of 3 ops, wall ms per op and the kernels by time. */
  profile?: { wallMsPerOp: number; kernels: KernelProfile[] };
  note?: string;
}

export interface TfjsReady {
  backend: TfjsBackend;
  info: Record<string, string | number | boolean>;
  cases: TfjsCaseInfo[];
}

export interface TfjsSlice {
  /** Mean ms per call over the slice. */
  ms: number;
  calls: number;
  /** This process's CPU time over the slice's wall time (1: one core; up to 2 on 2 threads). */
  cpuPerWall: number;
}

interface Runner {
  run: () => unknown;
  info: TfjsCaseInfo;
}

const log = (s: string) => process.stderr.write(`  [${backend}] ${s}\n`);

/** Starts the backend; the zeroconv ones on the FMA build (node needs --experimental-wasm-relaxed-simd). */
async function start(b: TfjsBackend): Promise<Record<string, string | number | boolean>> {
  if (b === "tfjs-cpu") {
    await import("@tensorflow/tfjs-backend-cpu");
    await init(); // BenchData reads the book's weights through zeroconv
    if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') failed");
    return { backend: "cpu", package: "@tensorflow/tfjs-backend-cpu" };
  }
  if (b === "tfjs-wasm-1t") {
    await init();
    const { tfjsLibrary } = await import("./lib_tfjs.js");
    return { backend: "wasm", ...(await tfjsLibrary(1)).info };
  }
  const { registerBackend, ZEROCONV_KERNELS } = await import("../../src/tfjs/index.js");
  const threads = b === "tfjs-zeroconv-2t" ? 2 : 1;
  const r = await registerBackend({ threads, build: "relaxed-simd" });
  if (r.threads !== threads || r.build !== "relaxed-simd")
    throw new Error(`registerBackend({ threads: ${threads}, build: "relaxed-simd" }) gave ${JSON.stringify(r)}`);
  if (!(await tf.setBackend("zeroconv"))) throw new Error("tf.setBackend('zeroconv') failed");
  // TFJS_EAGER_OUTPUTS=1: every result copied out at once (kept in WASM memory too), to measure what lazy outputs save.
  const eager = process.env.TFJS_EAGER_OUTPUTS === "1";
  if (eager) (await import("../../src/tfjs/backend.js")).setLazyOutputs(false);
  return {
    backend: "zeroconv",
    init: JSON.stringify(r),
    outputs: eager ? "eager" : "lazy",
    kernels: ZEROCONV_KERNELS.join(" "),
  };
}

/** Calls for at least `ms` and 3 calls, so that V8 has tiered the code up. */
async function warm(run: () => unknown, ms = 300): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - t0 < ms; i++) await run();
}

async function t1(data: BenchData): Promise<Runner> {
  const model = simpleConvNet(data.params());
  const { xs, t } = await testBatches(data);
  const predict = (i: number) =>
    tf.tidy(() => model.predict(tf.tensor4d(xs[i], [100, 28, 28, 1]), { batchSize: 100 }) as tf.Tensor);
  const read = (i: number) => {
    const y = predict(i);
    const out = y.dataSync() as Float32Array;
    y.dispose();
    return out;
  };
  const info: TfjsCaseInfo = { id: "T1", output: [...read(0)] };
  if (backend !== "tfjs-cpu") {
    // The 10,000 images through the timed path (tfjs-cpu's output is the reference; it takes 100 ms a batch).
    let correct = 0;
    for (let i = 0; i < 100; i++) correct += countCorrect(read(i), t.subarray(i * 100, (i + 1) * 100));
    info.correct = correct;
  }
  let k = 0;
  return { run: () => read(k++ % 100), info };
}

async function t2(data: BenchData): Promise<Runner> {
  const model = simpleConvNet(data.params());
  const batches = await data.trainBatches(20);
  let k = 0;
  const step = async () => {
    const { x, t } = batches[k++ % batches.length];
    const [xs, ys] = tf.tidy(() => [tf.tensor4d(x, [100, 28, 28, 1]), tf.oneHot(tf.tensor1d(t, "int32"), 10)]);
    try {
      return (await model.trainOnBatch(xs, ys)) as number;
    } finally {
      tf.dispose([xs, ys]);
    }
  };
  const info: TfjsCaseInfo = { id: "T2", losses: [] };
  try {
    info.losses!.push(await step());
  } catch (e) {
    // tfjs-wasm: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
    throw new Unavailable(`model.trainOnBatch throws: ${(e as Error).message}`);
  }
  const [t0, cpu0] = [performance.now(), process.cpuUsage()];
  info.losses!.push(await step());
  if (backend === "tfjs-cpu") {
    const cpu = process.cpuUsage(cpu0);
    info.stepSeconds = (performance.now() - t0) / 1e3;
    info.stepCpuSeconds = (cpu.user + cpu.system) / 1e6;
    info.note = "tfjs-cpu: 2 steps, the second timed (its first traces the graph), not paired";
  }
  return { run: step, info };
}

async function t3(data: BenchData): Promise<Runner> {
  const { mobileNet } = await import("./lib_tfjs.js");
  const { net, x } = data.mobileNet();
  const c = mobileNet(net, x);
  return { run: c.run, info: { id: "T3", output: [...(await c.output!())] } };
}

async function w7(data: BenchData): Promise<Runner> {
  const { run } = await (zeroconvLibrary({}).cases.W7 as CaseFactory)(data);
  return {
    run,
    info: { id: "W7", note: "zeroconv's own SimpleConvNet.gradient + Adam (W7), in the tfjs-zeroconv-1t process" },
  };
}

class Unavailable extends Error {}

/** tf.profile of 3 calls: kernels by time per op (op scopes, named "...__op", nest kernels and are left out). */
async function profile(run: () => unknown): Promise<TfjsCaseInfo["profile"]> {
  const { kernelStats } = await import("../../src/tfjs/index.js");
  kernelStats(true);
  const OPS = 3;
  const t0 = performance.now();
  const p = await tf.profile(async () => {
    for (let i = 0; i < OPS; i++) await run();
    return tf.scalar(0);
  });
  const wallMsPerOp = (performance.now() - t0) / OPS;
  const stats = kernelStats(true);
  const by = new Map<string, KernelProfile>();
  for (const k of p.kernels) {
    if (k.name.endsWith("__op")) continue;
    const e = by.get(k.name) ?? { kernel: k.name, msPerOp: 0, callsPerOp: 0 };
    e.msPerOp += (k.kernelTimeMs as number) / OPS;
    e.callsPerOp += 1 / OPS;
    by.set(k.name, e);
  }
  for (const e of by.values()) {
    const s = stats[e.kernel];
    if (s) Object.assign(e, { onZeroconv: s.zeroconv / OPS, toCpu: s.cpu / OPS });
  }
  return { wallMsPerOp, kernels: [...by.values()].sort((a, b) => b.msPerOp - a.msPerOp) };
}

/** The cases this backend runs for the selected workloads (T4 is T1 and T3 on both zeroconv processes). */
function casesOf(b: TfjsBackend, args: Args): TfjsCaseId[] {
  const has = (id: "T1" | "T2" | "T3" | "T4") => args.only === null || args.only.has(id);
  if (b === "tfjs-zeroconv-2t") return [...(has("T4") ? (["T1", "T3"] as const) : [])];
  const out: TfjsCaseId[] = [];
  if (has("T1") || (has("T4") && b === "tfjs-zeroconv-1t")) out.push("T1");
  if (has("T2")) out.push("T2");
  if (has("T3") || (has("T4") && b === "tfjs-zeroconv-1t")) out.push("T3");
  if (has("T2") && b === "tfjs-zeroconv-1t") out.push("W7");
  return out;
}

const backend = process.argv[2] as TfjsBackend;
if (!TFJS_BACKENDS.includes(backend)) {
  process.stderr.write(`tfjs_variant.ts: the first argument is one of ${TFJS_BACKENDS.join(", ")}; got ${backend}\n`);
  process.exit(2);
}
const args = parseArgs(process.argv.slice(3));
const ready: TfjsReady = { backend, info: {}, cases: [] };
const runners = new Map<TfjsCaseId, Runner>();
try {
  ready.info = await start(backend);
  const data = new BenchData();
  const make = { T1: t1, T2: t2, T3: t3, W7: w7 };
  for (const id of casesOf(backend, args)) {
    try {
      const r = await make[id](data);
      if (id !== "T2" || backend !== "tfjs-cpu") {
        await warm(r.run);
        if (backend === "tfjs-zeroconv-1t" && id !== "W7") r.info.profile = await profile(r.run);
        runners.set(id, r);
      }
      ready.cases.push(r.info);
      log(`${id}: ready${r.info.correct === undefined ? "" : `, ${r.info.correct}/10000 correct`}`);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      ready.cases.push(e instanceof Unavailable ? { id, unavailable: message } : { id, error: message });
      log(`${id}: ${e instanceof Unavailable ? "cannot" : "ERROR"}: ${message}`);
    }
  }
  ready.info.osThreads = osThreads() ?? "?";
  ready.info.numTensors = tf.memory().numTensors;
} catch (e) {
  ready.info.failed = (e as Error)?.message ?? String(e);
  log(`failed: ${ready.info.failed}`);
}
process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(ready)}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "quit") break;
  const { case: id, ms, minCalls } = JSON.parse(line) as { case: TfjsCaseId; ms: number; minCalls: number };
  const r = runners.get(id)!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let calls = 0;
  let t = t0;
  while (calls < minCalls || t - t0 < ms) {
    await r.run();
    calls++;
    t = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  const slice: TfjsSlice = { ms: (t - t0) / calls, calls, cpuPerWall: (cpu.user + cpu.system) / 1e3 / (t - t0) };
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(slice)}\n`);
}
process.exit(0);
