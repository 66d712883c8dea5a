// tfjs-core's own jasmine tests for convolutions, pools and matmuls (the files core_suite.ts
// imports, as its npm package ships them), on tfjs-backend-cpu and on zeroconv in one process.
// They are ES modules that import "../index" without extensions and require() jasmine-core, so
// esbuild bundles them first, resolving tfjs's packages to their ES builds ("module"): one copy of
// tfjs-core for the tests and for zeroconv/tfjs. Prints both counts and writes
// out/tfjs-core-suite.json (every spec's name and status per backend, and zeroconv's kernel counts).
//
//   node --import tsx test/tfjs/run_core_suite.ts     (ZEROCONV_BUILD / ZEROCONV_THREADS as for vitest)
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(import.meta.dirname, "../..");
const OUT = path.join(ROOT, "out");
const bundle = path.join(OUT, "tfjs-core-suite.cjs");
mkdirSync(OUT, { recursive: true });

/**
 * Specs left out, with why; matched as substrings of the spec's full name. Each also fails on
 * "cpu" or tests something zeroconv does not replace.
 */
export const EXCLUDED: { name: string; why: string }[] = [];

await build({
  entryPoints: [path.join(ROOT, "test/tfjs/core_suite.ts")],
  bundle: true,
  platform: "node",
  format: "cjs",
  mainFields: ["module", "main"],
  outfile: bundle,
  // jasmine-core is the runner's, shared with it; node-fetch is tfjs's Node fetch, never called here.
  external: ["jasmine-core", "node-fetch"],
  // zeroconv finds its .wasm files from its module's URL, which a CommonJS bundle has not: it is
  // told where its source sits, so that it finds build/ as from the package.
  define: { "import.meta.url": JSON.stringify(pathToFileURL(path.join(ROOT, "src/runtime/wasm.ts")).href) },
  // tfjs-core's package.json lists the files with side effects, and its test files are not among
  // them: without this esbuild drops every one of them.
  ignoreAnnotations: true,
  logLevel: "error",
});

const require = createRequire(import.meta.url);
const Jasmine = require("jasmine");
const runner = new Jasmine({ projectBaseDir: ROOT });
runner.exitOnCompletion = false;
runner.loadConfig({ random: false, stopSpecOnExpectationFailure: false });
// Defines describe/it on globalThis (done by the constructor) before the bundle's files call them.
const suite = require(bundle) as typeof import("./core_suite.js");
await suite.registerBackend();
suite.kernelStats(true);

type Status = "passed" | "failed" | "pending" | "excluded";
const results: Record<string, Record<string, Status>> = { cpu: {}, zeroconv: {} };
const failures: Record<string, string[]> = {};
runner.env.configure({
  specFilter: (spec: { getFullName(): string }) => !EXCLUDED.some((e) => spec.getFullName().includes(e.name)),
});
runner.env.addReporter({
  specDone(r: { fullName: string; status: Status; failedExpectations: { message: string }[] }) {
    const backend = / zeroconv \{/.test(r.fullName) ? "zeroconv" : / cpu \{/.test(r.fullName) ? "cpu" : null;
    if (backend === null) return;
    const name = r.fullName.replace(` ${backend} {`, " {");
    results[backend][name] = r.status;
    if (r.status === "failed")
      failures[`${backend}: ${name}`] = r.failedExpectations.map((e) => e.message.slice(0, 400));
  },
});
await runner.execute();

const count = (b: string, s: Status) => Object.values(results[b]).filter((v) => v === s).length;
const regressions = Object.keys(results.cpu).filter(
  (n) => results.cpu[n] === "passed" && results.zeroconv[n] !== "passed",
);
const report = {
  counts: {
    cpu: { passed: count("cpu", "passed"), failed: count("cpu", "failed") },
    zeroconv: { passed: count("zeroconv", "passed"), failed: count("zeroconv", "failed") },
  },
  regressions,
  excluded: EXCLUDED,
  kernels: suite.kernelStats(),
  failures,
  results,
};
writeFileSync(path.join(OUT, "tfjs-core-suite.json"), `${JSON.stringify(report, null, 1)}\n`);
const c = report.counts;
console.log(
  `tfjs-core suite: cpu ${c.cpu.passed} passed, ${c.cpu.failed} failed; zeroconv ${c.zeroconv.passed} passed, ${c.zeroconv.failed} failed; ` +
    `passing on cpu but not on zeroconv: ${regressions.length}`,
);
for (const r of regressions) console.log(`  ${r}\n    ${(failures[`zeroconv: ${r}`] ?? ["(not run)"]).join("\n    ")}`);
