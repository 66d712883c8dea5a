// The T1-T4 section of bench:peers' report (tfjs_paired.ts's result): times per backend, the
// issue's goals as ratios taken within each round, the agreement checks, and where tfjs +
// zeroconv spends its time, kernel by kernel (tf.profile).
import { workload } from "./common.js";
import type { TfjsResult } from "./tfjs_paired.js";
import type { TfjsBackend, TfjsCaseId } from "./tfjs_variant.js";

export interface TfjsTable {
  title: string;
  head: string[];
  rows: string[][];
}

const LABELS: Record<TfjsBackend, string> = {
  "tfjs-cpu": "tfjs-cpu",
  "tfjs-wasm-1t": "tfjs-wasm 1T",
  "tfjs-zeroconv-1t": "tfjs + zeroconv 1T FMA",
  "tfjs-zeroconv-2t": "tfjs + zeroconv 2T FMA",
};

const num = (v: number) => (v >= 100 ? Math.round(v).toString() : v.toPrecision(3));
const mid = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Median ms per op of a case: its slices, or tfjs-cpu T2's one timed step. */
function msOf(r: TfjsResult, b: TfjsBackend, id: TfjsCaseId): number {
  const s = r.slices[`${b} ${id}`];
  if (s) return mid(s.ms);
  const step = r.backends.find((x) => x.backend === b)?.cases.find((c) => c.id === id)?.stepSeconds;
  return step === undefined ? Number.NaN : step * 1e3;
}

function valueCell(r: TfjsResult, b: TfjsBackend, id: TfjsCaseId): string {
  const be = r.backends.find((x) => x.backend === b);
  if (!be) return "–";
  if (be.failed || be.info.failed) return `failed (${clip(String(be.failed ?? be.info.failed), 60)})`;
  const c = be.cases.find((x) => x.id === id);
  if (!c) return "–";
  if (c.unavailable) return `cannot (${clip(c.unavailable.replace(/^model.trainOnBatch throws: /, ""), 70)})`;
  if (c.error) return `error (${clip(c.error, 60)})`;
  const ms = msOf(r, b, id);
  const w = workload(id);
  const check = r.checks[`${b} ${id}`];
  const bad = check && !check.ok ? " ✗ DISAGREES" : "";
  const single = b === "tfjs-cpu" && id === "T2" ? " (1 step)" : "";
  return w.unit === "img/s" ? `${num((w.work * 1e3) / ms)} img/s${single}${bad}` : `${num(ms)} ms${bad}`;
}

/**
 * a's speed over b's: the median over rounds of b's time over a's within the round; where b has no
 * slices (tfjs-cpu T2), its one time over a's median.
 */
function ratioOf(r: TfjsResult, a: string, b: string): { ratio: number; lo: number; hi: number } | undefined {
  const sa = r.slices[a];
  const [bb, bid] = b.split(" ") as [TfjsBackend, TfjsCaseId];
  if (!sa) return undefined;
  const sb = r.slices[b];
  const per = sb ? sa.ms.map((t, k) => sb.ms[k] / t) : sa.ms.map((t) => msOf(r, bb, bid) / t);
  return spread(per);
}

/**
 * The same ratio in CPU time per call (wall time × the process's CPU / wall over the slice): what
 * a 1-thread case costs whatever share of a core the other processes leave it.
 */
function cpuRatioOf(r: TfjsResult, a: string, b: string): { ratio: number; lo: number; hi: number } | undefined {
  const cpuMs = (s: TfjsResult["slices"][string]) => s.ms.map((t, k) => t * (s.cpuPerWall[k] ?? Number.NaN));
  const sa = r.slices[a];
  if (!sa) return undefined;
  const sb = r.slices[b];
  const [bb, bid] = b.split(" ") as [TfjsBackend, TfjsCaseId];
  const step = r.backends.find((x) => x.backend === bb)?.cases.find((c) => c.id === bid)?.stepCpuSeconds;
  const ca = cpuMs(sa);
  const per = sb ? cpuMs(sb).map((t, k) => t / ca[k]) : ca.map((t) => ((step ?? Number.NaN) * 1e3) / t);
  return spread(per);
}

function spread(per: number[]): { ratio: number; lo: number; hi: number } | undefined {
  const finite = per.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  return { ratio: mid(finite), lo: Math.min(...finite), hi: Math.max(...finite) };
}

const GOALS: { label: string; a: string; b: string; goal: number }[] = [
  { label: "T1 tfjs + zeroconv 1T ÷ tfjs-wasm 1T", a: "tfjs-zeroconv-1t T1", b: "tfjs-wasm-1t T1", goal: 1.5 },
  { label: "T1 tfjs + zeroconv 1T ÷ tfjs-cpu", a: "tfjs-zeroconv-1t T1", b: "tfjs-cpu T1", goal: 0 },
  { label: "T2 tfjs + zeroconv 1T ÷ tfjs-cpu", a: "tfjs-zeroconv-1t T2", b: "tfjs-cpu T2", goal: 100 },
  {
    label: "T2 tfjs + zeroconv 1T ÷ zeroconv's own training step (W7)",
    a: "tfjs-zeroconv-1t T2",
    b: "tfjs-zeroconv-1t W7",
    goal: 0.4,
  },
  { label: "T3 tfjs + zeroconv 1T ÷ tfjs-wasm 1T", a: "tfjs-zeroconv-1t T3", b: "tfjs-wasm-1t T3", goal: 1.2 },
  { label: "T3 tfjs + zeroconv 1T ÷ tfjs-cpu", a: "tfjs-zeroconv-1t T3", b: "tfjs-cpu T3", goal: 0 },
  { label: "T4 (T1) tfjs + zeroconv 2T ÷ 1T", a: "tfjs-zeroconv-2t T1", b: "tfjs-zeroconv-1t T1", goal: 1.6 },
  { label: "T4 (T3) tfjs + zeroconv 2T ÷ 1T", a: "tfjs-zeroconv-2t T3", b: "tfjs-zeroconv-1t T3", goal: 1.6 },
];

export function tfjsTables(r: TfjsResult): TfjsTable[] {
  const out: TfjsTable[] = [];
  const present = (Object.keys(LABELS) as TfjsBackend[]).filter((b) => r.backends.some((x) => x.backend === b));
  const ids = (["T1", "T2", "T3"] as const).filter((id) => r.backends.some((b) => b.cases.some((c) => c.id === id)));
  const ownStep = r.slices["tfjs-zeroconv-1t W7"];
  out.push({
    title:
      "T1-T3 on tfjs's backends, each in its own process, timed in alternating slices (median over rounds; T1 and T2 in img/s, higher is better; T3 ms per image, lower is better)",
    head: ["workload", ...present.map((b) => LABELS[b]), "zeroconv's own (W7)"],
    rows: ids.map((id) => [
      `${id} ${workload(id).title}`,
      ...present.map((b) => valueCell(r, b, id)),
      id === "T2" && ownStep ? `${num(1e5 / mid(ownStep.ms))} img/s` : "–",
    ]),
  });

  const rows = GOALS.flatMap((g) => {
    const x = ratioOf(r, g.a, g.b);
    if (!x) return [];
    const load = mid([...(r.slices[g.a]?.otherCores ?? []), ...(r.slices[g.b]?.otherCores ?? [])]);
    // CPU time adds up a 2-thread process's threads: no measure of T4's speed-up.
    const c = g.a.startsWith("tfjs-zeroconv-2t") ? undefined : cpuRatioOf(r, g.a, g.b);
    return [
      [
        g.label,
        `${x.ratio.toFixed(2)}×`,
        r.slices[g.b] ? `${x.lo.toFixed(2)}–${x.hi.toFixed(2)}×` : "(one step)",
        c ? `${c.ratio.toFixed(2)}× (${c.lo.toFixed(2)}–${c.hi.toFixed(2)}×)` : "–",
        g.goal ? `≥ ${g.goal}×` : "–",
        g.goal ? (x.ratio >= g.goal ? "met" : "not met") : "–",
        Number.isFinite(load) ? load.toFixed(2) : "–",
      ],
    ];
  });
  if (rows.length)
    out.push({
      title:
        "T1-T4 goals: speed ratio, the median over rounds of the two cases' times within a round (above 1: the first is faster); " +
        "beside it the same from CPU time per call, which a loaded machine disturbs less for one-thread cases",
      head: [
        "ratio",
        "median",
        "range over rounds",
        "by CPU time per call: median (range)",
        "goal",
        "verdict (wall)",
        "other processes, cores (median)",
      ],
      rows,
    });

  const checks = Object.entries(r.checks).map(([k, c]) => {
    const [b, id] = k.split(" ") as [TfjsBackend, TfjsCaseId];
    return [
      id,
      LABELS[b],
      c.against,
      c.relErr.toExponential(1),
      `< ${workload(id).tolerance ?? 1e-4}`,
      c.ok ? "✓" : "✗",
    ];
  });
  const correct = r.backends.flatMap((b) =>
    b.cases.filter((c) => c.correct !== undefined).map((c) => `${LABELS[b.backend]} ${c.correct}`),
  );
  if (checks.length || correct.length)
    out.push({
      title: `Agreement (max |diff| / max |ref|; T1 test batch 0's scores, T2 the first two steps' losses from the book's weights, T3 the logits)${correct.length ? `; T1 correct of 10000 test images: ${correct.join(", ")}` : ""}`,
      head: ["workload", "backend", "against", "error", "bound", "ok"],
      rows: checks,
    });

  const z = r.backends.find((b) => b.backend === "tfjs-zeroconv-1t");
  for (const c of z?.cases ?? []) {
    if (!c.profile) continue;
    const total = c.profile.kernels.reduce((a, k) => a + k.msPerOp, 0);
    const shown = c.profile.kernels.filter((k) => k.msPerOp >= 0.005 * total);
    const rest = c.profile.kernels.length - shown.length;
    out.push({
      title:
        `tfjs + zeroconv 1T, ${c.id}: where an op's time goes, kernel by kernel (tf.profile of 3 ops; ` +
        `${num(c.profile.wallMsPerOp)} ms wall per op under the profiler, ${num(total)} ms in kernels` +
        `${rest ? `; ${rest} kernels under 0.5% left out` : ""})`,
      head: ["kernel", "ms per op", "share", "calls per op", "on zeroconv / to the CPU kernel, per op"],
      rows: shown.map((k) => [
        k.kernel,
        k.msPerOp.toFixed(2),
        `${((100 * k.msPerOp) / total).toFixed(1)}%`,
        num(k.callsPerOp),
        k.onZeroconv === undefined ? "tfjs-backend-cpu's" : `${num(k.onZeroconv)} / ${num(k.toCpu ?? 0)}`,
      ]),
    });
  }
  return out;
}

export function tfjsNotes(r: TfjsResult): string[] {
  const n: string[] = [];
  const names = r.backends.map((b) => LABELS[b.backend]).join(", ");
  n.push(
    `T1-T4 (bench/peers/tfjs_paired.ts, tfjs_variant.ts): ${names} each run in a node process of their own (all with --experimental-wasm-relaxed-simd), ` +
      `alive together; ${r.rounds} rounds in which each case runs for one slice (${r.sliceMs} ms and at least 2 calls; tfjs-cpu one call) in turn, in a different order each round. ` +
      "Each process warmed its cases up (≥ 300 ms and 3 calls) before the first round. A ratio is taken within each round, then the median over rounds.",
  );
  n.push(
    "T1/T2's model: tf.sequential of conv2d (30 5×5 filters, valid, relu), maxPooling2d 2×2 s2, flatten, dense 100 relu, dense 10, " +
      "with the book's trained weights (params.pkl; filters as HWIO, the first dense's rows permuted for NHWC flattening). " +
      "T1 is model.predict on one test batch of 100 (batchSize 100), read back with dataSync(); T2 is one model.trainOnBatch " +
      "(Adam lr 0.001, tf.losses.softmaxCrossEntropy on the logits) on one of the first 20 training batches of 100. " +
      "T3 is W14's MobileNetV2-1.0 as tfjs ops (lib_tfjs.ts: tf.fused.conv2d / depthwiseConv2d with bias and relu6, tf.add, tf.mean, tf.fused.matMul) on the active backend.",
  );
  const cpuStep = r.backends.find((b) => b.backend === "tfjs-cpu")?.cases.find((c) => c.id === "T2");
  if (cpuStep?.stepSeconds !== undefined)
    n.push(
      `tfjs-cpu T2: ${cpuStep.stepSeconds.toFixed(1)} s for one step (the process's second; the first traces the graph), timed once before the rounds: its ratio is that one time over zeroconv's median.`,
    );
  for (const b of r.backends)
    for (const c of b.cases) if (c.unavailable) n.push(`${LABELS[b.backend]} ${c.id} cannot run: ${c.unavailable}.`);
  const twoT = r.backends.find((b) => b.backend === "tfjs-zeroconv-2t");
  if (twoT) {
    const cpw = (["T1", "T3"] as const)
      .map((id) => [id, mid(r.slices[`tfjs-zeroconv-2t ${id}`]?.cpuPerWall ?? [])] as const)
      .filter(([, v]) => Number.isFinite(v))
      .map(([id, v]) => `${id} ${v.toFixed(2)}`);
    if (cpw.length)
      n.push(
        `tfjs + zeroconv 2T: process CPU time / wall time while its slices ran (2 = both cores busy): ${cpw.join(", ")}. ` +
          "Only zeroconv's kernels run on 2 threads; tfjs-backend-cpu's kernels and tfjs itself run on the main thread.",
      );
  }
  const others = Object.values(r.slices).flatMap((s) => s.otherCores);
  if (others.length)
    n.push(
      `Other processes kept ${mid(others).toFixed(2)} cores busy in the median slice (at most ${Math.max(...others).toFixed(2)}): ` +
        "/proc/stat's busy time over each slice minus the timed process's own CPU time. The ratios within a round hold under that load; the absolute times do not.",
    );
  return n;
}
