// maxPool2d, avgPool2d and their gradients against test/reference/pool_grid.py: NumPy in float64,
// every window's taps enumerated over the padded grid, over a grid that crosses every option.
// Every case runs in both layouts: NHWC on the transposed input, its result transposed back.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { avgPool2d, avgPool2dBackward, init, maxPool2d, maxPool2dBackward } from "../src/index.js";
import { toNchw, toNhwc } from "./reference_conv.js";
import { needs } from "./requirements.js";
import { base64Floats32, base64Floats64, expectClose } from "./util.js";

const script = fileURLToPath(new URL("reference/pool_grid.py", import.meta.url));
const CASES = 200;

interface GridCase {
  kind: "max" | "avg";
  opts: Record<string, unknown>;
  x_shape: number[];
  y_shape: number[];
  x: string;
  dy: string;
  y: string;
  dx: string;
}

let cases: GridCase[] = [];
const req = needs("test/pool-numpy.test.ts", `the pools and their gradients match NumPy on ${CASES} grid cases`, {
  numpy: true,
});

beforeAll(async () => {
  await init();
  if (req.skip) return;
  const run = spawnSync("python3", [script, String(CASES)], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`pool_grid.py failed: ${run.stderr}`);
  cases = JSON.parse(run.stdout).cases;
});

describe("pooling against NumPy (test/reference/pool_grid.py)", () => {
  it.skipIf(req.skip)(req.title, () => {
    expect(cases.length).toBe(CASES);
    const seen = { ceil: 0, include: 0, same: 0, dilated: 0 };
    for (const [i, c] of cases.entries()) {
      const xs = c.x_shape,
        ys = c.y_shape;
      const x = base64Floats32(c.x),
        dy = base64Floats32(c.dy);
      seen.ceil += c.opts.ceilMode ? 1 : 0;
      seen.include += c.opts.countIncludePad ? 1 : 0;
      seen.same += c.opts.pad === "same" ? 1 : 0;
      seen.dilated += JSON.stringify(c.opts.dilation ?? [1, 1]) !== "[1,1]" ? 1 : 0;
      for (const layout of ["NCHW", "NHWC"] as const) {
        const nhwc = layout === "NHWC";
        const img = (d: Float32Array, s: number[]) =>
          nhwc ? { shape: [s[0], s[2], s[3], s[1]], data: toNhwc(d, s) } : { shape: s, data: d };
        const back = (d: Float32Array, s: number[]) => (nhwc ? toNchw(d, s) : d);
        const opts = { ...c.opts, layout } as never;
        const what = `case ${i} ${layout}: ${c.kind} x [${xs}] ${JSON.stringify(c.opts)}`;
        try {
          const y = c.kind === "max" ? maxPool2d(img(x, xs), opts) : avgPool2d(img(x, xs), opts);
          expectClose({ shape: ys, data: back(y.data, ys) }, { shape: ys, data: base64Floats64(c.y) }, 1e-6);
          const dx =
            c.kind === "max"
              ? maxPool2dBackward(img(dy, ys), img(x, xs), opts)
              : avgPool2dBackward(img(dy, ys), img(x, xs).shape, opts);
          expectClose({ shape: xs, data: back(dx.data, xs) }, { shape: xs, data: base64Floats64(c.dx) }, 1e-6);
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`);
        }
      }
    }
    // The grid crosses what it says it crosses.
    expect(Math.min(seen.ceil, seen.include, seen.same, seen.dilated)).toBeGreaterThan(10);
  });
});
