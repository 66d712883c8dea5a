// The benchmark panel: inference speed on a batch of the bundled test images, with the build and
// thread count that init() reported, and a link to reload with the other thread count.
import { type InitResult, type SimpleConvNet, Tensor } from "zeroconv";
import { byId } from "./dom.js";
import type { TestImages } from "./test_images.js";
import { argmax } from "./probability_chart.js";
import { medianMs, nextFrame } from "./timing.js";

const SAMPLES = 20;

export function setUpBench(net: SimpleConvNet, images: TestImages, info: InitResult, asked: number): void {
  byId("build").textContent = info.build;
  byId("threads").textContent = String(info.threads);
  const other = info.threads > 1 ? 1 : 2;
  const link = byId("threads-link", HTMLAnchorElement);
  link.href = `?threads=${other}`;
  link.textContent = `reload with ${other} thread${other > 1 ? "s" : ""}`;
  byId("isolation").textContent = crossOriginIsolated
    ? "The page is cross-origin isolated, so zeroconv can share its memory with worker threads."
    : `The page is not cross-origin isolated (no COOP/COEP headers), so it runs on 1 thread${asked > 1 ? ` although ${asked} were asked for` : ""}.`;

  const n = images.count;
  const batch = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) batch.set(images.image(i), i * 784);
  const x = new Tensor(batch, [n, 1, 28, 28]);
  const button = byId("bench-run", HTMLButtonElement);
  button.addEventListener("click", async () => {
    button.disabled = true;
    byId("bench-rate").textContent = "…";
    byId("bench-detail").textContent = "measuring";
    await nextFrame();
    const ms = medianMs(() => net.predict(x), SAMPLES, 1, 3);
    const scores = net.predict(x).data;
    let correct = 0;
    for (let i = 0; i < n; i++) if (argmax(scores.subarray(i * 10, i * 10 + 10)) === images.label(i)) correct++;
    byId("bench-rate").textContent = String(Math.round(n / (ms / 1000)));
    byId("bench-detail").textContent =
      `a batch of ${n} images in ${ms.toFixed(2)} ms (median of ${SAMPLES} predict calls after warm-up); ${correct} of ${n} right`;
    button.disabled = false;
  });
}
