// tfjs-core's own tests for the kernels zeroconv serves, on "cpu" and "zeroconv" (in a child
// process: they are jasmine tests, test/tfjs/run_core_suite.ts). Every spec that passes on tfjs's
// CPU backend must pass on zeroconv, and each of zeroconv's kernels must have run on zeroconv
// (a backend that handed everything back to the CPU kernels would pass otherwise).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

test("tfjs-core's conv, pool and matmul tests pass on the zeroconv backend wherever they pass on cpu", () => {
  // The relaxed-SIMD build needs its V8 flag on Node 20 (vitest.config.ts gives it to this process).
  const flags = process.execArgv.filter((a) => a === "--experimental-wasm-relaxed-simd");
  const run = spawnSync(process.execPath, [...flags, "--import", "tsx", "test/tfjs/run_core_suite.ts"], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const summary = run.stdout.split("\n").filter((l) => l.startsWith("tfjs-core suite") || l.startsWith("  "));
  console.log(summary.join("\n"));
  expect(run.status, run.stderr.slice(-3000)).toBe(0);
  const report = JSON.parse(readFileSync("out/tfjs-core-suite.json", "utf8"));
  expect(report.regressions).toEqual([]);
  expect(report.counts.cpu.passed).toBeGreaterThan(350);
  expect(report.counts.zeroconv.passed).toBe(report.counts.cpu.passed);
  // tfjs-core's mean tests take no mean over an image's pixels; tfjs-layers.test.ts's global pool does.
  const unreached = ["Mean"];
  for (const [name, c] of Object.entries(report.kernels as Record<string, { zeroconv: number }>)) {
    if (unreached.includes(name)) continue;
    expect(c.zeroconv, `${name} never ran on zeroconv`).toBeGreaterThan(0);
  }
});
