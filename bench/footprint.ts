// `npm run bench:footprint`: what W3 (SimpleConvNet inference with the book's weights on the MNIST
// test set, batch 100) costs beyond its speed, per init() configuration, each in a fresh process:
// init() time, the first predict() against the steady median (V8 tier-up: init() warms the
// kernels unless warmUp is false), and the peak WASM memory against the budget of twice
// the weights + one input batch + its activations. Writes bench/results/footprint.{md,json}.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";

const CONFIGS: { name: string; init: Record<string, unknown>; flags: string[] }[] = [
  { name: "1 thread, SIMD", init: { build: "simd" }, flags: [] },
  { name: "1 thread, SIMD, warmUp: false", init: { build: "simd", warmUp: false }, flags: [] },
  { name: "1 thread, FMA", init: { build: "relaxed-simd" }, flags: ["--experimental-wasm-relaxed-simd"] },
  { name: "2 threads, SIMD", init: { build: "simd", threads: 2 }, flags: [] },
];

interface Result {
  initMs: number;
  firstMs: number;
  steadyMs: number;
  highWater: number;
  memoryBytes: number;
  budget: number;
  correct: number;
}

async function measure(initOptions: Record<string, unknown>): Promise<Result> {
  const { init, loadMnist, memoryStats, SimpleConvNet, Tensor } = await import("../src/index.js");
  const [, [x, t]] = await loadMnist({ flatten: false });
  const t0 = performance.now();
  await init(initOptions);
  const initMs = performance.now() - t0;
  const net = new SimpleConvNet();
  net.loadParams("../shared/fixtures/params.pkl");
  const batch = (i: number) => new Tensor(x.data.subarray(i * 78400, (i + 1) * 78400), [100, 1, 28, 28]);
  const t1 = performance.now();
  net.predict(batch(0));
  const firstMs = performance.now() - t1;
  const times: number[] = [];
  let correct = 0;
  for (let i = 0; i < 100; i++) {
    const s = performance.now();
    const scores = net.predict(batch(i)).data;
    times.push(performance.now() - s);
    for (let r = 0; r < 100; r++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (scores[r * 10 + c] > scores[r * 10 + best]) best = c;
      if (best === t[i * 100 + r]) correct++;
    }
  }
  times.sort((a, b) => a - b);
  const weights = Object.values(net.params).reduce((n, p) => n + p.size, 0);
  // One batch of 100 and its activations: conv [100,30,24,24], pool [100,30,12,12], hidden [100,100], scores [100,10].
  const activations = 100 * (30 * 24 * 24 + 30 * 12 * 12 + 100 + 10);
  const budget = 2 * 4 * (weights + 100 * 784 + activations);
  const { highWater, memoryBytes } = memoryStats();
  return { initMs, firstMs, steadyMs: times[50], highWater, memoryBytes, budget, correct };
}

if (process.argv[2] === "--one") {
  console.log(JSON.stringify(await measure(JSON.parse(process.argv[3]))));
} else {
  const rows: (Result & { name: string })[] = [];
  for (const c of CONFIGS) {
    const out = execFileSync(
      process.execPath,
      [...c.flags, "--import", "tsx", "bench/footprint.ts", "--one", JSON.stringify(c.init)],
      { encoding: "utf8" },
    );
    rows.push({ name: c.name, ...JSON.parse(out.trim().split("\n").pop()!) });
  }
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  const lines = [
    "| init() | init ms | first predict ms | steady ms (median) | first / steady | peak heap MiB | WebAssembly.Memory MiB | budget MiB (2x weights+batch+activations) | correct |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.initMs.toFixed(1)} | ${r.firstMs.toFixed(1)} | ${r.steadyMs.toFixed(2)} | ${(r.firstMs / r.steadyMs).toFixed(1)}x | ${mb(r.highWater)} | ${mb(r.memoryBytes)} | ${mb(r.budget)} | ${r.correct}/10000 |`,
    ),
  ];
  console.log(lines.join("\n"));
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/footprint.md", `${lines.join("\n")}\n`);
  writeFileSync("bench/results/footprint.json", `${JSON.stringify(rows, null, 2)}\n`);
}
