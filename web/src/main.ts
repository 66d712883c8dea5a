// The demo page: init zeroconv, load the committed weights and the bundled test images, then
// recompute and redraw everything whenever the input changes (a stroke, a picked image) or
// another filter is chosen.
import { init, Relu, SimpleConvNet } from "zeroconv";
import { setUpBench } from "./bench_panel.js";
import { centredDigit } from "./centre_digit.js";
import { grey } from "./colour_maps.js";
import { byId } from "./dom.js";
import { DrawPad } from "./draw_pad.js";
import { forward, type Forward } from "./forward.js";
import { onFilterClick, showFilters, showForward, tileAt } from "./layer_view.js";
import { showMemo, timeOrders } from "./memo_view.js";
import { paintPlanes, type GridLayout } from "./pictures.js";
import { fetchBytes, parseTestImages, type TestImages } from "./test_images.js";
import { setUpTraining } from "./train_panel.js";

const THUMBS: GridLayout = { columns: 20, scaleX: 1, gap: 2, margin: 2 };

/** ?threads=N in the page's address (default 1). */
function threadsAsked(): number {
  const n = Number(new URLSearchParams(location.search).get("threads") ?? "1");
  return Number.isInteger(n) && n >= 1 && n <= 16 ? n : 1;
}

async function main(): Promise<void> {
  const asked = threadsAsked();
  // init() would fall back to 1 thread itself (with a console note); asking for 1 keeps the console clean.
  const info = await init({ threads: asked > 1 && crossOriginIsolated ? asked : 1 });
  const [weights, file] = await Promise.all([
    fetchBytes("simple_convnet.safetensors"),
    fetchBytes("mnist_test_100.bin"),
  ]);
  const net = new SimpleConvNet();
  net.loadParams(weights);
  const images = parseTestImages(file);
  const relu = new Relu();

  let picked: number | null = 0; // the test image on the pad, or null for a drawing
  let filter = 0;
  let current: Forward | null = null;

  const redraw = (): void => {
    if (current === null) return;
    const label =
      picked === null
        ? "your drawing, scaled and centred as MNIST's digits are"
        : `test image ${picked}, label ${images.label(picked)}${pad.hasInk ? ", with your strokes" : ""}`;
    showForward(current, filter, label);
    showMemo(current, net.params.W1, net.params.b1, filter);
    showFilters(net.params.W1, filter);
  };
  const update = (final: boolean): void => {
    current = forward(net, relu, pad.isDrawing ? centredDigit(pad.strokes) : pad.composite());
    redraw();
    if (final) timeOrders(current.x);
  };
  const pad = new DrawPad(byId("pad", HTMLCanvasElement), update);

  const index = byId("image-index", HTMLInputElement);
  index.max = String(images.count - 1);
  const pick = (i: number): void => {
    picked = (i + images.count) % images.count;
    index.value = String(picked);
    showThumbnails(images, picked);
    pad.setImage(images.image(picked));
  };
  index.addEventListener("change", () => pick(Number(index.value) || 0));
  byId("prev").addEventListener("click", () => pick((picked ?? 0) - 1));
  byId("next").addEventListener("click", () => pick((picked ?? -1) + 1));
  byId("clear").addEventListener("click", () => {
    picked = null;
    showThumbnails(images, null);
    pad.clear();
  });
  const thumbnails = byId("thumbnails", HTMLCanvasElement);
  thumbnails.addEventListener("click", (e) => {
    const i = tileAt(thumbnails, e, images.count, 28, 28, THUMBS);
    if (i >= 0) pick(i);
  });

  const select = byId("filter", HTMLSelectElement);
  select.replaceChildren(
    ...Array.from({ length: net.params.W1.shape[0] }, (_, f) => new Option(`W1[${f}]`, String(f))),
  );
  const choose = (f: number): void => {
    filter = f;
    select.value = String(f);
    redraw();
  };
  select.addEventListener("change", () => choose(Number(select.value)));
  onFilterClick(net.params.W1.shape[0], choose);

  setUpBench(net, images, info, asked);
  setUpTraining(info.threads);
  pick(0);
  byId("status").textContent =
    `ready: zeroconv ${info.build} build on ${info.threads} thread${info.threads > 1 ? "s" : ""}`;
  document.documentElement.dataset.ready = "true";
}

function showThumbnails(images: TestImages, picked: number | null): void {
  const canvas = byId("thumbnails", HTMLCanvasElement);
  const planes = Array.from({ length: images.count }, (_, i) => ({
    values: images.bytes(i),
    width: 28,
    height: 28,
    range: [0, 255] as const,
  }));
  paintPlanes(canvas, planes, grey, THUMBS);
  if (picked === null) return;
  const c = canvas.getContext("2d")!;
  const step = 28 + (THUMBS.gap ?? 0);
  c.strokeStyle = "#f0a020";
  c.lineWidth = 2;
  c.strokeRect(
    THUMBS.margin! + (picked % THUMBS.columns) * step - 1,
    THUMBS.margin! + Math.floor(picked / THUMBS.columns) * step - 1,
    30,
    30,
  );
}

main().catch((e: unknown) => {
  byId("status").textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  document.documentElement.dataset.ready = "error";
  console.error(e);
});
