// T1-T4 of bench:peers: tfjs's cpu and wasm backends and tfjs + zeroconv (1 and 2 threads), each
// in a process of its own (tfjs_variant.ts), all alive at once and timed in turn: rounds in which
// every case of every process runs for one short slice, in a different order each round, so that
// the shared machine's drift slows them all alike and a ratio taken within a round does not move
// with it (as paired.ts does for W8-W14 in one process; T4's two zeroconv thread counts cannot
// share one). The processes start one after another, so no two warm up at once.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { type Args, RESULT_MARK, ROOT, systemTimes, workload } from "./common.js";
import type { TfjsBackend, TfjsCaseId, TfjsCaseInfo, TfjsReady, TfjsSlice } from "./tfjs_variant.js";

const RELAXED = "--experimental-wasm-relaxed-simd";

export interface TfjsCheck {
  relErr: number;
  ok: boolean;
  against: string;
}

export interface TfjsBackendResult extends TfjsReady {
  /** The process never reported (it died): why. */
  failed?: string;
}

export interface TfjsResult {
  rounds: number;
  sliceMs: number;
  backends: TfjsBackendResult[];
  /** `${backend} ${case}` -> one entry per round (NaN where the case did not run that round). */
  slices: Record<string, { ms: number[]; cpuPerWall: number[]; otherCores: number[] }>;
  /** `${backend} ${case}` -> its output (T1, T3) or losses (T2) against tfjs-cpu's. */
  checks: Record<string, TfjsCheck>;
}

const key = (b: string, c: string) => `${b} ${c}`;

/** A variant process and a queue of the RESULT_MARK lines it prints. */
class Child {
  private lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;
  private readonly rl: Interface;

  constructor(readonly proc: ChildProcess) {
    this.rl = createInterface({ input: proc.stdout! });
    this.rl.on("line", (l) => {
      if (!l.startsWith(RESULT_MARK)) return;
      const body = l.slice(RESULT_MARK.length);
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(body);
      } else this.lines.push(body);
    });
    proc.on("close", () => {
      this.closed = true;
      this.waiting?.(null);
    });
  }

  next(): Promise<string | null> {
    if (this.lines.length) return Promise.resolve(this.lines.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }
}

/** Which processes T1-T4 need (T4: both zeroconv ones). */
function backendsFor(args: Args): TfjsBackend[] {
  const has = (id: string) => args.only === null || args.only.has(id as never);
  const out: TfjsBackend[] = [];
  if (has("T1") || has("T2") || has("T3")) out.push("tfjs-cpu", "tfjs-wasm-1t");
  out.push("tfjs-zeroconv-1t");
  if (has("T4")) out.push("tfjs-zeroconv-2t");
  return out;
}

/** max |a - ref| / max |ref|. */
function relErr(a: number[], ref: number[]): number {
  if (a.length !== ref.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - ref[i]);
    if (!(d <= maxDiff)) maxDiff = d;
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return maxDiff / (maxRef || 1);
}

/**
 * A case's slice: `ms` milliseconds, at least `minCalls` calls. tfjs-cpu takes 0.1-1 s a call:
 * one call a slice. Its T2 (about 15 s a step) is timed once inside its process, not here.
 */
function sliceOf(b: TfjsBackend, sliceMs: number): { ms: number; minCalls: number } {
  return b === "tfjs-cpu" ? { ms: 0, minCalls: 1 } : { ms: sliceMs, minCalls: 2 };
}

export async function runTfjs(args: Args): Promise<TfjsResult> {
  const rounds = args.quick ? 3 : 7;
  const sliceMs = args.quick ? 200 : 400;
  const passArgs = [...(args.only ? ["--only", [...args.only].join(",")] : []), ...(args.quick ? ["--quick"] : [])];
  const backends: TfjsBackendResult[] = [];
  const children = new Map<TfjsBackend, Child>();
  for (const b of backendsFor(args)) {
    process.stderr.write(`\n== ${b} (node ${RELAXED}; tfjs_variant.ts)\n`);
    const proc = spawn(process.execPath, [RELAXED, "--import", "tsx", "bench/peers/tfjs_variant.ts", b, ...passArgs], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const tail: string[] = [];
    createInterface({ input: proc.stderr! }).on("line", (l) => {
      tail.push(l);
      if (tail.length > 20) tail.shift();
      process.stderr.write(`${l}\n`);
    });
    const child = new Child(proc);
    const line = await child.next();
    if (line === null) {
      const cause = tail.find((l) => /Error|error:/.test(l)) ?? tail.at(-1) ?? "";
      backends.push({ backend: b, info: {}, cases: [], failed: `exited before reporting: ${cause.trim()}` });
      continue;
    }
    backends.push(JSON.parse(line) as TfjsReady);
    children.set(b, child);
  }

  const checks: TfjsResult["checks"] = {};
  const cpu = backends.find((x) => x.backend === "tfjs-cpu");
  for (const b of backends)
    for (const c of b.cases) {
      if (b.backend === "tfjs-cpu" || c.id === "W7") continue;
      const ref = cpu?.cases.find((x) => x.id === c.id);
      const [mine, theirs] = c.id === "T2" ? [c.losses, ref?.losses] : [c.output, ref?.output];
      if (!mine || !theirs) continue;
      const e = relErr(mine, theirs);
      const against = c.id === "T2" ? "tfjs-cpu's first two losses" : "tfjs-cpu's output";
      checks[key(b.backend, c.id)] = { relErr: e, ok: e < (workload(c.id).tolerance ?? 1e-4), against };
    }

  // Every timed case (tfjs_variant.ts keeps no runner for what it could not run, nor for tfjs-cpu T2).
  const live: { b: TfjsBackend; id: TfjsCaseId }[] = backends.flatMap((b) =>
    children.has(b.backend)
      ? b.cases
          .filter((c) => !c.unavailable && !c.error && !(b.backend === "tfjs-cpu" && c.id === "T2"))
          .map((c: TfjsCaseInfo) => ({ b: b.backend, id: c.id }))
      : [],
  );
  const slices: TfjsResult["slices"] = {};
  for (const { b, id } of live) slices[key(b, id)] = { ms: [], cpuPerWall: [], otherCores: [] };
  for (let k = 0; k < rounds; k++) {
    const order = live.map((e, i) => [e, (i * 7 + k * 3) % live.length] as const).sort((a, b) => a[1] - b[1]);
    for (const [{ b, id }] of order) {
      const child = children.get(b)!;
      const s0 = systemTimes();
      child.send(JSON.stringify({ case: id, ...sliceOf(b, sliceMs) }));
      const line = await child.next();
      const s1 = systemTimes();
      const entry = slices[key(b, id)];
      if (line === null) {
        entry.ms.push(Number.NaN);
        continue;
      }
      const s = JSON.parse(line) as TfjsSlice;
      const busy = s0 && s1 ? ((s1.busy - s0.busy) / (s1.total - s0.total)) * s1.cores : Number.NaN;
      entry.ms.push(s.ms);
      entry.cpuPerWall.push(s.cpuPerWall);
      entry.otherCores.push(Math.max(0, busy - s.cpuPerWall));
    }
    process.stderr.write(
      `  [tfjs] round ${k + 1}/${rounds}: ${live.map(({ b, id }) => `${b} ${id} ${slices[key(b, id)].ms[k].toPrecision(3)} ms`).join(", ")}\n`,
    );
  }
  for (const child of children.values()) child.send("quit");
  return { rounds, sliceMs, backends, slices, checks };
}
