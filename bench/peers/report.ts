// The report of `npm run bench:peers`: one set of tables, rendered as Markdown (printed and
// bench/results/peers.md) and as a self-contained HTML page with inline SVG bar charts.
import { TOLERANCE, WORKLOADS, workload, type CaseResult, type VariantResult, type WorkloadId } from "./common.js";

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

function caseOf(r: Report, v: string, w: WorkloadId): CaseResult | undefined {
  return byVariant(r, v)?.cases.find((c) => c.workload === w && c.kernel === undefined);
}

/** Median seconds of a timed case, or undefined. */
function median(r: Report, v: string, w: WorkloadId): number | undefined {
  if (w === "W7" && v.startsWith("numpy")) {
    return r.numpy.find((n) => n.oneThread === (v === "numpy-1t"))?.median_s;
  }
  return caseOf(r, v, w)?.median;
}

/** Speed of a over speed of b on w (above 1: a is faster). */
function speedup(r: Report, a: string, b: string, w: WorkloadId): number | undefined {
  const ta = median(r, a, w);
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
  const c = caseOf(r, key, w);
  if (!c) return "–";
  if (c.error) return `error (${clip(c.error, 50)})`;
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
    if (w.id === "PEAK") continue;
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
  ];
}

function notes(r: Report): string[] {
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
    n.push(
      bad.length === 0
        ? `Agreement: every W1, W2, W4-W6 output agrees with zeroconv 1T SIMD's (max |diff| / max |ref| < ${TOLERANCE}; the largest was ${worst.toExponential(1)}).`
        : `Agreement: ✗ ${bad.map((x) => `${LABELS[x.v] ?? x.v} ${x.c.workload} (${x.c.check!.relErr.toExponential(1)})`).join(", ")} DISAGREE with zeroconv 1T SIMD (tolerance ${TOLERANCE}).`,
    );
  }
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
        "so no call allocates its result (W1, W2, W4-W6; SimpleConvNet takes no out). The peers get no such column: onnxruntime-web 1.23.2 " +
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

export function renderMarkdown(r: Report): string {
  const out = [
    "# zeroconv and its peers",
    "",
    ...headerLines(r).map((l) => `${l}  `),
    "",
    ...mdTable(mainTable(r)),
    "",
  ];
  for (const { title, table } of ratioTables(r)) out.push(`**${title}**`, "", ...mdTable(table), "");
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
  const [labelW, barW, rowH] = [190, 420, 24];
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
${htmlTable(mainTable(r))}
${ratios}
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
  return p;
}
