// `npm run bench:winograd` (FMA build): 3x3 stride-1 pad-1 convolutions (batch 1, bias) through the GEMM and
// Winograd's F(2x2, 3x3) and F(4x4, 3x3), for C from 3 to 512 and H = W from 7 to 112, side by
// side: rounds in which each algorithm runs a slice in turn, timed in CPU time (process.cpuUsage),
// so that a busier moment slows all three alike. Prints and writes the median time per call and
// the effective GFLOP/s (2 * the direct convolution's multiply-adds / time); conv_winograd.ts's
// measuredTile() is read off it. By hand, in either build or layout:
//   node --experimental-wasm-relaxed-simd --import tsx bench/winograd.ts [--quick] [--layout NHWC]
import { writeFileSync } from "node:fs";
import path from "node:path";
import { conv2d, init, Tensor } from "../src/index.js";
import type { Algorithm } from "../src/ops/conv_winograd.js";

const quick = process.argv.includes("--quick");
const layout = process.argv.includes("--layout") ? process.argv[process.argv.indexOf("--layout") + 1] : "NCHW";
if (layout !== "NCHW" && layout !== "NHWC") throw new Error("--layout is NCHW or NHWC");
const info = await init({ warmUp: true });
const ALGOS: Algorithm[] = ["gemm", "winograd-2x2", "winograd-4x4"];
const rounds = quick ? 3 : 7;
const sliceMs = quick ? 60 : 120;
/** Above this many flops a shape is left out: a call would take most of a second. */
const MAX_FLOP = 3e9;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];

let seed = 1;
const random = (n: number) =>
  Float32Array.from({ length: n }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  });

interface Row {
  C: number;
  FN: number;
  H: number;
  ms: number[];
  gflops: number[];
}
const rows: Row[] = [];
for (const C of [3, 8, 16, 32, 64, 128, 256, 512]) {
  for (const H of [7, 14, 28, 56, 112]) {
    const FN = Math.max(C, 16);
    const flop = 2 * C * FN * 9 * H * H;
    if (flop > MAX_FLOP) continue;
    const xShape = layout === "NCHW" ? [1, C, H, H] : [1, H, H, C];
    const wShape = layout === "NCHW" ? [FN, C, 3, 3] : [3, 3, C, FN];
    const yShape = layout === "NCHW" ? [1, FN, H, H] : [1, H, H, FN];
    const x = new Tensor(random(C * H * H), xShape);
    const W = new Tensor(random(FN * C * 9), wShape);
    const b = new Tensor(random(FN), [FN]);
    const out = new Tensor(new Float32Array(FN * H * H), yShape);
    const run = (algorithm: Algorithm) => conv2d(x, W, b, { pad: 1, layout, algorithm, out });
    for (const a of ALGOS) for (let i = 0; i < 3; i++) run(a); // tier-up and page faults
    const times: number[][] = ALGOS.map(() => []);
    for (let r = 0; r < rounds; r++) {
      ALGOS.forEach((a, i) => {
        let calls = 0;
        const t0 = cpuMs();
        const wall = performance.now();
        while (calls < 2 || performance.now() - wall < sliceMs) {
          run(a);
          calls++;
        }
        times[i].push((cpuMs() - t0) / calls);
      });
    }
    const ms = times.map(median);
    const row = { C, FN, H, ms, gflops: ms.map((t) => flop / t / 1e6) };
    rows.push(row);
    const ratio = (i: number) => (ms[0] / ms[i]).toFixed(2);
    console.log(
      `C ${C} FN ${FN} ${H}x${H}: gemm ${ms[0].toFixed(3)} ms, 2x2 ${ms[1].toFixed(3)} (${ratio(1)}x), ` +
        `4x4 ${ms[2].toFixed(3)} (${ratio(2)}x); 4x4 ${row.gflops[2].toFixed(1)} effective GFLOP/s`,
    );
  }
}
const md = [
  `# Winograd against the GEMM, ${layout}, ${info.build}, 1 thread`,
  "",
  "3x3 stride 1 pad 1, batch 1, bias; median CPU ms per call over rounds; speed-up over the GEMM in brackets.",
  "",
  "| C -> FN | H = W | GEMM | F(2x2) | F(4x4) | F(4x4) effective GFLOP/s |",
  "|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.C} -> ${r.FN} | ${r.H} | ${r.ms[0].toFixed(3)} | ${r.ms[1].toFixed(3)} (${(r.ms[0] / r.ms[1]).toFixed(2)}x) | ` +
      `${r.ms[2].toFixed(3)} (${(r.ms[0] / r.ms[2]).toFixed(2)}x) | ${r.gflops[2].toFixed(1)} |`,
  ),
  "",
].join("\n");
const file = path.join(import.meta.dirname, "results", `winograd-${layout.toLowerCase()}-${info.build}.md`);
writeFileSync(file, md);
console.log(`wrote ${file}`);
