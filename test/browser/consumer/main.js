// A user's app: zeroconv imported by its package name, bundled by Vite, run in a browser.
import { conv2d, init, Tensor } from "zeroconv";
// The whole module as well: nothing is tree-shaken away, so the bundle holds all of the browser
// entry, and the page can tell which entry it got (the Node one adds loadMnist).
import * as zeroconv from "zeroconv";

const out = document.getElementById("result");
try {
  const { build, threads } = await init();
  // x: 1..16 as one 4×4 image; two 3×3 filters: a diagonal (1, 2, 3) and all ones; biases 0.5 and -1.
  const x = new Tensor(
    Float32Array.from({ length: 16 }, (_, i) => i + 1),
    [1, 1, 4, 4],
  );
  const W = new Tensor(new Float32Array([1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]), [2, 1, 3, 3]);
  const b = new Tensor(new Float32Array([0.5, -1]), [2]);
  const y = conv2d(x, W, b);
  out.textContent = JSON.stringify({
    build,
    threads,
    shape: y.shape,
    data: Array.from(y.data),
    exports: Object.keys(zeroconv).sort(),
  });
} catch (e) {
  out.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  console.error(e);
}
