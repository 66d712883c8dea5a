// `npm run bench:dw-kernels` (FMA: node --experimental-wasm-relaxed-simd --import tsx bench/dw_kernels.ts):
// the depthwise kernels alone on W8's and W9's shapes and MobileNetV2's smaller ones (3x3 "same" + bias + relu6), the general
// ones (dwconv_nhwc, group_conv_nchw) beside the tiled ones (dwconv_nhwc_4x6, and dwconv_nchw_1x24
// at stride 1 or dwconv_nchw_s2_1x28 at stride 2),
// with the image already in memory: no copies in or out. Timed alternately in one process, by CPU
// time, so that a busy machine slows all four alike; medians of 15 rounds.
import { init } from "../src/index.js";
import { getRuntime } from "../src/runtime/wasm.js";

const info = await init();
const rt = getRuntime();
const k = rt.kernels;
const RELU6 = 2;

function cpuMs(f: () => void, calls: number): number {
  const t = process.cpuUsage();
  for (let i = 0; i < calls; i++) f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000 / calls;
}

console.log(
  `| workload (${info.build}) | dwconv_nhwc | dwconv_nhwc_4x6 | group_conv_nchw | dwconv_nchw_1x24 / _s2_1x28 |`,
);
console.log("|---|---:|---:|---:|---:|");
for (const [id, C, H, s] of [
  ["W8", 144, 56, 1],
  ["W9", 96, 112, 2],
  // MobileNetV2's (W14's) smaller depthwise layers
  ["28x28x192 s1", 192, 28, 1],
  ["14x14x576 s1", 576, 14, 1],
  ["14x14x576 s2", 576, 14, 2],
  ["7x7x960 s1", 960, 7, 1],
] as const) {
  const out = Math.ceil(H / s);
  const pad = Math.max((out - 1) * s + 3 - H, 0);
  const top = Math.floor(pad / 2);
  const scratchFloats = Math.max(
    k.group_conv_nchw_scratch_floats(1, out, out, 3, 3, s, s, 1, 1),
    k.dwconv_nchw_1x24_scratch_floats(out, out, 3, 3, s),
    k.dwconv_nchw_s2_1x28_scratch_floats(out, out, 3, 3, s),
  );
  const [x, w, b, y, scratch] = rt.heap.allocFloats("bench", [C * H * H, 9 * C, C, C * out * out, scratchFloats]);
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < C * H * H; i++) f[x / 4 + i] = Math.sin(i) * 0.5;
  for (let i = 0; i < 9 * C; i++) f[w / 4 + i] = Math.cos(i) * 0.3;
  for (let i = 0; i < C; i++) f[b / 4 + i] = 0.01 * i;
  const kernels: (() => void)[] = [
    () => {
      k.epilogue_set(b, 2, RELU6, 0, 0);
      k.dwconv_nhwc(x, H, H, C, 1, w, 3, 3, s, s, 1, 1, top, top, out, 0, out, y);
    },
    () => {
      k.epilogue_set(b, 2, RELU6, 0, 0);
      k.dwconv_nhwc_4x6(x, H, H, C, w, 3, 3, s, s, 1, 1, top, top, out, 0, out, y);
    },
    () => {
      k.epilogue_set(b, 1, RELU6, 0, 0);
      k.group_conv_nchw(x, C, 1, H, H, w, 1, 3, 3, s, s, 1, 1, top, top, out, out, 0, y, scratch);
    },
    () => {
      k.epilogue_set(b, 1, RELU6, 0, 0);
      if (s === 1) k.dwconv_nchw_1x24(x, C, H, H, w, 1, 3, 3, 1, top, top, out, out, 0, y, scratch);
      else k.dwconv_nchw_s2_1x28(x, C, H, H, w, 1, 3, 3, 2, top, top, out, out, 0, y, scratch);
    },
  ];
  for (const run of kernels) cpuMs(run, 100); // past V8's baseline tier
  const times: number[][] = kernels.map(() => []);
  for (let round = 0; round < 15; round++) kernels.forEach((run, i) => times[i].push(cpuMs(run, 40)));
  const med = times.map((t) => t.sort((p, q) => p - q)[7]);
  console.log(`| ${id} | ${med.map((m) => `${m.toFixed(3)} ms`).join(" | ")} |`);
  for (const p of [x, w, b, y, scratch]) rt.heap.free(p);
}
