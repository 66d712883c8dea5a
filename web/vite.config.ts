// The demo page (npm run web: dev server; npm run build:web: static site in web/dist/).
// "zeroconv" is this package's own built browser entry, dist/browser.js: its literal
// `new URL("../../build/zeroconv*.wasm", import.meta.url)` lines (dist/runtime/wasm.js) are what Vite follows to copy the four
// .wasm builds into the site. The COOP/COEP headers make the page cross-origin isolated, which
// SharedArrayBuffer, and so init({ threads: 2 }), needs.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const isolated = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative asset URLs: the built site works from any folder it is served from.
  base: "./",
  // No optimizeDeps.exclude needed: an alias to a file outside node_modules is not a dependency
  // that the dev server pre-bundles, so dist/*.js are served as they are and the .wasm URLs stay
  // right. (An installed zeroconv in node_modules is pre-bundled, which moves those URLs: a
  // project that installs it needs `optimizeDeps: { exclude: ["zeroconv"] }`.)
  // "zeroconv/tfjs" likewise: dist/tfjs/index.js, which imports the same dist/runtime/wasm.js.
  resolve: {
    alias: [
      { find: /^zeroconv$/, replacement: fileURLToPath(new URL("../dist/browser.js", import.meta.url)) },
      { find: /^zeroconv\/tfjs$/, replacement: fileURLToPath(new URL("../dist/tfjs/index.js", import.meta.url)) },
    ],
  },
  build: { outDir: "dist", emptyOutDir: true },
  // The training panel's worker is an ES module: it imports tfjs and zeroconv, whose .wasm URLs
  // are `new URL(..., import.meta.url)`.
  worker: { format: "es" },
  server: { headers: isolated },
  preview: { headers: isolated },
});
