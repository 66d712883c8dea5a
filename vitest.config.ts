import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed, N skipped" closing line.
    reporters: ["default", "json"],
    outputFile: { json: "out/vitest-report.json" },
  },
});
