// Bundles the consumer app as a user's project would: "zeroconv" is the package directory itself
// (what `npm install zeroconv` would put in node_modules), so Vite reads its package.json
// "exports" and, building for the browser, takes the "default" condition: dist/browser.js.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  logLevel: "warn",
  resolve: {
    alias: [{ find: /^zeroconv$/, replacement: fileURLToPath(new URL("../../../", import.meta.url)) }],
  },
  build: {
    outDir: fileURLToPath(new URL("../../../out/browser/consumer-dist", import.meta.url)),
    emptyOutDir: true,
  },
});
