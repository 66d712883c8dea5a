// The report of `npm run bench:peers`: one set of tables, rendered as Markdown (printed and
// bench/results/peers.md) and as a self-contained HTML page with inline SVG bar charts.
import {
  LAYOUTS,
  TOLERANCE,
  WORKLOADS,
  workload,
  type CaseResult,
  type Layout,
  type VariantResult,
  type WorkloadId,
} from "./common.js";
import type { TfjsResult } from "./tfjs_paired.js";
import { tfjsNotes, tfjsTables } from "./tfjs_report.js";

export interface NumpyResult {
  label: string;
  oneThread: boolean;
  error?: string;
  steps?: number;
  median_s?: number;
  mean_s?: number;
  images_per_s?: number;
  numpy?: string;
}

export interface Report {
  date: string;
  seconds: number;
  args: { only: string[] | null; quick: boolean };
  machine: { cpu: string; cores: number; loadAtStart: number[]; loadAtEnd: number[]; platform: string };
  node: { version: string; v8: string };
  packages: Record<string, string>;
  zeroconv: string;
  variants: VariantResult[];
  numpy: NumpyResult[];
  /** T1-T4 (tfjs_paired.ts). */
  tfjs?: TfjsResult;
  /** merge.ts: the runs whose medians this report's cells are (a cell: the median of its runs' medians). */
  merged?: string[];
}

interface Table {
  head: string[];
  rows: string[][];
}

const LABELS: Record<string, string> = {
  "zeroconv-simd": "zeroconv 1T SIMD",
  "zeroconv-fma": "zeroconv 1T FMA",
  "zeroconv-fma-out": "zeroconv 1T FMA, opts.out",
  "zeroconv-2t": "zeroconv 2T",
  "zeroconv-2t-simd": "zeroconv 2T SIMD",
  "tfjs-wasm-1t": "tfjs-wasm 1T",
  "tfjs-wasm-2t": "tfjs-wasm 2T",
  "ort-web-1t": "ort-web 1T",
  "ort-web-2t": "ort-web 2T",
  "ort-node-1t": "ort-node 1T (native)",
  "ort-node-2t": "ort-node 2T (native)",
};
const BOOK_CORRECT = 9600;
const ACCURACY_SLACK = 5;

const num = (v: number) => (v >= 100 ? Math.round(v).toString() : v.toPrecision(3));
const ratio = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "–" : `${v.toFixed(2)}×`);
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function byVariant(r: Report, v: string): VariantResult | undefined {
  return r.variants.find((x) => x.variant === v);
}

/** A variant's case of w: with `layout`, the one in that layout (zeroconv runs W8-W14 in both), else the first. */
function caseOf(r: Report, v: string, w: WorkloadId, layout?: Layout): CaseResult | undefined {
  return byVariant(r, v)?.cases.find(
    (c) => c.workload === w && c.kernel === undefined && (layout === undefined || c.layout === layout),
  );
}

/** Median seconds of a timed case, or undefined. */
function median(r: Report, v: string, w: WorkloadId, layout?: Layout): number | undefined {
  if (w === "W7" && v.startsWith("numpy")) {
    return r.numpy.find((n) => n.oneThread === (v === "numpy-1t"))?.median_s;
  }
  return caseOf(r, v, w, layout)?.median;
}

/** Speed of a over speed of b on w (above 1: a is faster); a's case in layout `la` if given. */
function speedup(r: Report, a: string, b: string, w: WorkloadId, la?: Layout): number | undefined {
  const ta = median(r, a, w, la);
  const tb = median(r, b, w);
  return ta === undefined || tb === undefined ? undefined : tb / ta;
}

function peak(r: Report, kernel: "mul+add" | "relaxed_madd"): CaseResult | undefined {
  return byVariant(r, "peak")?.cases.find((c) => c.kernel === kernel);
}

/** The columns of the main table: every variant that ran, tfjs-wasm 2T only if it could. */
function columns(r: Report): { key: string; label: string }[] {
  const cols = r.variants
    .filter((v) => v.variant !== "peak" && (v.variant !== "tfjs-wasm-2t" || v.available))
    .map((v) => ({ key: v.variant, label: LABELS[v.variant] ?? v.variant }));
  for (const n of r.numpy)
    cols.push({
      key: n.oneThread ? "numpy-1t" : "numpy",
      label: n.oneThread ? "NumPy 1T (BLAS 1 thread)" : "NumPy (BLAS default threads)",
    });
  return cols;
}

function unavailableCell(reason: string): string {
  // "init({...}) throws: init: options.threads = 2 is not supported yet; ..." -> the part after "throws: "
  const short = reason.replace(/^.*? throws: /, "").replace(/^init: /, "");
  return `n/a (${clip(short, 70)})`;
}

function cell(r: Report, key: string, w: WorkloadId): string {
  const unit = workload(w).unit;
  if (key.startsWith("numpy")) {
    if (w !== "W7") return "–";
    const n = r.numpy.find((x) => x.oneThread === (key === "numpy-1t"));
    if (!n) return "–";
    return n.error ? `error (${clip(n.error, 50)})` : `${num(n.images_per_s!)} img/s`;
  }
  const v = byVariant(r, key);
  if (!v) return "–";
  if (!v.available) return unavailableCell(v.reason ?? "");
  return caseCell(caseOf(r, key, w), unit);
}

function caseCell(c: CaseResult | undefined, unit: string): string {
  if (!c) return "–";
  if (c.error) return `error (${clip(c.error, 50)})`;
  if (c.unavailable) return `n/a (${clip(c.unavailable, 50)})`;
  const bad = c.check && !c.check.ok ? " ✗ DISAGREES" : "";
  return `${num(c.value!)} ${unit}${disturbed(c) ? " †" : ""}${bad}`;
}

/** Other processes kept this many cores busy while a case was timed: its number is suspect. */
const DISTURBED_CORES = 0.3;
const disturbed = (c: CaseResult | undefined) => (c?.otherCores ?? 0) > DISTURBED_CORES;

function mainTable(r: Report): Table {
  const cols = columns(r);
  const rows: string[][] = [];
  for (const w of WORKLOADS) {
    if (w.id === "PEAK" || w.table !== "book") continue;
    const cells = cols.map((c) => cell(r, c.key, w.id));
    if (cells.every((x) => x === "–")) continue;
    rows.push([`${w.id} ${w.title}`, ...cells]);
    if (w.id === "W3") {
      const acc = cols.map((c) => {
        const x = caseOf(r, c.key, "W3")?.correct;
        if (x === undefined) return "–";
        return `${x}/10000${Math.abs(x - BOOK_CORRECT) > ACCURACY_SLACK ? " ✗" : ""}`;
      });
      if (acc.some((x) => x !== "–")) rows.push(["W3 accuracy (correct of 10000 test images)", ...acc]);
    }
  }
  const plain = peak(r, "mul+add");
  const fma = peak(r, "relaxed_madd");
  if (plain || fma) {
    const show = (c: CaseResult | undefined) =>
      !c ? "–" : c.error ? `n/a (${clip(c.error, 60)})` : `${num(c.value!)} GFLOP/s${disturbed(c) ? " †" : ""}`;
    rows.push([
      "WASM SIMD128 peak: mul+add (SIMD column), relaxed_madd (FMA column)",
      ...cols.map((c) => (c.key === "zeroconv-simd" ? show(plain) : c.key === "zeroconv-fma" ? show(fma) : "–")),
    ]);
  }
  return { head: ["workload", ...cols.map((c) => c.label)], rows };
}

// ---- W8-W14 ----
const MOBILE_IDS = WORKLOADS.filter((w) => w.table === "mobile").map((w) => w.id);
const WASM_PEERS_1T = ["tfjs-wasm-1t", "ort-web-1t"] as const;
/** Goals of issue 13 on W8-W14: zeroconv 1T FMA over the faster WASM 1T peer, and plain SIMD's floor. */
export const MOBILE_FMA_GOAL = 1.3;
export const MOBILE_SIMD_GOAL = 1.0;

/** The W8-W14 workloads this run has any case of. */
function mobileRan(r: Report): WorkloadId[] {
  return MOBILE_IDS.filter((w) => r.variants.some((v) => v.cases.some((c) => c.workload === w)));
}

/** One row of the W8-W14 table: a variant in one layout (zeroconv: both, each its own row). */
interface Series {
  key: string;
  label: string;
  layout?: Layout;
}

function mobileSeries(r: Report): Series[] {
  const ids = mobileRan(r);
  return r.variants.flatMap((v): Series[] => {
    if (v.variant === "peak" || (v.variant === "tfjs-wasm-2t" && !v.available)) return [];
    const mine = v.cases.filter((c) => ids.includes(c.workload));
    const label = LABELS[v.variant] ?? v.variant;
    if (!v.available) return [{ key: v.variant, label }];
    if (mine.length === 0) return [];
    if (v.variant.startsWith("zeroconv")) {
      return LAYOUTS.filter((l) => mine.some((c) => c.layout === l)).map((layout) => ({
        key: v.variant,
        label,
        layout,
      }));
    }
    return [{ key: v.variant, label, layout: mine.find((c) => c.layout)?.layout }];
  });
}

function mobileTable(r: Report): Table | null {
  const ids = mobileRan(r);
  if (ids.length === 0) return null;
  const rows = mobileSeries(r).map((s) => {
    const v = byVariant(r, s.key)!;
    const cells = ids.map((w) =>
      v.available ? caseCell(caseOf(r, s.key, w, s.key.startsWith("zeroconv") ? s.layout : undefined), "ms") : "",
    );
    if (!v.available) cells.fill(unavailableCell(v.reason ?? ""), 0, 1);
    return [s.label, s.layout ?? "–", ...cells];
  });
  return { head: ["variant", "layout", ...ids.map((w) => w)], rows };
}

/** The faster of tfjs-wasm 1T and ort-web 1T on w. */
function fasterWasmPeer(r: Report, w: WorkloadId): { key: string; median: number } | undefined {
  let best: { key: string; median: number } | undefined;
  for (const key of WASM_PEERS_1T) {
    const c = caseOf(r, key, w);
    if (c?.median === undefined || c.error || (c.check && !c.check.ok)) continue;
    if (!best || c.median < best.median) best = { key, median: c.median };
  }
  return best;
}

/** zeroconv 1T (variant, layout) over the faster WASM peer on w. */
function overPeer(r: Report, v: string, layout: Layout, w: WorkloadId): number | undefined {
  const peer = fasterWasmPeer(r, w);
  const t = median(r, v, w, layout);
  return peer && t !== undefined ? peer.median / t : undefined;
}

/** "met", "not met", or which layouts meet it. */
function goalVerdict(ratios: (number | undefined)[], goal: number): string {
  const known = ratios.map((x, i) => [x, LAYOUTS[i]] as const).filter(([x]) => x !== undefined);
  if (known.length === 0) return "–";
  const met = known.filter(([x]) => x! >= goal);
  if (met.length === known.length) return known.length === LAYOUTS.length ? "met (both layouts)" : `met (${met[0][1]})`;
  if (met.length === 0) return "not met";
  return `${met.map(([, l]) => l).join(", ")} only`;
}

function mobileRatioTables(r: Report): { title: string; table: Table }[] {
  const ids = mobileRan(r);
  if (ids.length === 0) return [];
  const out: { title: string; table: Table }[] = [];
  const ms = (v: number | undefined) => (v === undefined ? "–" : `${num(v * 1e3)} ms`);
  const rows = ids.map((w) => {
    const peer = fasterWasmPeer(r, w);
    const fma = LAYOUTS.map((l) => overPeer(r, "zeroconv-fma", l, w));
    const simd = LAYOUTS.map((l) => overPeer(r, "zeroconv-simd", l, w));
    const bestFma = Math.min(...LAYOUTS.map((l) => median(r, "zeroconv-fma", w, l) ?? Infinity));
    const node = median(r, "ort-node-1t", w);
    return [
      w,
      peer ? `${LABELS[peer.key]} ${ms(peer.median)}` : "–",
      ...fma.map(ratio),
      ...simd.map(ratio),
      ratio(node !== undefined && Number.isFinite(bestFma) ? node / bestFma : undefined),
      goalVerdict(fma, MOBILE_FMA_GOAL),
      goalVerdict(simd, MOBILE_SIMD_GOAL),
    ];
  });
  out.push({
    title:
      "W8-W14: zeroconv 1T over the faster WASM peer on one thread (tfjs-wasm 1T or ort-web 1T): speed ratio, above 1 zeroconv is faster; " +
      `goals: FMA ≥ ${MOBILE_FMA_GOAL.toFixed(1)}×, plain SIMD ≥ ${MOBILE_SIMD_GOAL.toFixed(1)}×`,
    table: {
      head: [
        "workload",
        "faster WASM peer, 1T",
        "FMA NCHW ÷ it",
        "FMA NHWC ÷ it",
        "SIMD NCHW ÷ it",
        "SIMD NHWC ÷ it",
        "faster FMA layout ÷ ort-node 1T (native)",
        `FMA ≥ ${MOBILE_FMA_GOAL.toFixed(1)}×`,
        `SIMD ≥ ${MOBILE_SIMD_GOAL.toFixed(1)}×`,
      ],
      rows,
    },
  });

  const reuse = ids.flatMap((w) =>
    LAYOUTS.flatMap((l) => {
      const [plain, withOut] = [median(r, "zeroconv-fma", w, l), median(r, "zeroconv-fma-out", w, l)];
      if (plain === undefined || withOut === undefined) return [];
      return [[w, l, ms(plain), ms(withOut), ms(plain - withOut), ratio(plain / withOut)]];
    }),
  );
  if (reuse.length) {
    out.push({
      title:
        "W8-W14: zeroconv 1T FMA writing into arrays allocated once (opts.out; W14: one per layer) against a new array per call",
      table: { head: ["workload", "layout", "new array", "opts.out", "saved per op", "speed ratio"], rows: reuse },
    });
  }

  const twoT = ids.flatMap((w) => {
    const cells = LAYOUTS.flatMap((l) => [
      ratio(speedup(r, "zeroconv-2t", "ort-web-2t", w, l)),
      ratio(
        median(r, "zeroconv-2t", w, l) !== undefined && median(r, "zeroconv-fma", w, l) !== undefined
          ? median(r, "zeroconv-fma", w, l)! / median(r, "zeroconv-2t", w, l)!
          : undefined,
      ),
    ]);
    return cells.every((c) => c === "–") ? [] : [[w, ...cells]];
  });
  if (twoT.length) {
    out.push({
      title: "W8-W14 on 2 threads: zeroconv 2T (FMA) over ort-web 2T, and over zeroconv 1T FMA in the same layout",
      table: {
        head: ["workload", "2T NCHW ÷ ort-web 2T", "2T NCHW ÷ 1T", "2T NHWC ÷ ort-web 2T", "2T NHWC ÷ 1T"],
        rows: twoT,
      },
    });
  }
  return out;
}

/** The faster of zeroconv's 1T builds on w. */
function bestOne(r: Report, w: WorkloadId): { key: string; which: string } | undefined {
  const s = median(r, "zeroconv-simd", w);
  const f = median(r, "zeroconv-fma", w);
  if (s === undefined && f === undefined) return undefined;
  if (f !== undefined && (s === undefined || f < s)) return { key: "zeroconv-fma", which: "FMA" };
  return { key: "zeroconv-simd", which: "SIMD" };
}

function ratioTables(r: Report): { title: string; table: Table }[] {
  const out: { title: string; table: Table }[] = [];
  const peers = ["W1", "W2", "W3", "W4", "W5", "W6"] as WorkloadId[];

  const vsPeers = peers.flatMap((w) => {
    const best = bestOne(r, w);
    if (!best) return [];
    return [
      [
        w,
        best.which,
        ratio(speedup(r, best.key, "tfjs-wasm-1t", w)),
        ratio(speedup(r, best.key, "ort-web-1t", w)),
        ratio(speedup(r, best.key, "ort-node-1t", w)),
      ],
    ];
  });
  if (vsPeers.length) {
    out.push({
      title:
        "zeroconv 1T (the faster of its SIMD and FMA builds) over each peer: speed ratio, above 1 zeroconv is faster",
      table: {
        head: ["workload", "zeroconv 1T build used", "÷ tfjs-wasm 1T", "÷ ort-web 1T", "÷ ort-node 1T (native)"],
        rows: vsPeers,
      },
    });
  }

  // The same build and calls, with and without one reused output array (peers have no such option: run.ts).
  const ms = (v: number | undefined) => (v === undefined ? "–" : `${num(v * 1e3)} ms`);
  const reuse = peers.flatMap((w) => {
    const [plain, withOut] = [median(r, "zeroconv-fma", w), median(r, "zeroconv-fma-out", w)];
    if (plain === undefined || withOut === undefined) return [];
    return [[w, ms(plain), ms(withOut), ms(plain - withOut), ratio(plain / withOut)]];
  });
  if (reuse.length) {
    out.push({
      title:
        "zeroconv 1T FMA with one preallocated output array passed as opts.out, against a new array per call: time per op and speed ratio",
      table: { head: ["workload", "new array", "opts.out", "saved per op", "speed ratio"], rows: reuse },
    });
  }

  const twoT = [...peers, "W7" as WorkloadId].flatMap((w) => {
    const best = bestOne(r, w);
    if (!best || median(r, "zeroconv-2t", w) === undefined) return [];
    // The same build on 1 and 2 threads: the plain SIMD pair (Node's default build).
    const plainPair =
      median(r, "zeroconv-2t-simd", w) === undefined ? "–" : ratio(speedup(r, "zeroconv-2t-simd", "zeroconv-simd", w));
    return [
      [
        w,
        `${ratio(speedup(r, "zeroconv-2t", best.key, w))} (vs ${best.which})`,
        plainPair,
        ratio(speedup(r, "zeroconv-2t", "ort-web-2t", w)),
      ],
    ];
  });
  if (twoT.length) {
    out.push({
      title:
        "zeroconv 2T: speed ratio over zeroconv 1T (2T FMA over the faster 1T build; 2T SIMD over 1T SIMD) and over ort-web 2T",
      table: { head: ["workload", "2T ÷ zeroconv 1T", "2T SIMD ÷ 1T SIMD", "2T ÷ ort-web 2T"], rows: twoT },
    });
  }

  const plain = peak(r, "mul+add")?.value;
  const fma = peak(r, "relaxed_madd")?.value;
  if (plain !== undefined || fma !== undefined) {
    const rows = r.variants
      .filter((v) => v.variant !== "peak")
      .flatMap((v) => {
        const c = caseOf(r, v.variant, "W6");
        if (!c?.value) return [];
        const pct = (p: number | undefined) => (p === undefined ? "–" : `${((100 * c.value!) / p).toFixed(0)}%`);
        return [[LABELS[v.variant] ?? v.variant, `${num(c.value)} GFLOP/s`, pct(plain), pct(fma)]];
      });
    out.push({
      title:
        `W6 SGEMM as a share of the measured one-core WASM SIMD128 peak (mul+add ${plain === undefined ? "–" : num(plain)}, ` +
        `relaxed_madd ${fma === undefined ? "–" : num(fma)} GFLOP/s); 2T and native rows can exceed 100%`,
      table: { head: ["variant", "W6", "% of mul+add peak", "% of FMA peak"], rows },
    });
  }

  const twoTs = ["zeroconv-2t", "zeroconv-2t-simd", "ort-web-2t", "ort-node-2t"].filter(
    (v) => byVariant(r, v)?.available,
  );
  const cpuRows = [...peers, "W7" as WorkloadId].flatMap((w) => {
    const cells = twoTs.map((v) => caseOf(r, v, w)?.cpuPerWall);
    return cells.some((c) => c !== undefined) ? [[w, ...cells.map((c) => (c === undefined ? "–" : c.toFixed(2)))]] : [];
  });
  if (cpuRows.length) {
    out.push({
      title: "Do the 2T variants use both cores? Process CPU time / wall time while timing (1: one core busy, 2: both)",
      table: { head: ["workload", ...twoTs.map((v) => LABELS[v])], rows: cpuRows },
    });
  }

  out.push(...mobileRatioTables(r));

  const w7 = ["zeroconv-simd", "zeroconv-fma", "zeroconv-2t"].flatMap((v) => {
    if (median(r, v, "W7") === undefined) return [];
    return [[LABELS[v], ratio(speedup(r, v, "numpy", "W7")), ratio(speedup(r, v, "numpy-1t", "W7"))]];
  });
  if (w7.length && r.numpy.length) {
    out.push({
      title: "W7 training step: zeroconv over the NumPy float64 stand-in, speed ratio",
      table: { head: ["zeroconv", "÷ NumPy (BLAS default threads)", "÷ NumPy 1T"], rows: w7 },
    });
  }
  return out;
}

function headerLines(r: Report): string[] {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  const np = r.numpy.find((n) => n.numpy)?.numpy;
  const pk = Object.entries(r.packages)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores (${r.machine.platform}); load average at start ${load(r.machine.loadAtStart)}, at end ${load(r.machine.loadAtEnd)}`,
    `Node ${r.node.version} (V8 ${r.node.v8}); zeroconv ${r.zeroconv}; ${pk}${np ? `; NumPy ${np}` : ""}`,
    `Threads: 1T = zeroconv init() on one thread, tfjs setThreadsCount(1), ort-web env.wasm.numThreads = 1, ` +
      `ort-node intraOpNumThreads 1 / interOpNumThreads 1 / sequential; 2T = the same with 2.`,
    `Date: ${r.date}; ${r.seconds.toFixed(0)} s${r.args.quick ? "; --quick (fewer samples)" : ""}${r.args.only ? `; --only ${r.args.only.join(",")}` : ""}`,
    ...(r.merged
      ? [
          `Merged (bench/peers/merge.ts): every cell is the median of ${r.merged.length} runs' medians (with 2, their mean), its † from the median of their other-process loads, its check the worst of them: ${r.merged.join(", ")}`,
        ]
      : []),
  ];
}

function notes(r: Report): string[] {
  // A T1-T4 run alone (--only T1,T2,T3,T4): the notes on the other variants do not apply.
  if (r.variants.length === 0 && r.tfjs) return tfjsNotes(r.tfjs);
  const n: string[] = [];
  n.push(
    "Each cell is the median of benny's samples (minSamples 10, maxTime 1.5 s; --quick: 5, 0.4 s) after ~300 ms of warm-up calls " +
      "(V8 tiers WASM and JS up only after a few ms of work). ms: per op; GFLOP/s: 2·M·N·K (convolutions counted as their GEMM); img/s: 100 / median.",
  );
  n.push(
    "Every op is the API-level cost a user pays: float32 typed arrays in, the output read back into a typed array. " +
      "zeroconv wraps them in Tensors and copies inputs and weights into WASM memory inside each call; tfjs creates tf.tensor()s " +
      "from them and reads back with dataSync(); ONNX Runtime wraps them in ort.Tensors and returns the output's Float32Array.",
  );
  n.push(
    "Layouts: zeroconv and ONNX Runtime take NCHW and the book's weights as they are. tfjs-wasm takes only NHWC (channelsLast) " +
      "with HWIO filters: inputs and filters were converted ONCE, outside the timed function, and its outputs stay NHWC " +
      "(converted back only for the agreement check); for W3 the rows of W2 were permuted once to match NHWC flattening.",
  );
  n.push(
    "Models: ONNX graphs built in code (bench/peers/onnx_model.ts, opset 13: Conv, MaxPool, Relu, Flatten, Gemm, MatMul), " +
      "the book's weights as initializers. W6 feeds both MatMul operands as inputs (as zeroconv's matmul(a, b) takes them), so no constant B is pre-packed. " +
      "tfjs W3 uses tf.fused.conv2d (bias + relu) and tf.fused.matMul.",
  );
  const checks = r.variants.flatMap((v) => v.cases.filter((c) => c.check).map((c) => ({ v: v.variant, c })));
  if (checks.length) {
    const bad = checks.filter((x) => !x.c.check!.ok);
    const worst = Math.max(
      ...checks.filter((x) => x.c.check!.ok && x.v !== "zeroconv-simd").map((x) => x.c.check!.relErr),
      0,
    );
    const checked = WORKLOADS.filter((w) => checks.some((x) => x.c.workload === w.id))
      .map((w) => w.id)
      .join(", ");
    const loose = WORKLOADS.filter((w) => w.tolerance !== undefined && checks.some((x) => x.c.workload === w.id))
      .map((w) => `${w.id} < ${w.tolerance}`)
      .join(", ");
    const bound = `max |diff| / max |ref| < ${TOLERANCE}${loose ? `; ${loose}` : ""}`;
    const others = [...new Set(checks.map((x) => x.c.check!.against))].filter(
      (a) => a !== "zeroconv 1T SIMD" && !a.startsWith("itself") && !a.includes("written as the reference"),
    );
    n.push(
      bad.length === 0
        ? `Agreement: every output of ${checked} agrees with zeroconv 1T SIMD's (NCHW where it runs both layouts; ${bound}; the largest was ${worst.toExponential(1)})` +
            `${others.length ? `, or, where zeroconv lacks the op, with ${others.join("; ")}` : ""}.`
        : `Agreement: ✗ ${bad.map((x) => `${LABELS[x.v] ?? x.v} ${x.c.workload}${x.c.layout ? ` ${x.c.layout}` : ""} (${x.c.check!.relErr.toExponential(1)})`).join(", ")} DISAGREE with the reference (${bound}).`,
    );
  }
  if (mobileRan(r).length) {
    n.push(
      "W8-W14 (batch 1, seeded random weights, bench/peers/common.ts and mobilenet_v2.ts): zeroconv runs each case twice, NCHW (OIHW filters) " +
        "and NHWC (HWIO filters; NHWC depthwise through depthwiseConv2d), both from the same data converted once outside the timing; NCHW is the reference. " +
        "tfjs-wasm runs NHWC (tf.fused.conv2d / tf.fused.depthwiseConv2d with bias and relu6 fused, tf.avgPool 'same', tf.mean); " +
        "ONNX Runtime NCHW (Conv with group, dilations and pads, then Clip(0, 6), which ORT fuses into the conv; AveragePool count_include_pad = 0; GlobalAveragePool; Add; Gemm).",
    );
    n.push(
      "W14, MobileNetV2-1.0 at 224×224 (bench/peers/mobilenet_v2.ts, from the paper's Table 2): a 3×3 stride-2 conv to 32, the 17 inverted-residual blocks, " +
        "a 1×1 conv to 1280, global average pool and a 1000-way affine; BatchNorm folded into each conv's weights and bias, relu6, " +
        "3×3 convs padded TensorFlow's 'same'. zeroconv's case makes one call per layer, each copying its input and weights into WASM memory " +
        "and its output out (about 14 MB of weights per image); the residual adds and the affine's bias run in JS. The peers keep their weights resident.",
    );
  }
  const caseNotes = new Map<string, string[]>();
  for (const v of r.variants)
    for (const c of v.cases) {
      if (!c.note || !mobileRan(r).includes(c.workload)) continue;
      const who = `${LABELS[v.variant] ?? v.variant} ${c.workload}${c.layout && v.variant.startsWith("zeroconv") ? ` ${c.layout}` : ""}`;
      caseNotes.set(c.note, [...(caseNotes.get(c.note) ?? []), who]);
    }
  for (const [note, who] of caseNotes) n.push(`${note} (${who.join(", ")}).`);
  const na = new Map<string, string[]>();
  for (const v of r.variants)
    for (const c of v.cases)
      if (c.unavailable)
        na.set(c.unavailable, [
          ...(na.get(c.unavailable) ?? []),
          `${LABELS[v.variant] ?? v.variant} ${c.workload}${c.layout ? ` ${c.layout}` : ""}`,
        ]);
  for (const [why, who] of na) n.push(`n/a: ${why}: ${who.join(", ")}.`);
  const acc = r.variants.flatMap((v) =>
    v.cases.filter((c) => c.correct !== undefined).map((c) => `${LABELS[v.variant] ?? v.variant} ${c.correct}`),
  );
  if (acc.length)
    n.push(
      `W3 accuracy before timing, correct of 10000 (the book's weights give ${BOOK_CORRECT} in float64; more than ${ACCURACY_SLACK} off is an error): ${acc.join(", ")}.`,
    );
  for (const v of r.variants) {
    if (v.available) continue;
    if (v.variant === "tfjs-wasm-2t") {
      n.push(
        "tfjs-wasm 2T: not run. tfjs-backend-wasm reports WASM_HAS_MULTITHREAD_SUPPORT = false whenever it runs in Node (tensorflow/tfjs#3830), " +
          "so it loads the single-threaded SIMD binary; forced, its Emscripten pthread loader starts workers from blob: URLs, which Node's " +
          `worker_threads refuse. This run's attempt: ${clip(v.reason ?? "", 260)}`,
      );
    } else n.push(`${LABELS[v.variant] ?? v.variant}: n/a: ${v.reason}`);
  }
  const info = (v: string) => byVariant(r, v)?.info;
  if (info("tfjs-wasm-1t")?.binary)
    n.push(
      `tfjs-wasm 1T ran ${String(info("tfjs-wasm-1t")!.binary)} (SIMD; the other binaries were mapped to missing files, so it could have loaded no other).`,
    );
  if (byVariant(r, "ort-web-1t"))
    n.push(
      "ort-web ships one WebAssembly binary, ort-wasm-simd-threaded.wasm (SIMD128 and threads, no relaxed SIMD); numThreads picks the pool size. In Node its pthreads are worker_threads.",
    );
  const threads = (["zeroconv-2t", "ort-web-2t", "ort-node-2t"] as const).flatMap((v) => {
    const t = byVariant(r, v)?.info;
    return t && t.osThreadsAtStart !== undefined
      ? [`${LABELS[v]} ${String(t.osThreadsAtStart)} → ${String(t.osThreadsAtEnd)}`]
      : [];
  });
  if (threads.length)
    n.push(
      `OS threads of the 2T processes, before init → at the end (Node itself runs about 12): ${threads.join("; ")}.`,
    );
  const hit = r.variants.flatMap((v) =>
    v.cases
      .filter(disturbed)
      .map(
        (c) =>
          `${LABELS[v.variant] ?? v.variant} ${c.workload}${c.kernel ? ` ${c.kernel}` : ""} ${c.otherCores!.toFixed(1)}`,
      ),
  );
  const others = r.variants.flatMap((v) =>
    v.cases.map((c) => c.otherCores).filter((x): x is number => x !== undefined),
  );
  if (hit.length) {
    n.push(
      `† The machine was not idle: other processes kept more than ${DISTURBED_CORES} of its ${r.machine.cores} cores busy while these cells were timed ` +
        `(cores): ${hit.join(", ")}. They compete for the cores, so those numbers are low, 2T ones most of all; rerun for clean figures.`,
    );
  } else if (others.length) {
    n.push(
      `Other processes kept at most ${Math.max(...others).toFixed(2)} cores busy while any cell was timed (system-wide /proc/stat minus the benchmark's own CPU time).`,
    );
  }
  if (byVariant(r, "zeroconv-fma-out")) {
    n.push(
      "zeroconv 1T FMA, opts.out: the FMA build's calls, each passing one output Tensor allocated once per workload as opts.out, " +
        "so no call allocates its result (W1, W2, W4-W6, W8-W11, W13, and in W14 one per layer; SimpleConvNet takes no out). The peers get no such column: onnxruntime-web 1.23.2 " +
        "accepts a pre-allocated CPU output in session.run's fetches but returns it unwritten on the wasm backend (microsoft/onnxruntime#25786), " +
        "and tfjs's dataSync() returns a new array every call.",
    );
  }
  n.push(
    "ort-node is native code (x86 AVX2/AVX-512 kernels), the reference point: the WASM SIMD128 peak does not bound it.",
  );
  n.push(
    "WASM SIMD128 peak: bench/peers/simd_peak.ts, 10 independent f32x4 accumulator chains in registers, each step acc·m + a " +
      "(f32x4.mul + f32x4.add in the plain build, f32x4.relaxed_madd in the relaxed one; multipliers loaded from memory before the loop), one core.",
  );
  const np = r.numpy.filter((x) => !x.error);
  if (np.length)
    n.push(
      `NumPy stand-in (bench/peers/numpy_train.py): the book's layers in float64 (im2col in kernel order, np.dot, col2im for pooling's backward, Adam), ` +
        `real MNIST training batches of 100 from the book's weights, median of ${np[0].steps} steps after 2 warm-up steps.`,
    );
  if (r.tfjs) n.push(...tfjsNotes(r.tfjs));
  return n;
}

// ---- Markdown ----
function mdTable(t: Table): string[] {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${t.head.map(esc).join(" | ")} |`,
    `|${t.head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...t.rows.map((row) => `| ${row.map(esc).join(" | ")} |`),
  ];
}

const MOBILE_TITLE =
  "W8-W14, batch 1: ms per op, lower is better (W8 depthwise 3×3 s1, W9 depthwise 3×3 s2, W10 pointwise 1×1, W11 dilated 3×3, " +
  "W12a average pool 3×3, W12b global average pool, W13 grouped 3×3 (32 groups), W14 MobileNetV2-1.0)";

export function renderMarkdown(r: Report): string {
  const out = ["# zeroconv and its peers", "", ...headerLines(r).map((l) => `${l}  `), ""];
  const main = mainTable(r);
  if (main.rows.length) out.push(...mdTable(main), "");
  const mobile = mobileTable(r);
  if (mobile) out.push(`**${MOBILE_TITLE}**`, "", ...mdTable(mobile), "");
  for (const { title, table } of ratioTables(r)) out.push(`**${title}**`, "", ...mdTable(table), "");
  if (r.tfjs) {
    out.push("## TensorFlow.js backend (T1–T4)", "");
    for (const t of tfjsTables(r.tfjs)) out.push(`**${t.title}**`, "", ...mdTable(t), "");
  }
  out.push("Notes:", "", ...notes(r).map((n) => `- ${n}`), "");
  return out.join("\n");
}

// ---- HTML ----
const escHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function htmlTable(t: Table): string {
  return (
    `<table><thead><tr>${t.head.map((h) => `<th>${escHtml(h)}</th>`).join("")}</tr></thead><tbody>` +
    t.rows
      .map(
        (row) =>
          `<tr>${row.map((c, i) => `<${i === 0 ? "th" : "td"}>${escHtml(c)}</${i === 0 ? "th" : "td"}>`).join("")}</tr>`,
      )
      .join("") +
    "</tbody></table>"
  );
}

/** A horizontal bar chart of one workload's values, one bar per variant that has one. */
function chart(r: Report, w: WorkloadId): string {
  const wl = workload(w);
  const bars: { label: string; value: number; zeroconv: boolean }[] = [];
  if (w === "PEAK") {
    for (const k of ["mul+add", "relaxed_madd"] as const) {
      const v = peak(r, k)?.value;
      if (v !== undefined) bars.push({ label: `peak ${k}`, value: v, zeroconv: false });
    }
  } else if (wl.table === "mobile") {
    for (const s of mobileSeries(r)) {
      const m = median(r, s.key, w, s.key.startsWith("zeroconv") ? s.layout : undefined);
      if (m === undefined) continue;
      bars.push({
        label: `${s.label}${s.layout ? ` ${s.layout}` : ""}`,
        value: m * 1e3,
        zeroconv: s.key.startsWith("zeroconv"),
      });
    }
  } else {
    for (const c of columns(r)) {
      const m = median(r, c.key, w);
      if (m === undefined) continue;
      bars.push({
        label: c.label,
        value: wl.unit === "ms" ? m * 1e3 : wl.unit === "GFLOP/s" ? wl.work / m / 1e9 : wl.work / m,
        zeroconv: c.key.startsWith("zeroconv"),
      });
    }
  }
  if (bars.length === 0) return "";
  const max = Math.max(...bars.map((b) => b.value));
  const [labelW, barW, rowH] = [240, 420, 24];
  const height = bars.length * rowH + 8;
  const svg = bars
    .map((b, i) => {
      const y = 4 + i * rowH;
      const width = Math.max(1, (b.value / max) * barW);
      return (
        `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escHtml(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowH - 8}" fill="${b.zeroconv ? "#2b7bb9" : "#9aa5b1"}"/>` +
        `<text x="${(labelW + width + 6).toFixed(1)}" y="${y + 15}">${escHtml(`${num(b.value)} ${wl.unit}`)}</text>`
      );
    })
    .join("");
  const better = wl.unit === "ms" ? "lower is better" : "higher is better";
  return (
    `<figure><figcaption>${escHtml(`${w === "PEAK" ? "" : `${w} `}${wl.title} — ${wl.unit}, ${better}`)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 110}" height="${height}" font-family="sans-serif" font-size="12">${svg}</svg></figure>`
  );
}

export function renderHtml(r: Report): string {
  const charts = WORKLOADS.map((w) => chart(r, w.id))
    .filter((s) => s !== "")
    .join("\n");
  const ratios = ratioTables(r)
    .map(({ title, table }) => `<h3>${escHtml(title)}</h3>${htmlTable(table)}`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zeroconv and its peers</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 1400px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; } td { text-align: right; } tbody th { text-align: left; font-weight: normal; }
figure { margin: 1.5em 0; } figcaption { font-weight: bold; margin-bottom: .3em; }
li { margin: .3em 0; } .meta { color: #555; }
</style></head><body>
<h1>zeroconv and its peers</h1>
${headerLines(r)
  .map((l) => `<p class="meta">${escHtml(l)}</p>`)
  .join("\n")}
${mainTable(r).rows.length ? htmlTable(mainTable(r)) : ""}
${mobileTable(r) ? `<h3>${escHtml(MOBILE_TITLE)}</h3>${htmlTable(mobileTable(r)!)}` : ""}
${ratios}
${
  r.tfjs
    ? `<h2>TensorFlow.js backend (T1–T4)</h2>${tfjsTables(r.tfjs)
        .map((t) => `<h3>${escHtml(t.title)}</h3>${htmlTable(t)}`)
        .join("\n")}`
    : ""
}
<h2>Charts</h2>
<p class="meta">zeroconv in blue.</p>
${charts}
<h2>Notes</h2>
<ul>${notes(r)
    .map((n) => `<li>${escHtml(n)}</li>`)
    .join("")}</ul>
</body></html>
`;
}

/** What makes the run fail: disagreeing outputs, accuracy off, case errors in variants that ran. */
export function reportProblems(r: Report): string[] {
  const p: string[] = [];
  for (const v of r.variants) {
    if (!v.available && v.reason?.startsWith("failed")) p.push(`${v.variant}: ${v.reason}`);
    for (const c of v.cases) {
      const name = `${v.variant} ${c.workload}${c.kernel ? ` ${c.kernel}` : ""}`;
      if (c.error && c.workload !== "PEAK") p.push(`${name}: ${c.error}`);
      if (c.check && !c.check.ok)
        p.push(
          `${name}: output disagrees with ${c.check.against} (max |diff| / max |ref| = ${c.check.relErr.toExponential(2)})`,
        );
      if (c.correct !== undefined && Math.abs(c.correct - BOOK_CORRECT) > ACCURACY_SLACK)
        p.push(`${name}: ${c.correct}/10000 correct, more than ${ACCURACY_SLACK} from ${BOOK_CORRECT}`);
    }
  }
  for (const n of r.numpy) if (n.error) p.push(`numpy (${n.label}): ${n.error}`);
  for (const b of r.tfjs?.backends ?? []) {
    if (b.failed || b.info.failed) p.push(`${b.backend}: ${b.failed ?? b.info.failed}`);
    for (const c of b.cases) {
      if (c.error) p.push(`${b.backend} ${c.id}: ${c.error}`);
      if (c.correct !== undefined && Math.abs(c.correct - BOOK_CORRECT) > ACCURACY_SLACK)
        p.push(`${b.backend} ${c.id}: ${c.correct}/10000 correct, more than ${ACCURACY_SLACK} from ${BOOK_CORRECT}`);
    }
  }
  for (const [k, c] of Object.entries(r.tfjs?.checks ?? {}))
    if (!c.ok) p.push(`${k}: disagrees with ${c.against} (max |diff| / max |ref| = ${c.relErr.toExponential(2)})`);
  return p;
}
