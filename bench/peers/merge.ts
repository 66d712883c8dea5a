// Several `npm run bench:peers` reports into one: each case's time is the median of its medians
// over the runs (with two runs, their mean), T1-T4's rounds are pooled, and the tables are
// rendered as a single run's are.
// One run's cells move by 10-40% on this shared machine; the goals are judged on the merged one.
//
//   npx tsx bench/peers/merge.ts NAME bench/results/a.json bench/results/b.json [...]
//
// writes bench/results/NAME.{md,json,html}.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, workload, workloadValue, type CaseResult, type VariantResult } from "./common.js";
import { renderHtml, renderMarkdown, type Report } from "./report.js";
import type { TfjsResult } from "./tfjs_paired.js";

const [name, ...files] = process.argv.slice(2);
if (!name || files.length < 2 || !/^[\w.-]+$/.test(name)) {
  process.stderr.write("usage: tsx bench/peers/merge.ts NAME a.json b.json [...]\n");
  process.exit(2);
}
const reports = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Report);

const mid = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sameCase = (a: CaseResult, b: CaseResult) =>
  a.workload === b.workload && a.kernel === b.kernel && a.layout === b.layout;

const [first] = reports;
const variants: VariantResult[] = first.variants.map((v) => {
  const runs = reports.map((r) => r.variants.find((x) => x.variant === v.variant));
  const cases = v.cases.map((c): CaseResult => {
    const all = runs.flatMap((r) => r?.cases.filter((x) => sameCase(x, c)) ?? []);
    const timed = all.filter((x) => x.median !== undefined);
    if (timed.length === 0) return c;
    const median = mid(timed.map((x) => x.median!));
    const w = workload(c.workload);
    const checks = all.map((x) => x.check).filter((x) => x !== undefined && x !== null);
    const worst = checks.reduce((a, b) => (b.relErr > a.relErr || !b.ok ? b : a), checks[0] ?? null);
    return {
      ...c,
      median,
      // PEAK's work per op is its own (lib_peak.ts): scale the first run's value instead.
      value: c.workload === "PEAK" ? (c.value! * c.median!) / median : workloadValue(w, median),
      samples: timed.reduce((a, x) => a + (x.samples ?? 0), 0),
      rme: Math.max(...timed.map((x) => x.rme ?? 0)),
      cpuPerWall: mid(timed.map((x) => x.cpuPerWall ?? 0)),
      otherCores: mid(timed.map((x) => x.otherCores ?? 0)),
      check: worst ?? c.check,
      note: c.note,
    };
  });
  return { ...v, cases, backgroundCores: Math.max(...runs.map((r) => r?.backgroundCores ?? 0)) };
});

/**
 * T1-T4: every run's rounds, one after another (a ratio is taken within a round, so rounds of
 * different runs never mix); tfjs-cpu's one T2 step is the median of the runs' steps; the
 * per-kernel profiles are the first run's.
 */
function mergeTfjs(runs: TfjsResult[]): TfjsResult | undefined {
  if (runs.length === 0) return undefined;
  const [base] = runs;
  const slices: TfjsResult["slices"] = {};
  for (const k of Object.keys(base.slices)) {
    const all = runs.map(
      (r) => r.slices[k] ?? { ms: Array(r.rounds).fill(Number.NaN), cpuPerWall: [], otherCores: [] },
    );
    slices[k] = {
      ms: all.flatMap((s) => s.ms),
      cpuPerWall: all.flatMap((s) => s.cpuPerWall),
      otherCores: all.flatMap((s) => s.otherCores),
    };
  }
  const checks = { ...base.checks };
  for (const r of runs)
    for (const [k, c] of Object.entries(r.checks))
      if (!checks[k] || c.relErr > checks[k].relErr || !c.ok) checks[k] = c;
  const backends = base.backends.map((b) => ({
    ...b,
    cases: b.cases.map((c) => {
      if (c.stepSeconds === undefined) return c;
      const same = runs.flatMap(
        (r) => r.backends.find((x) => x.backend === b.backend)?.cases.find((x) => x.id === c.id) ?? [],
      );
      const cpu = same.flatMap((x) => x.stepCpuSeconds ?? []);
      return {
        ...c,
        stepSeconds: mid(same.flatMap((x) => x.stepSeconds ?? [])),
        ...(cpu.length ? { stepCpuSeconds: mid(cpu) } : {}),
      };
    }),
  }));
  return { ...base, rounds: runs.reduce((a, r) => a + r.rounds, 0), slices, checks, backends };
}

const tfjs = mergeTfjs(reports.flatMap((r) => (r.tfjs ? [r.tfjs] : [])));
const merged: Report = {
  ...first,
  seconds: reports.reduce((a, r) => a + r.seconds, 0),
  variants,
  numpy: first.numpy,
  ...(tfjs ? { tfjs } : {}),
  merged: files.map((f, i) => `${path.basename(f)} (${reports[i].date})`),
};
const out = path.join(ROOT, "bench/results");
writeFileSync(path.join(out, `${name}.md`), renderMarkdown(merged));
writeFileSync(path.join(out, `${name}.json`), `${JSON.stringify(merged, null, 2)}\n`);
writeFileSync(path.join(out, `${name}.html`), renderHtml(merged));
process.stdout.write(renderMarkdown(merged));
