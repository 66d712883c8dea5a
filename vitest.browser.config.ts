import { defineConfig } from "vitest/config";

// `npm run test:browser`: the demo page (web/dist) and a bundled consumer app
// (out/browser/consumer-dist) in headless Chromium. The script builds both first.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Like vitest.config.ts: a JSON report that .ci/run can count from.
    reporters: ["default", "json"],
    outputFile: { json: "out/vitest-report.browser.json" },
  },
});
