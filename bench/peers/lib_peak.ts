// The WASM SIMD128 arithmetic peak of this machine, from simd_peak.ts: ten f32x4 chains of
// mul + add (plain SIMD build) and of relaxed_madd (relaxed build; needs
// --experimental-wasm-relaxed-simd in Node 20).
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, type Case, type Library } from "./common.js";

/** Iterations per op: 80 flops each, about 2 ms at 40 GFLOP/s. */
export const PEAK_ITERATIONS = 1_000_000;
export const PEAK_FLOPS = 80 * PEAK_ITERATIONS;

interface PeakExports {
  memory: WebAssembly.Memory;
  scratch(): number;
  peak_mul_add(iterations: number, p: number): number;
  peak_fma(iterations: number, p: number): number;
}

async function load(file: string): Promise<PeakExports> {
  const full = path.join(ROOT, "build/bench", file);
  const bytes = readFileSync(full);
  if (!WebAssembly.validate(bytes))
    throw new Error(`${file} does not validate here (relaxed SIMD needs node --experimental-wasm-relaxed-simd)`);
  const e = (await WebAssembly.instantiate(bytes)).instance.exports as unknown as PeakExports;
  const p = e.scratch();
  const v = new Float32Array(e.memory.buffer, p, 8);
  v.fill(0.5, 0, 4); // m
  v.fill(1, 4, 8); // a
  return e;
}

function peakCase(e: PeakExports, fn: "peak_mul_add" | "peak_fma", note: string): Case {
  const p = e.scratch();
  return {
    note,
    run: () => {
      const r = e[fn](PEAK_ITERATIONS, p);
      if (!(r > 0)) throw new Error(`${fn} returned ${r}`);
      return r;
    },
  };
}

/** Two cases under one workload id: PEAK is mul+add (plain build), PEAK_FMA the relaxed_madd one. */
export async function peakLibrary(): Promise<{ info: Library["info"]; plain: Case; fma: Case | string }> {
  const plain = peakCase(await load("simd_peak.wasm"), "peak_mul_add", "f32x4.mul + f32x4.add, plain SIMD build");
  let fma: Case | string;
  try {
    fma = peakCase(await load("simd_peak.relaxed.wasm"), "peak_fma", "f32x4.relaxed_madd, relaxed SIMD build");
  } catch (e) {
    fma = (e as Error).message;
  }
  return { info: { kernel: "bench/peers/simd_peak.ts", chains: 10, flopsPerOp: PEAK_FLOPS }, plain, fma };
}
