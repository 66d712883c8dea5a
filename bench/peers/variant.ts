// One library variant of `npm run bench:peers`, in a process of its own (run.ts starts them one at
// a time, so V8 flags, thread pools and global state never mix):
//
//   node [--experimental-wasm-relaxed-simd] --import tsx bench/peers/variant.ts <variant> [--only W1,W3] [--quick]
//
// Progress goes to stderr; the result is one JSON line on stdout after RESULT_MARK.
import { init, type InitOptions } from "../../src/index.js";
import {
  agreement,
  BenchData,
  CaseUnavailable,
  LAYOUTS,
  osThreads,
  parseArgs,
  RESULT_MARK,
  selected,
  time,
  workloadValue,
  workload,
  WORKLOADS,
  type CaseFactory,
  type CaseResult,
  type Layout,
  type Library,
  type VariantResult,
} from "./common.js";
import { peakLibrary } from "./lib_peak.js";
import { zeroconvLibrary } from "./lib_zeroconv.js";

export const VARIANTS = [
  "zeroconv-simd",
  "zeroconv-fma",
  "zeroconv-fma-out",
  "zeroconv-2t",
  "zeroconv-2t-simd",
  "tfjs-wasm-1t",
  "tfjs-wasm-2t",
  "ort-web-1t",
  "ort-web-2t",
  "ort-node-1t",
  "ort-node-2t",
  "peak",
] as const;
export type Variant = (typeof VARIANTS)[number];

class Unavailable extends Error {}

const log = (s: string) => process.stderr.write(`  [${variant}] ${s}\n`);
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));

/**
 * zeroconv with the init options of its variant; Unavailable when this zeroconv lacks them.
 * "fma-out" is "fma" passing one preallocated output per case as opts.out (lib_zeroconv.ts).
 */
async function zeroconv(kind: "simd" | "fma" | "fma-out" | "2t" | "2t-simd"): Promise<Library> {
  const opts: Record<string, unknown> =
    kind === "simd"
      ? { build: "simd" }
      : kind === "fma" || kind === "fma-out"
        ? { build: "relaxed-simd" }
        : kind === "2t"
          ? { threads: 2 }
          : { threads: 2, build: "simd" };
  let r: Record<string, unknown>;
  try {
    r = (await init(opts as InitOptions)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new Unavailable(`init(${JSON.stringify(opts)}) throws: ${(e as Error).message}`);
  }
  // init() validates the relaxed build and throws when the engine refuses it; the check below
  // guards the table against a silent fallback all the same.
  if ((kind === "fma" || kind === "fma-out") && r.build !== "relaxed-simd")
    throw new Unavailable(`init(${JSON.stringify(opts)}) loaded the ${String(r.build)} build`);
  if (kind === "simd" && r.build !== "simd")
    throw new Unavailable(`init({ build: "simd" }) loaded the ${String(r.build)} build`);
  if ((kind === "2t" || kind === "2t-simd") && r.threads !== 2)
    throw new Unavailable(`init({ threads: 2 }) runs ${String(r.threads)} thread(s)`);
  const out = kind === "fma-out";
  return zeroconvLibrary(
    {
      init: JSON.stringify(opts),
      result: JSON.stringify(r),
      ...(out ? { out: "one preallocated output per case, as opts.out" } : {}),
    },
    { out },
  );
}

async function library(v: Variant): Promise<Library> {
  switch (v) {
    case "zeroconv-simd":
      return zeroconv("simd");
    case "zeroconv-fma":
      return zeroconv("fma");
    case "zeroconv-fma-out":
      return zeroconv("fma-out");
    case "zeroconv-2t":
      return zeroconv("2t");
    case "zeroconv-2t-simd":
      return zeroconv("2t-simd");
    case "tfjs-wasm-1t":
    case "tfjs-wasm-2t": {
      await init();
      const { tfjsLibrary } = await import("./lib_tfjs.js");
      try {
        return await tfjsLibrary(v === "tfjs-wasm-1t" ? 1 : 2);
      } catch (e) {
        throw new Unavailable((e as Error).message ?? String(e));
      }
    }
    case "ort-web-1t":
    case "ort-web-2t":
    case "ort-node-1t":
    case "ort-node-2t": {
      await init();
      const { ortLibrary } = await import("./lib_ort.js");
      return ortLibrary(v.startsWith("ort-web") ? "web" : "node", v.endsWith("2t") ? 2 : 1);
    }
    case "peak":
      throw new Error("peak has no Library");
  }
}

async function runPeak(result: VariantResult, quick: boolean): Promise<void> {
  const { info, plain, fma } = await peakLibrary();
  result.info = info;
  const w = workload("PEAK");
  for (const [kernel, c] of [
    ["mul+add", plain],
    ["relaxed_madd", fma],
  ] as const) {
    const r: CaseResult = { workload: "PEAK", kernel };
    if (typeof c === "string") r.error = c;
    else {
      const t = await time(`peak ${kernel}`, c.run, quick);
      Object.assign(r, t, { value: workloadValue(w, t.median, Number(info.flopsPerOp)), note: c.note });
      log(`PEAK ${kernel}: ${fmt(r.value!)} GFLOP/s`);
    }
    result.cases.push(r);
  }
}

const variant = process.argv[2] as Variant;
if (!VARIANTS.includes(variant)) {
  process.stderr.write(
    `variant.ts: the first argument must be one of ${VARIANTS.join(", ")}; got ${String(variant)}\n`,
  );
  process.exit(2);
}
const args = parseArgs(process.argv.slice(3));
const result: VariantResult = { variant, available: true, info: {}, cases: [] };
const threadsBefore = osThreads();

try {
  if (variant === "peak") {
    if (selected(args, "PEAK")) await runPeak(result, args.quick);
  } else {
    const lib = await library(variant);
    result.info = { ...lib.info, osThreadsAtStart: threadsBefore ?? "?", osThreadsAfterInit: osThreads() ?? "?" };
    log(`ready: ${JSON.stringify(result.info)}`);
    const data = new BenchData();
    for (const w of WORKLOADS) {
      const set = lib.cases[w.id];
      if (!set || !selected(args, w.id)) continue;
      const factories: [Layout | undefined, CaseFactory][] =
        typeof set === "function"
          ? [[undefined, set]]
          : LAYOUTS.flatMap((l) => (set[l] ? [[l, set[l]] as [Layout, CaseFactory]] : []));
      // zeroconv plain SIMD's first case of a workload (NCHW where it runs both) is the reference.
      for (const [k, [layout, factory]] of factories.entries()) {
        const isReference = variant === "zeroconv-simd" && k === 0;
        const name = `${w.id}${layout ? ` ${layout}` : ""}`;
        const r: CaseResult = { workload: w.id, ...(layout ? { layout } : {}) };
        try {
          const c = await factory(data);
          if (c.layout && !layout) r.layout = c.layout;
          if (c.note) r.note = c.note;
          if (c.output) {
            r.check = agreement(w.id, await c.output(), isReference);
            if (r.check === null) log(`${name}: no zeroconv reference output to check against`);
            else if (!r.check.ok)
              log(
                `${name}: ERROR: output DISAGREES with ${r.check.against}: max diff / max |ref| = ${r.check.relErr.toExponential(2)}`,
              );
            else
              log(`${name}: agree with ${r.check.against} (max diff / max |ref| = ${r.check.relErr.toExponential(2)})`);
          }
          if (c.correct) {
            r.correct = await c.correct();
            log(`${name}: accuracy ${r.correct}/10000 = ${(r.correct / 100).toFixed(2)}%`);
          }
          const t = await time(`${variant} ${name}`, c.run, args.quick);
          Object.assign(r, t, { value: workloadValue(w, t.median) });
          log(
            `${name}: ${fmt(r.value!)} ${w.unit} (median ${(t.median * 1e3).toPrecision(3)} ms, ${t.samples} samples, cpu/wall ${t.cpuPerWall.toFixed(2)}` +
              `${t.otherCores === undefined ? "" : `, other processes ${t.otherCores.toFixed(2)} cores`})`,
          );
        } catch (e) {
          if (e instanceof CaseUnavailable) {
            r.unavailable = e.message;
            log(`${name}: n/a: ${e.message}`);
            if (isReference && e.reference) {
              agreement(w.id, e.reference.output(), true, e.reference.source);
              log(`${name}: the reference for the other libraries is ${e.reference.source}`);
            }
          } else {
            r.error = (e as Error)?.message ?? String(e);
            log(`${name}: ERROR: ${r.error}`);
          }
        }
        result.cases.push(r);
      }
    }
    result.info.osThreadsAtEnd = osThreads() ?? "?";
  }
} catch (e) {
  result.available = false;
  result.reason = (e as Error)?.message ?? String(e);
  if (!(e instanceof Unavailable)) result.reason = `failed: ${result.reason}`;
  log(`n/a: ${result.reason}`);
}

process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(result)}\n`);
// Runtimes may hold worker threads open; the result is out.
process.exit(0);
