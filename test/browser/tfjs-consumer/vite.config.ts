// Bundles the tfjs app as a user's project would: @tensorflow/tfjs from node_modules, and
// "zeroconv/tfjs" as this package's built entry for it (dist/tfjs/index.js), whose
// `new URL("../../build/zeroconv*.wasm", import.meta.url)` lines bring the .wasm builds along.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  logLevel: "warn",
  resolve: {
    alias: [
      { find: /^zeroconv\/tfjs$/, replacement: fileURLToPath(new URL("../../../dist/tfjs/index.js", import.meta.url)) },
    ],
  },
  build: {
    outDir: fileURLToPath(new URL("../../../out/browser/tfjs-consumer-dist", import.meta.url)),
    emptyOutDir: true,
    // All of tfjs (its WebGL backend too) is one chunk of a few MB: expected here.
    chunkSizeWarningLimit: 8192,
  },
});
