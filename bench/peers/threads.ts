// Thread scaling, 1 thread against 2, as alternating processes: each round starts one process per
// variant (zeroconv 1T FMA, zeroconv 2T FMA, ort-web 2T) in turn, and each times its cases for a
// short slice after warming up. A process can init() zeroconv once, so 1T and 2T cannot share one
// as paired.ts's libraries do; alternating them within each round keeps the machine's load (this
// 2-core box is shared) about the same for both sides of a ratio, and every ratio is taken within
// its round before the median over rounds is. The load seen is reported beside.
//
//   node --experimental-wasm-relaxed-simd --import tsx bench/peers/threads.ts \
//        [--only W7,W14,W15] [--quick] [--out NAME]      (default --only W7,W14,W15, NAME threads)
//
// Writes bench/results/NAME.md and NAME.json.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { init } from "../../src/index.js";
import {
  BenchData,
  LAYOUTS,
  mid,
  parseArgs,
  RESULT_MARK,
  ROOT,
  slice,
  type CaseFactory,
  type Layout,
  type Library,
  type WorkloadId,
} from "./common.js";
import { zeroconvLibrary } from "./lib_zeroconv.js";

const VARIANTS = ["zeroconv-1t", "zeroconv-2t", "ort-web-2t"] as const;
type Variant = (typeof VARIANTS)[number];

async function library(v: Variant): Promise<Library> {
  if (v === "ort-web-2t") {
    await init({ build: "relaxed-simd" }); // BenchData reads the book's weights through zeroconv
    const { ortLibrary } = await import("./lib_ort.js");
    return ortLibrary("web", 2);
  }
  const threads = v === "zeroconv-2t" ? 2 : 1;
  const r = await init({ build: "relaxed-simd", threads });
  if (r.threads !== threads) throw new Error(`threads.ts: init gave ${r.threads} threads, not ${threads}`);
  return zeroconvLibrary({});
}

/** A child: times each case of `ids` (zeroconv: in both layouts) for one slice; prints ms per call by case. */
async function child(v: Variant, ids: WorkloadId[], ms: number): Promise<void> {
  const lib = await library(v);
  const data = new BenchData();
  const times: Record<string, number> = {};
  for (const id of ids) {
    const set = lib.cases[id];
    if (!set) continue;
    const factories: [Layout | undefined, CaseFactory][] =
      typeof set === "function" ? [[undefined, set]] : LAYOUTS.flatMap((l) => (set[l] ? [[l, set[l]!] as const] : []));
    for (const [layout, f] of factories) {
      const c = await f(data);
      await slice(c.run, Math.max(300, ms / 2)); // V8's optimising tiers
      const key = layout ? `${id} ${layout}` : id;
      const [cpu0, wall0, threads0] = [process.cpuUsage(), performance.now(), threadCpu()];
      times[key] = await slice(c.run, ms);
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - wall0;
      // The cores this process got: CPU time over wall time (a worker waiting for work uses none).
      times[`${key} cores`] = (cpu.user + cpu.system) / 1e3 / wall;
      // The calling thread's CPU ms per call: where the machine's other work leaves this process
      // short of cores, what a call would take with them (that thread's serial work and shares,
      // less its waits for the worker).
      const main = String(process.pid);
      const threads1 = threadCpu();
      if (threads1.has(main))
        times[`${key} main cpu`] = ((threads1.get(main)! - threads0.get(main)!) * times[key]) / wall;
    }
  }
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(times)}\n`);
  process.exit(0);
}

/** CPU ms of each of this process's threads so far, by thread id (Linux /proc, 10 ms ticks; none elsewhere). */
function threadCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(tid, (Number(f[11]) + Number(f[12])) * 10);
    }
  } catch {
    // not Linux, or a thread that ended while being read
  }
  return cpu;
}

/** Cores busy system-wide over `ms` (Linux /proc/stat) while nothing of this bench runs. */
function busyCores(ms = 400): number | undefined {
  const sample = () => {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const b = sample();
    return (1 - (b.idle - a.idle) / (b.total - a.total)) * os.cpus().length;
  } catch {
    return undefined;
  }
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] as Variant, process.argv[4].split(",") as WorkloadId[], Number(process.argv[5]));
}

const args = parseArgs(process.argv.slice(2));
const ids = (args.only ? [...args.only] : ["W7", "W14", "W15"]) as WorkloadId[];
const rounds = args.quick ? 3 : 5;
const ms = args.quick ? 600 : 1500;
const name = args.out === "peers" ? "threads" : args.out;
const flags = process.execArgv.filter((a) => a.startsWith("--experimental-wasm"));
// Node 20 needs the flag for the FMA build (init throws in the children without it); Node 22+ has relaxed SIMD on.

/**
 * Waits (up to `maxMs`) for a moment when other processes keep under 0.3 cores busy, so that a
 * round measures the code rather than the neighbours; says whether it found one.
 */
function waitQuiet(maxMs = 60_000): boolean {
  const until = Date.now() + maxMs;
  for (;;) {
    const busy = busyCores();
    if (busy === undefined || busy < 0.3) return true;
    if (Date.now() > until) return false;
  }
}

const samples: Record<string, number[]> = {};
const loads: { round: number; variant: Variant; busyBefore?: number; loadavg: number }[] = [];
let quietStarts = 0;
for (let round = 0; round < rounds; round++) {
  if (waitQuiet()) quietStarts++;
  for (const v of VARIANTS) {
    const mine = v === "ort-web-2t" ? ids.filter((id) => id !== "W7") : ids;
    if (mine.length === 0) continue;
    const busyBefore = busyCores();
    loads.push({ round, variant: v, busyBefore, loadavg: os.loadavg()[0] });
    const p = spawnSync(
      process.execPath,
      [...flags, "--import", "tsx", "bench/peers/threads.ts", "--child", v, mine.join(","), String(ms)],
      { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 24 },
    );
    const line = p.stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
    if (!line) throw new Error(`threads.ts: ${v} failed: ${p.stderr.slice(-2000)}`);
    for (const [key, t] of Object.entries(JSON.parse(line.slice(RESULT_MARK.length)) as Record<string, number>)) {
      samples[`${v} ${key}`] = [...(samples[`${v} ${key}`] ?? []), t];
    }
    process.stderr.write(`round ${round + 1}/${rounds} ${v}: ${line.slice(RESULT_MARK.length)}\n`);
  }
}

/** The median over rounds of a / b, each round's own. */
const ratio = (a: string, b: string) => {
  const [x, y] = [samples[a], samples[b]];
  if (!x || !y) return Number.NaN;
  return mid(x.map((t, i) => t / y[i]));
};
const fmt = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");
const ms3 = (key: string) => (samples[key] ? `${mid(samples[key]).toPrecision(3)} ms` : "–");
const rows: string[][] = [];
for (const id of ids) {
  const layouts: (Layout | undefined)[] = id === "W7" ? [undefined] : [...LAYOUTS];
  for (const layout of layouts) {
    const key = layout ? `${id} ${layout}` : id;
    const z1 = `zeroconv-1t ${key}`;
    const z2 = `zeroconv-2t ${key}`;
    const ort = `ort-web-2t ${id}`;
    const cores = samples[`${z2} cores`];
    rows.push([
      key,
      ms3(z1),
      ms3(z2),
      cores ? mid(cores).toFixed(2) : "–",
      id === "W7" ? "–" : ms3(ort),
      fmt(ratio(z1, z2)),
      id === "W7" ? "–" : fmt(ratio(ort, z2)),
      `${ms3(`${z1} main cpu`)} / ${ms3(`${z2} main cpu`)}`,
      fmt(ratio(`${z1} main cpu`, `${z2} main cpu`)),
    ]);
  }
}
const busy = loads.map((l) => l.busyBefore).filter((b): b is number => b !== undefined);
const md = [
  "# Thread scaling: zeroconv 1T and 2T (FMA) and ort-web 2T, alternating processes",
  "",
  `${new Date().toISOString()}; ${rounds} rounds, one process per variant per round, ${ms} ms slices (bench/peers/threads.ts). ` +
    `Other processes kept ${busy.length ? `${mid(busy).toFixed(2)} cores busy (median; ${Math.min(...busy).toFixed(2)}-${Math.max(...busy).toFixed(2)})` : "an unknown load"} ` +
    `in the moment before each variant started; the 1-minute load average went ${Math.min(...loads.map((l) => l.loadavg)).toFixed(2)}-${Math.max(...loads.map((l) => l.loadavg)).toFixed(2)}. ` +
    `${quietStarts} of the ${rounds} rounds started in a moment with other processes under 0.3 cores (each waits up to a minute for one).`,
  "",
  "| workload | zeroconv 1T | zeroconv 2T | cores zeroconv 2T got (CPU ÷ wall) | ort-web 2T | 2T speed-up (1T ÷ 2T, per round, median) | zeroconv 2T over ort-web 2T | calling thread's CPU per call, 1T / 2T | 1T ÷ 2T by it |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
  "The calling thread's CPU time per call (Linux /proc): a thread waiting for its worker uses none, so on 2T it is about what a call takes with two free cores (less the hand-offs' latency), however busy the machine; 1T ÷ 2T by it is the speed-up two free cores would give, an upper bound.",
  "",
].join("\n");
const out = path.join(ROOT, "bench/results");
writeFileSync(path.join(out, `${name}.md`), md);
writeFileSync(
  path.join(out, `${name}.json`),
  `${JSON.stringify({ rounds, ms, date: new Date().toISOString(), samples, loads }, null, 2)}\n`,
);
process.stdout.write(md);
