import { existsSync, readFileSync } from "node:fs";
import { configDefaults, defineConfig } from "vitest/config";

// `npm test` runs the suite three times: plain SIMD on one thread, the relaxed-SIMD (FMA) build,
// and two threads. ZEROCONV_BUILD / ZEROCONV_THREADS set init()'s defaults (src/runtime/wasm.ts); Node 20
// validates relaxed SIMD only with a V8 flag, which NODE_OPTIONS refuses, so the test processes
// get it as an exec argument.
const build = process.env.ZEROCONV_BUILD ?? "";
const threads = process.env.ZEROCONV_THREADS ?? "";
const relaxed = "build/zeroconv.relaxed-simd.wasm";
// Node 22 and later validate relaxed SIMD by default and refuse the flag as a bad option.
const needsFlag = !existsSync(relaxed) || !WebAssembly.validate(readFileSync(relaxed));
const variant = [build, threads && `${threads}-threads`].filter(Boolean).join("-") || "simd";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The browser tests need Chromium and built sites: `npm run test:browser` (vitest.browser.config.ts).
    exclude: [...configDefaults.exclude, "test/browser/**"],
    testTimeout: 60_000,
    pool: "forks",
    poolOptions: {
      forks: { execArgv: build === "relaxed-simd" && needsFlag ? ["--experimental-wasm-relaxed-simd"] : [] },
    },
    // The JSON report lets .ci/run print a plain "N passed, N failed, N skipped" closing line.
    reporters: ["default", "json"],
    outputFile: { json: `out/vitest-report.${variant}.json` },
  },
});
