// `npm run bench`: im2col slice orders (WASM and plain JS), SGEMM and conv2d throughput, and the
// SimpleConvNet's inference and training step next to the plain-JS reference, single thread. Raw
// benny results go to bench/results/{im2col-a..d,sgemm,conv2d,simple-convnet}.{json,chart.html}; the
// digest to bench/results/summary.{md,json}.
import b from "benny";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { Adam, conv2d, im2col, init, loadMnist, PARAM_NAMES, SimpleConvNet, Tensor } from "../src/index.js";
import { windowGeometry, type WindowGeometry } from "../src/ops/im2col.js";
import { sgemmWorkspaceFloats } from "../src/runtime/memory.js";
import { getRuntime } from "../src/runtime/wasm.js";
import { im2colFloats, im2colKernelOrderJs, im2colOutputOrderJs } from "./js-im2col.js";
import { refForward, refLossAndGradient, type RefParams } from "../test/reference_net.js";

const FOLDER = "bench/results";
// 28 cases at ~2.5 s each (benny's calibration included) plus warm-up: `npm run bench` takes
// about 1.5 minutes on the 2-core box.
const OPTIONS = { minSamples: 10, maxTime: 2 };
const WARM_MS = 300;

await init();
const rt = getRuntime();
const k = rt.kernels;

interface ConvCase {
  id: string;
  x: [number, number, number, number];
  FH: number;
  FW: number;
  stride: number;
  pad: number;
  FN: number;
}
const CASES: ConvCase[] = [
  // The book's SimpleConvNet conv layer on a 100-image MNIST batch.
  { id: "a", x: [100, 1, 28, 28], FH: 5, FW: 5, stride: 1, pad: 0, FN: 30 },
  // ResNet-style 3x3, the stem's 7x7 stride 2, and a 1x1 (im2col is then a pure transpose).
  { id: "b", x: [1, 64, 56, 56], FH: 3, FW: 3, stride: 1, pad: 1, FN: 64 },
  { id: "c", x: [1, 3, 224, 224], FH: 7, FW: 7, stride: 2, pad: 3, FN: 64 },
  { id: "d", x: [1, 64, 56, 56], FH: 1, FW: 1, stride: 1, pad: 0, FN: 64 },
];

const geometry = (c: ConvCase): WindowGeometry => windowGeometry("bench", c.x, c.FH, c.FW, c.stride, c.pad);
const title = (c: ConvCase) => `(${c.id}) x[${c.x.join(",")}] ${c.FH}x${c.FW} s${c.stride} p${c.pad}`;

function randomFloats(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

// Every WASM buffer is filled with random floats, outputs included: that faults its pages in
// before timing. All stay allocated until the end, so no later allocation can grow memory mid-suite.
const held: number[] = [];
function wasmBuffers(floatCounts: number[]): number[] {
  const ptrs = rt.heap.allocFloats("bench", floatCounts);
  ptrs.forEach((p, i) => new Float32Array(k.memory.buffer, p, floatCounts[i]).set(randomFloats(floatCounts[i])));
  held.push(...ptrs);
  return ptrs;
}

interface Bench {
  key: string;
  name: string;
  fn: () => unknown;
  /** Bytes of output written per op (im2col), for GB/s. */
  bytes?: number;
  /** Floating-point operations per op (SGEMM, conv), for GFLOP/s. */
  flops?: number;
  /** Images per op (the network), for images/s. */
  images?: number;
}

interface Row {
  suite: string;
  key: string;
  name: string;
  opsMedian: number;
  opsBenny: number;
  msPerOp: number;
  rmePercent: number;
  samples: number;
  gbps?: number;
  gflops?: number;
  imagesPerSecond?: number;
}
const rows: Row[] = [];

// V8 runs new WASM and JS code in its baseline tier first and swaps in optimised code at a later
// call (shared/wasm-notes.md). Measured here: the first output-order call of case (b) takes 12-15 ms,
// later ones 3.3 ms; 512^3 SGEMM calls wander between 10 and 15 ms for the first ~200 ms, then
// settle at 7.2 ms. Hence WARM_MS of calls before benny times anything.
function warm(fn: () => unknown): void {
  const t0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - t0 < WARM_MS; i++) fn();
}

/** Runs one benny suite, saved as bench/results/<file>.{json,chart.html}, and keeps its rows. */
async function runSuite(suite: string, file: string, benches: Bench[]): Promise<void> {
  for (const x of benches) warm(x.fn);
  const summary = await b.suite(
    suite,
    b.configure({ cases: OPTIONS }),
    ...benches.map((x) => b.add(x.name, x.fn)),
    b.cycle(),
    b.complete(),
    b.save({ file, folder: FOLDER, format: "json", details: true }),
    b.save({ file, folder: FOLDER, format: "chart.html" }),
  );
  summary.results.forEach((r, i) => {
    const x = benches[i];
    const seconds = r.samples > 0 ? r.details.median : 1 / r.ops;
    rows.push({
      suite,
      key: x.key,
      name: x.name,
      opsMedian: 1 / seconds,
      opsBenny: r.ops,
      msPerOp: seconds * 1e3,
      rmePercent: r.margin,
      samples: r.samples,
      gbps: x.bytes === undefined ? undefined : x.bytes / seconds / 1e9,
      gflops: x.flops === undefined ? undefined : x.flops / seconds / 1e9,
      imagesPerSecond: x.images === undefined ? undefined : x.images / seconds,
    });
  });
}

// ---- im2col slice orders ----
for (const c of CASES) {
  const g = geometry(c);
  const size = im2colFloats(g);
  const bytes = size * 4;
  const K = g.C * g.FH * g.FW;
  const P = g.outH * g.outW;
  const x = randomFloats(g.N * g.C * g.H * g.W);
  const [px, pcolT, pcol] = wasmBuffers([x.length, size, size]);
  new Float32Array(k.memory.buffer, px, x.length).set(x);
  const args = [g.N, g.C, g.H, g.W, g.FH, g.FW, g.stride, g.pad, g.outH, g.outW] as const;
  // The kernel order's general geometry (per-axis strides, dilations, top/left pads), set to the book's.
  const kernelArgs = [g.N, g.C, g.H, g.W, g.FH, g.FW, g.stride, g.stride, 1, 1, g.pad, g.pad, g.outH, g.outW] as const;
  const jsCol = randomFloats(size);
  const jsColT = randomFloats(size);
  const benches: Bench[] = [
    {
      key: "wasmKernel",
      name: "WASM kernel order + transpose",
      bytes,
      fn: () => {
        k.im2col_kernel_order(px, ...kernelArgs, pcolT);
        k.transpose_4x4(pcolT, K, P, pcol, g.N);
      },
    },
    {
      key: "wasmKernelNoT",
      name: "WASM kernel order, no transpose ([N][K][P])",
      bytes,
      fn: () => k.im2col_kernel_order(px, ...kernelArgs, pcolT),
    },
    { key: "wasmOutput", name: "WASM output order", bytes, fn: () => k.im2col_output_order(px, ...args, pcol) },
    { key: "jsKernel", name: "JS kernel order + transpose", bytes, fn: () => im2colKernelOrderJs(x, g, jsCol, jsColT) },
    { key: "jsOutput", name: "JS output order", bytes, fn: () => im2colOutputOrderJs(x, g, jsCol) },
  ];
  if (c.id === "a") {
    const tensor = { shape: c.x, data: x };
    benches.push({
      key: "public",
      name: "im2col() public API, kernel order, copies in/out",
      bytes,
      fn: () => im2col(tensor, c.FH, c.FW, c.stride, c.pad),
    });
  }
  await runSuite(`im2col ${title(c)}`, `im2col-${c.id}`, benches);
}

// ---- SGEMM and conv2d ----
/** `images` GEMMs W[M,K] x colT[K,N] -> y[M,N] as the convolution runs them, each image with its own colT and y. */
function sgemmBench(key: string, name: string, M: number, N: number, K: number, images: number): Bench {
  const [pa, pb, pc, work] = wasmBuffers([M * K, images * K * N, images * M * N, sgemmWorkspaceFloats(rt)]);
  return {
    key,
    name,
    flops: 2 * M * N * K * images,
    fn: () => {
      for (let i = 0; i < images; i++)
        k.sgemm(M, N, K, pa, K, 1, pb + i * K * N * 4, N, 1, 0, pc + i * M * N * 4, N, work);
    },
  };
}

const convCases = CASES.filter((c) => c.id !== "d");
await runSuite("sgemm single thread", "sgemm", [
  sgemmBench("sq512", "512x512x512", 512, 512, 512, 1),
  ...convCases.map((c) => {
    const g = geometry(c);
    const [M, N, K] = [c.FN, g.outH * g.outW, g.C * g.FH * g.FW];
    return sgemmBench(c.id, `conv GEMM (${c.id}): ${g.N} x M=${M} N=${N} K=${K}`, M, N, K, g.N);
  }),
  // The book's orientation of the same products: one col[N*P, K] x W^T[K, FN] for the whole batch
  // (W read transposed through strides), which lands in NHWC and would still need a transpose.
  ...convCases.map((c) => {
    const g = geometry(c);
    const [M, N, K] = [g.N * g.outH * g.outW, c.FN, g.C * g.FH * g.FW];
    const [pa, pw, pc, work] = wasmBuffers([M * K, N * K, M * N, sgemmWorkspaceFloats(rt)]);
    return {
      key: `book-${c.id}`,
      name: `book orientation (${c.id}): M=${M} N=${N} K=${K}`,
      flops: 2 * M * N * K,
      fn: () => k.sgemm(M, N, K, pa, K, 1, pw, 1, K, 0, pc, N, work),
    };
  }),
]);

await runSuite(
  "conv2d end to end",
  "conv2d",
  convCases.map((c) => {
    const g = geometry(c);
    const x = { shape: c.x, data: randomFloats(c.x.reduce((p, q) => p * q)) };
    const W = { shape: [c.FN, g.C, g.FH, g.FW], data: randomFloats(c.FN * g.C * g.FH * g.FW) };
    const bias = { shape: [c.FN], data: randomFloats(c.FN) };
    const opts = { stride: c.stride, pad: c.pad };
    const flops = 2 * g.N * c.FN * g.outH * g.outW * g.C * g.FH * g.FW;
    return { key: c.id, name: `conv2d ${title(c)} FN=${c.FN}`, flops, fn: () => conv2d(x, W, bias, opts) };
  }),
);

// ---- max-pooling: the general kernel next to the 2x2 stride-2 one, on the SimpleConvNet's conv output ----
{
  const planes = 100 * 30;
  const [px, py, parg] = wasmBuffers([planes * 576, planes * 144, planes * 144]);
  await runSuite("max-pool [100,30,24,24] 2x2 stride 2", "maxpool", [
    {
      key: "general",
      name: "general kernel (any window, stride, pad)",
      fn: () => k.maxpool_forward(px, planes, 24, 24, 2, 2, 2, 2, 0, 12, 12, py, parg),
    },
    {
      key: "2x2s2",
      name: "2x2 stride-2 SIMD kernel",
      fn: () => k.maxpool_2x2s2_forward(px, planes, 24, 24, 12, 12, py, parg),
    },
  ]);
}

for (const p of held) rt.heap.free(p);

// ---- SimpleConvNet: zeroconv next to the plain-JavaScript float64 reference the tests use ----
{
  const [[xTrain, tTrain]] = await loadMnist({ flatten: false });
  const batch = (n: number) => ({
    x: new Tensor(xTrain.data.slice(0, n * 784), [n, 1, 28, 28]),
    t: tTrain.slice(0, n),
  });
  const net = new SimpleConvNet({ seed: 1 });
  const adam = new Adam();
  const b100 = batch(100);
  // The scalar reference is about 200x slower: 10 images per op keep benny's 10 samples short;
  // images/s is what compares.
  const b10 = batch(10);
  const ref = Object.fromEntries(
    PARAM_NAMES.map((n) => [n, { shape: [...net.params[n].shape], data: Float64Array.from(net.params[n].data) }]),
  ) as unknown as RefParams;
  const refX = { shape: [...b10.x.shape], data: Float64Array.from(b10.x.data) };
  const conv = { stride: 1, pad: 0 };
  await runSuite("SimpleConvNet, MNIST", "simple-convnet", [
    { key: "wasmInfer", name: "zeroconv predict, batch 100", images: 100, fn: () => net.predict(b100.x) },
    {
      key: "wasmTrain",
      name: "zeroconv training step (gradient + Adam), batch 100",
      images: 100,
      fn: () => adam.update(net.params, net.gradient(b100.x, b100.t)),
    },
    {
      key: "jsInfer",
      name: "JS float64 reference forward, batch 10",
      images: 10,
      fn: () => refForward(ref, conv, refX),
    },
    {
      key: "jsTrain",
      name: "JS float64 reference gradient, batch 10",
      images: 10,
      fn: () => refLossAndGradient(ref, conv, refX, b10.t),
    },
  ]);
}

// ---- digest ----
const fmt = (v: number | undefined) => (v === undefined ? "" : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
const find = (suite: string, key: string) => rows.find((r) => r.suite === suite && r.key === key);
/** Speed ratio (ops/s of `a` over ops/s of `b`): above 1, `a` is faster. */
const speedup = (suite: string, a: string, bKey: string) => find(suite, a)!.opsMedian / find(suite, bKey)!.opsMedian;

const ratios = CASES.map((c) => {
  const s = `im2col ${title(c)}`;
  return {
    case: c.id,
    wasmKernelOverOutput: speedup(s, "wasmKernel", "wasmOutput"),
    wasmKernelNoTOverOutput: speedup(s, "wasmKernelNoT", "wasmOutput"),
    jsKernelOverOutput: speedup(s, "jsKernel", "jsOutput"),
    wasmOverJsKernel: speedup(s, "wasmKernel", "jsKernel"),
    wasmOverJsOutput: speedup(s, "wasmOutput", "jsOutput"),
  };
});

const net = "SimpleConvNet, MNIST";
/** images/s of `a` over images/s of `b`: the batches differ, so ops/s would not compare. */
const imageSpeedup = (a: string, bKey: string) => find(net, a)!.imagesPerSecond! / find(net, bKey)!.imagesPerSecond!;
const poolRatio = speedup("max-pool [100,30,24,24] 2x2 stride 2", "2x2s2", "general");
const networkRatios = {
  inference: imageSpeedup("wasmInfer", "jsInfer"),
  training: imageSpeedup("wasmTrain", "jsTrain"),
};

const env =
  `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}, ` +
  `benny ${JSON.stringify(OPTIONS)}, ${new Date().toISOString()}`;
const md = [
  `# zeroconv benchmarks`,
  ``,
  env,
  ``,
  `ops/s from benny's median sample; GB/s counts the im2col matrix written (rows x K x 4 bytes), ` +
    `GFLOP/s counts 2*M*N*K per GEMM.`,
  ``,
  `| suite | case | ops/s | ms/op | ±% | GB/s out | GFLOP/s | images/s |`,
  `|---|---|---:|---:|---:|---:|---:|---:|`,
  ...rows.map(
    (r) =>
      `| ${r.suite} | ${r.name} | ${fmt(r.opsMedian)} | ${fmt(r.msPerOp)} | ${r.rmePercent.toFixed(1)} | ${fmt(r.gbps)} | ${fmt(r.gflops)} | ${fmt(r.imagesPerSecond)} |`,
  ),
  ``,
  `Speed ratios (ops/s over ops/s; above 1 the first is faster):`,
  ``,
  `| case | WASM kernel+T / WASM output | WASM kernel (no T) / WASM output | JS kernel / JS output | WASM / JS, kernel order | WASM / JS, output order |`,
  `|---|---:|---:|---:|---:|---:|`,
  ...ratios.map(
    (r) =>
      `| (${r.case}) | ${fmt(r.wasmKernelOverOutput)} | ${fmt(r.wasmKernelNoTOverOutput)} | ${fmt(r.jsKernelOverOutput)} | ${fmt(r.wasmOverJsKernel)} | ${fmt(r.wasmOverJsOutput)} |`,
  ),
  ``,
  `Max-pooling 2x2 stride 2: the SIMD kernel is ${fmt(poolRatio)}x the general one.`,
  ``,
  `SimpleConvNet, images/s of zeroconv over images/s of the plain-JS float64 reference: ` +
    `inference ${fmt(networkRatios.inference)}x, training step ${fmt(networkRatios.training)}x.`,
  ``,
].join("\n");

mkdirSync(FOLDER, { recursive: true });
writeFileSync(`${FOLDER}/summary.md`, md);
writeFileSync(
  `${FOLDER}/summary.json`,
  `${JSON.stringify({ env, options: OPTIONS, rows, ratios, poolRatio, networkRatios }, null, 2)}\n`,
);
console.log(`\n${md}`);
