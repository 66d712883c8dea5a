// zeroconv 1T against the two WASM peers on one thread, measured side by side in ONE process:
// rounds in which every case (zeroconv in each layout, tfjs-wasm 1T, ort-web 1T) is timed for a
// short slice in turn, so that a slower or busier machine slows them all alike. bench:peers runs
// each library in a process of its own, minutes apart, and on this shared 2-core VM the speed of
// the same code moves by 20-40% across minutes even with no other process running (the host's
// load is invisible from inside); ratios taken within a round do not move with it.
//
//   node [--experimental-wasm-relaxed-simd] --import tsx bench/peers/paired.ts fma|simd \
//        [--only W8,W9,...] [--quick] [--native] [--out NAME]   (default --only W8-W14, NAME paired-<build>)
//
// Each round's ratio is the faster peer's mean time per op over zeroconv's, within that round; the
// table gives the median over the rounds, and each time cell the median of its slices.
// Writes bench/results/NAME.md and NAME.json.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { init } from "../../src/index.js";
import {
  BenchData,
  LAYOUTS,
  parseArgs,
  ROOT,
  WORKLOADS,
  type Case,
  type CaseFactory,
  type Layout,
  type Library,
  type WorkloadId,
  mid,
  slice,
} from "./common.js";
import { zeroconvLibrary } from "./lib_zeroconv.js";

const build = process.argv[2];
if (build !== "fma" && build !== "simd") {
  process.stderr.write("paired.ts: the first argument is fma or simd\n");
  process.exit(2);
}
const args = parseArgs(process.argv.slice(3).filter((a) => a !== "--native"));
// --only may name the book's single convolutions too (W4, W5): W4 is Winograd's goal workload.
const ids = WORKLOADS.filter((w) => (args.only === null ? w.table === "mobile" : args.only.has(w.id))).map((w) => w.id);
const rounds = args.quick ? 4 : 9;
const sliceMs = args.quick ? 150 : 250;
const name = args.out === "peers" ? `paired-${build}` : args.out;

const r = await init({ build: build === "fma" ? "relaxed-simd" : "simd" });
if (r.build !== (build === "fma" ? "relaxed-simd" : "simd"))
  throw new Error(`paired.ts: init loaded the ${r.build} build (FMA needs --experimental-wasm-relaxed-simd)`);
const { tfjsLibrary } = await import("./lib_tfjs.js");
const { ortLibrary } = await import("./lib_ort.js");
const libs: { label: string; lib: Library; zeroconv: boolean; native?: boolean }[] = [
  { label: `zeroconv 1T ${build === "fma" ? "FMA" : "SIMD"}`, lib: zeroconvLibrary({}), zeroconv: true },
  // W14/W15 a second way: Tensors, every layer's input copied in and result copied out.
  { label: "zeroconv Tensors", lib: zeroconvLibrary({}, { copies: true }), zeroconv: true },
  { label: "tfjs-wasm 1T", lib: await tfjsLibrary(1), zeroconv: false },
  { label: "ort-web 1T", lib: await ortLibrary("web", 1), zeroconv: false },
  // --native: onnxruntime-node 1T beside them, shown with its own ratio, not counted as a WASM peer.
  ...(process.argv.includes("--native")
    ? [{ label: "ort-node 1T", lib: await ortLibrary("node", 1), zeroconv: false, native: true }]
    : []),
];

interface Entry {
  label: string;
  layout?: Layout;
  zeroconv: boolean;
  native?: boolean;
  c: Case | null;
  why?: string;
  slices: number[];
}

const data = new BenchData();
const results: Record<string, Entry[]> = {};
for (const id of ids) {
  const entries: Entry[] = [];
  for (const { label, lib, zeroconv, native } of libs) {
    const set = lib.cases[id as WorkloadId];
    if (!set) continue;
    const factories: [Layout | undefined, CaseFactory][] =
      typeof set === "function" ? [[undefined, set]] : LAYOUTS.flatMap((l) => (set[l] ? [[l, set[l]!] as const] : []));
    for (const [layout, f] of factories) {
      try {
        const c = await f(data);
        entries.push({ label, layout: layout ?? c.layout ?? "NCHW", zeroconv, native, c, slices: [] });
      } catch (e) {
        entries.push({ label, layout, zeroconv, native, c: null, why: (e as Error).message, slices: [] });
      }
    }
  }
  const live = entries.filter((e) => e.c);
  for (const e of live) await slice(e.c!.run, 300); // warm-up: V8's optimising tiers
  for (let k = 0; k < rounds; k++) {
    // A different order every round, so that no case always follows the same one.
    const order = live.map((e, i) => [e, (i * 7 + k * 3) % live.length] as const).sort((a, b) => a[1] - b[1]);
    for (const [e] of order) e.slices.push(await slice(e.c!.run, sliceMs));
  }
  results[id] = entries;
  process.stderr.write(
    `${id}: ${entries.map((e) => `${e.label}${e.zeroconv ? ` ${e.layout}` : ""} ${e.c ? `${mid(e.slices).toPrecision(3)} ms` : `n/a`}`).join(", ")}\n`,
  );
}

// Only the libraries with a case among the workloads run (zeroconv Tensors runs W14 and W15 only).
const shown = libs.filter((l) => ids.some((id) => results[id].some((e) => e.label === l.label)));
const native = shown.some((l) => l.native);
const fmt = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");
const head = [
  "workload",
  ...shown.flatMap((l) => (l.zeroconv ? LAYOUTS.map((lay) => `${l.label} ${lay}`) : [l.label])),
  ...shown
    .filter((l) => l.zeroconv)
    .flatMap((l) => LAYOUTS.map((lay) => `${l.label} ${lay} ÷ faster peer (per round, median)`)),
  ...(native ? LAYOUTS.map((lay) => `${shown[0].label} ${lay} ÷ ort-node 1T (native)`) : []),
  "rounds",
];
const rows = ids.map((id) => {
  const es = results[id];
  const cellOf = (e: Entry | undefined) =>
    !e ? "–" : e.c ? `${mid(e.slices).toPrecision(3)} ms` : `n/a (${(e.why ?? "").slice(0, 40)})`;
  const peers = es.filter((e) => !e.zeroconv && !e.native && e.c);
  const nativePeer = es.filter((e) => e.native && e.c);
  const ratios = shown
    .filter((l) => l.zeroconv)
    .flatMap((l) =>
      LAYOUTS.map((lay) => {
        const z = es.find((e) => e.label === l.label && e.layout === lay && e.c);
        if (!z || peers.length === 0) return Number.NaN;
        return mid(z.slices.map((t, k) => Math.min(...peers.map((p) => p.slices[k])) / t));
      }),
    );
  return [
    id,
    ...shown.flatMap((l) =>
      l.zeroconv
        ? LAYOUTS.map((lay) => cellOf(es.find((e) => e.label === l.label && e.layout === lay)))
        : [cellOf(es.find((e) => e.label === l.label))],
    ),
    ...ratios.map(fmt),
    ...(native
      ? LAYOUTS.map((lay) => {
          const z = es.find((e) => e.label === shown[0].label && e.layout === lay && e.c);
          return fmt(
            !z || nativePeer.length === 0 ? Number.NaN : mid(z.slices.map((t, k) => nativePeer[0].slices[k] / t)),
          );
        })
      : []),
    String(rounds),
  ];
});
const md = [
  `# zeroconv 1T ${build === "fma" ? "FMA" : "plain SIMD"} beside tfjs-wasm 1T and ort-web 1T, paired in one process`,
  "",
  `${new Date().toISOString()}; ${rounds} rounds of ${sliceMs} ms slices per case (bench/peers/paired.ts). ` +
    "A ratio above 1: zeroconv is faster than the faster of the two peers in that round.",
  "",
  `| ${head.join(" | ")} |`,
  `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
  ...rows.map((row) => `| ${row.join(" | ")} |`),
  "",
].join("\n");
const out = path.join(ROOT, "bench/results");
writeFileSync(path.join(out, `${name}.md`), md);
writeFileSync(
  path.join(out, `${name}.json`),
  `${JSON.stringify({ build, rounds, sliceMs, date: new Date().toISOString(), results }, (k, v) => (k === "c" ? undefined : v), 2)}\n`,
);
process.stdout.write(md);
process.exit(0);
