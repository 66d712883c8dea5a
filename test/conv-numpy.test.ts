// conv2d, its gradients and conv2dTranspose against test/reference/conv_grid.py: NumPy in float64,
// each op written from its definition, over a grid that crosses every option. Every case runs in
// both layouts: NHWC on the transposed inputs, its result transposed back.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  conv2d,
  conv2dBackpropBias,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dTranspose,
  init,
} from "../src/index.js";
import { toHwio, toNchw, toNhwc } from "./reference_conv.js";
import { needs } from "./requirements.js";
import { base64Floats32, base64Floats64, expectClose } from "./util.js";

const script = fileURLToPath(new URL("reference/conv_grid.py", import.meta.url));
const CASES = 240;
/** Then the grid's few-channel cases (one group of 1-4 channels: NHWC's direct kernels). */
const FEW = 24;

interface GridCase {
  shapes: { x: number[]; w: number[]; y: number[] };
  opts: { stride: number[]; dilation: number[]; pad: unknown; groups: number };
  activation: string;
  alpha: number | null;
  [array: string]: unknown;
}

const f32 = base64Floats32;
const f64 = base64Floats64;

/** HWIO back to [FN, Cg, FH, FW]. */
function fromHwio(a: Float32Array, [FN, Cg, FH, FW]: number[]): Float32Array {
  const out = new Float32Array(a.length);
  for (let f = 0; f < FN; f++)
    for (let c = 0; c < Cg; c++)
      for (let y = 0; y < FH; y++)
        for (let x = 0; x < FW; x++) out[((f * Cg + c) * FH + y) * FW + x] = a[((y * FW + x) * Cg + c) * FN + f];
  return out;
}

let cases: GridCase[] = [];
const req = needs("test/conv-numpy.test.ts", `conv2d and its gradients match NumPy on ${CASES} + ${FEW} grid cases`, {
  numpy: true,
});

beforeAll(async () => {
  await init();
  if (req.skip) return;
  const run = spawnSync("python3", [script, String(CASES), String(FEW)], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`conv_grid.py failed: ${run.stderr}`);
  cases = JSON.parse(run.stdout).cases;
});

describe("conv2d against NumPy (test/reference/conv_grid.py)", () => {
  it.skipIf(req.skip)(req.title, () => {
    expect(cases.length).toBe(CASES + FEW);
    const seen = { layouts: 0, same: 0, groups: new Set<number>(), activations: new Set<string>() };
    for (const [i, c] of cases.entries()) {
      const { x: xs, w: ws, y: ys } = c.shapes;
      const x = f32(c.x),
        w = f32(c.w),
        b = f32(c.b),
        dy = f32(c.dy);
      const alpha = c.activation === "prelu" ? { shape: [ws[0]], data: f32(c.slopes) } : (c.alpha ?? undefined);
      const act = { activation: c.activation, ...(alpha === undefined ? {} : { alpha }) };
      const bias = { shape: [ws[0]], data: b };
      seen.same += c.opts.pad === "same" ? 1 : 0;
      seen.groups.add(c.opts.groups);
      seen.activations.add(c.activation);
      // The transpose's explicit form of the same geometry: its pads, and outputPadding for x's size.
      const span = (k: number, d: number) => (k - 1) * d + 1;
      for (const layout of ["NCHW", "NHWC"] as const) {
        const what = `case ${i} ${layout}: x [${xs}] W [${ws}] ${JSON.stringify(c.opts)} ${c.activation}`;
        const nhwc = layout === "NHWC";
        const img = (d: Float32Array, s: number[]) =>
          nhwc ? { shape: [s[0], s[2], s[3], s[1]], data: toNhwc(d, s) } : { shape: s, data: d };
        const back = (d: Float32Array, s: number[]) => (nhwc ? toNchw(d, s) : d);
        const filter = nhwc ? { shape: [ws[2], ws[3], ws[1], ws[0]], data: toHwio(w, ws) } : { shape: ws, data: w };
        const opts = { ...c.opts, layout };
        try {
          const y = conv2d(img(x, xs), filter, bias, { ...opts, ...act } as never);
          expectClose({ shape: ys, data: back(y.data, ys) }, { shape: ys, data: f64(c.y) }, 1e-5);
          const dx = conv2dBackpropInput(img(dy, ys), filter, img(x, xs).shape, opts as never);
          expectClose({ shape: xs, data: back(dx.data, xs) }, { shape: xs, data: f64(c.dx) }, 1e-5);
          const dw = conv2dBackpropFilter(img(x, xs), img(dy, ys), filter.shape, opts as never);
          expectClose(
            { shape: ws, data: nhwc ? fromHwio(dw.data, ws) : dw.data },
            { shape: ws, data: f64(c.dw) },
            1e-5,
          );
          const db = conv2dBackpropBias(img(dy, ys), { layout });
          expectClose(db, { shape: [ws[0]], data: f64(c.db) }, 1e-5);
          // conv2dTranspose of dy is dx, given the pads and outputPadding that lead back to x's size.
          const pads = resolvedPads(c);
          const [sy, sx] = c.opts.stride;
          const [dh, dw2] = c.opts.dilation;
          const oh = xs[2] - ((ys[2] - 1) * sy - pads[0] - pads[1] + span(ws[2], dh));
          const ow = xs[3] - ((ys[3] - 1) * sx - pads[2] - pads[3] + span(ws[3], dw2));
          const t = conv2dTranspose(img(dy, ys), filter, null, {
            ...opts,
            pad: pads,
            outputPadding: [oh, ow],
          } as never);
          expectClose({ shape: xs, data: back(t.data, xs) }, { shape: xs, data: f64(c.dx) }, 1e-5);
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`);
        }
        seen.layouts++;
      }
    }
    // The grid crosses what it says it crosses.
    expect(seen.layouts).toBe(2 * (CASES + FEW));
    expect(seen.same).toBeGreaterThan(20);
    expect([...seen.groups].some((g) => g > 2)).toBe(true);
    expect(seen.activations.size).toBe(7);
  });
});

/** [top, bottom, left, right] of a case's pad, "same" written out (TensorFlow's rule). */
function resolvedPads(c: GridCase): [number, number, number, number] {
  const pad = c.opts.pad;
  if (pad === "valid") return [0, 0, 0, 0];
  if (typeof pad === "number") return [pad, pad, pad, pad];
  if (Array.isArray(pad) && pad.length === 2) return [pad[0], pad[0], pad[1], pad[1]];
  if (Array.isArray(pad)) return pad as [number, number, number, number];
  const [, , H, W] = c.shapes.x;
  const [, , FH, FW] = c.shapes.w;
  const same = (size: number, k: number, s: number, d: number) => {
    const total = Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [t, b] = same(H, FH, c.opts.stride[0], c.opts.dilation[0]);
  const [l, r] = same(W, FW, c.opts.stride[1], c.opts.dilation[1]);
  return [t, b, l, r];
}
