// `npm run bench:ukernels`: GFLOP/s of each micro-kernel shape in bench/ukernels/shapes.ts, plain
// SIMD and FMA builds side by side (the FMA one runs in a child node with
// --experimental-wasm-relaxed-simd). Medians of 15 timed batches after warm-up.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const SHAPES: [name: string, mr: number, nr: number][] = [
  ["tile_4x8", 4, 8],
  ["tile_5x8", 5, 8],
  ["tile_2x16", 2, 16],
  ["tile_6x8", 6, 8],
];
const KC = 256;

function measure(file: string): Record<string, number> {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)));
  const k = exports as Record<string, (...a: number[]) => void> & { memory: WebAssembly.Memory };
  k.memory.grow(4);
  new Float32Array(k.memory.buffer).fill(0.001);
  const out: Record<string, number> = {};
  for (const [name, mr, nr] of SHAPES) {
    const a = 65536,
      b = a + 6 * KC * 4 + 64,
      c = b + 16 * KC * 4 + 64;
    const reps = 2000;
    const t0 = performance.now();
    while (performance.now() - t0 < 300) k[name](KC, a, b, c, reps);
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      k[name](KC, a, b, c, reps);
      times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    out[name] = (2 * mr * nr * KC * reps) / (times[7] * 1e6);
  }
  return out;
}

if (process.argv[2] === "--one") {
  console.log(JSON.stringify(measure(process.argv[3])));
} else {
  const plain = measure("build/bench/ukernels.wasm");
  const fma = JSON.parse(
    execFileSync(
      process.execPath,
      [
        "--experimental-wasm-relaxed-simd",
        "--import",
        "tsx",
        "bench/ukernels/run.ts",
        "--one",
        "build/bench/ukernels.relaxed.wasm",
      ],
      { encoding: "utf8" },
    ),
  );
  console.log(`| MR x NR | plain SIMD GFLOP/s | FMA GFLOP/s |\n|---|---:|---:|`);
  for (const [name, mr, nr] of SHAPES)
    console.log(`| ${mr}x${nr} | ${plain[name].toFixed(1)} | ${fma[name].toFixed(1)} |`);
}
