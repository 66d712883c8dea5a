// `zeroconv demo` (npm start): the reader's memo of the book's chapter 7 on real data. MNIST
// training image 5 goes through the first learned 5x5 filter (conv -> 1x1x24x24, 2x2 max-pool ->
// 1x1x12x12); every stage, both im2col slice orders and the 30 learned filters become PNGs under
// out/ with an index.html, and the loaded network's test accuracy closes the run.
import { join, resolve } from "node:path";
import { Convolution, im2col, init, loadMnist, Pooling, SimpleConvNet, Tensor, type SliceOrder } from "../index.js";
import { greyImage, tileGrid, upscale, type GreyImage } from "../pictures/picture.js";
import type { Command } from "./args.js";
import { defaultWeights, writePng, writeText } from "./files.js";
import { median } from "./timing.js";

const IMAGE = 5;

export const demo: Command = {
  name: "demo",
  summary: "the memo's walk through one convolution and pooling on MNIST, as pictures in out/",
  usage: "zeroconv demo [--params weights.safetensors|params.pkl] [--out dir]",
  flags: {
    params: ["string", "weights to load (.safetensors or the book's .pkl); default: the committed trained weights"],
    out: ["string", "directory for the PNGs and index.html (default: out)"],
  },
  async run(flags) {
    const outDir = resolve(String(flags.out ?? "out"));
    const paramsPath = String(flags.params ?? defaultWeights);
    await init();
    const [[xTrain, tTrain], [xTest, tTest]] = await loadMnist({ flatten: false });
    const net = new SimpleConvNet();
    net.loadParams(paramsPath);
    console.log(`weights: ${paramsPath}`);
    console.log(`MNIST training image ${IMAGE} (label ${tTrain[IMAGE]})\n`);

    const x = new Tensor(xTrain.data.slice(IMAGE * 784, (IMAGE + 1) * 784), [1, 1, 28, 28]);
    const filter = new Tensor(net.params.W1.data.slice(0, 25), [1, 1, 5, 5]);
    const bias = new Tensor(net.params.b1.data.slice(0, 1), [1]);
    const conv = new Convolution(filter, bias, 1, 0);
    const pool = new Pooling(2, 2, 2, 0);
    const convolved = conv.forward(x);
    const pooled = pool.forward(convolved);
    conv.dispose();
    pool.dispose();
    for (const [name, t] of [
      ["input", x],
      ["filter", filter],
      ["convolution", convolved],
      ["pooling", pooled],
    ] as const) {
      console.log(`${name}.shape = [${t.shape.join(", ")}]`);
    }

    const figures: Figure[] = [
      stage("input.png", `input: training image ${IMAGE}, 28×28`, x, 12),
      stage("filter.png", "filter: W1[:1], 5×5", filter, 48),
      stage("convolution.png", "convolution: 24×24", convolved, 14),
      stage("pooling.png", "pooling 2×2, stride 2: 12×12", pooled, 28),
    ];
    const cols: Record<SliceOrder, Tensor> = {
      kernel: im2col(x, 5, 5, 1, 0, "kernel"),
      output: im2col(x, 5, 5, 1, 0, "output"),
    };
    figures.push(...slicePictures(cols));
    figures.push(filterGrid(net.params.W1));
    for (const f of figures) writePng(join(outDir, f.file), f.image, 1);
    writeText(join(outDir, "index.html"), page(figures));

    const same = cols.kernel.data.every((v, i) => Object.is(v, cols.output.data[i]));
    console.log(`\nim2col: ${cols.kernel.shape[0]}×${cols.kernel.shape[1]} in both slice orders`);
    console.log(`all elements are same = ${same}`);
    for (const order of ["kernel", "output"] as const) {
      const ms = median(() => im2col(x, 5, 5, 1, 0, order), 300);
      console.log(`  ${order} order: ${(ms * 1000).toFixed(1)} µs per call (median, WASM)`);
    }
    console.log(`\npictures: ${figures.length} PNGs and ${join(outDir, "index.html")}`);

    const t0 = performance.now();
    const accuracy = net.accuracy(xTest, tTest);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `test accuracy: ${(accuracy * 100).toFixed(2)}% of ${tTest.length} images in ${seconds.toFixed(2)} s (${Math.round(tTest.length / seconds)} images/s)`,
    );
    if (!same) process.exitCode = 1;
  },
};

interface Figure {
  file: string;
  caption: string;
  image: GreyImage;
}

function stage(file: string, caption: string, t: Tensor, scale: number): Figure {
  const h = t.shape[t.shape.length - 2],
    w = t.shape[t.shape.length - 1];
  return { file, caption, image: upscale(greyImage(t.data, w, h), scale) };
}

/**
 * The memo's pictures of each order as it slices: the kernel order's FH·FW strided slices of
 * outH×outW (columns of its matrix), the output order's outH·outW windows of FH×FW (rows of its
 * matrix), and each order's finished matrix, drawn 25 rows by 576 columns (col.T) to fit a page.
 */
function slicePictures(cols: Record<SliceOrder, Tensor>): Figure[] {
  const [P, K] = cols.kernel.shape;
  const range = { min: Math.min(...cols.kernel.data), max: Math.max(...cols.kernel.data) };
  const column = (m: Tensor, k: number): Float32Array => Float32Array.from({ length: P }, (_, p) => m.data[p * K + k]);
  const slices = Array.from({ length: K }, (_, k) => upscale(greyImage(column(cols.kernel, k), 24, 24, range), 3));
  const windows = Array.from({ length: P }, (_, p) =>
    upscale(greyImage(cols.output.data.subarray(p * K, (p + 1) * K), 5, 5, range), 4),
  );
  const transposed = (m: Tensor): GreyImage => {
    const t = new Float32Array(P * K);
    for (let p = 0; p < P; p++) for (let k = 0; k < K; k++) t[k * P + p] = m.data[p * K + k];
    return upscale(greyImage(t, P, K, range), 2);
  };
  return [
    {
      file: "im2col_kernel_order_slices.png",
      caption: `kernel order: ${K} slices of 24×24, one per filter offset (fy, fx)`,
      image: tileGrid(slices, 5, 4),
    },
    {
      file: "im2col_output_order_windows.png",
      caption: `output order: ${P} windows of 5×5, one per output pixel (oy, ox)`,
      image: tileGrid(windows, 24, 2),
    },
    {
      file: "im2col_kernel_order_matrix.png",
      caption: `kernel order after transpose + reshape: the ${P}×${K} matrix, drawn transposed (${K} rows × ${P} columns)`,
      image: transposed(cols.kernel),
    },
    {
      file: "im2col_output_order_matrix.png",
      caption: `output order: the same ${P}×${K} matrix, drawn transposed`,
      image: transposed(cols.output),
    },
  ];
}

/** The 30 learned first-layer filters, as the book's visualize_filter.py draws them (gray_r). */
function filterGrid(W1: Tensor): Figure {
  const [FN, , FH, FW] = W1.shape;
  const tiles = Array.from({ length: FN }, (_, f) =>
    upscale(greyImage(W1.data.subarray(f * FH * FW, (f + 1) * FH * FW), FW, FH, { invert: true }), 10),
  );
  return {
    file: "filters.png",
    caption: `the ${FN} learned first-layer filters (W1), dark = large`,
    image: tileGrid(tiles, 10, 6),
  };
}

function page(figures: Figure[]): string {
  const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const items = figures
    .map(
      (f) =>
        `<figure><img src="${f.file}" width="${f.image.width}" height="${f.image.height}" alt="${escapeHtml(f.caption)}">` +
        `<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`,
    )
    .join("\n");
  return `<!doctype html>
<meta charset="utf-8">
<title>zeroconv demo: one MNIST image through conv and pooling</title>
<style>body{font:15px system-ui,sans-serif;margin:2em;max-width:1800px}figure{display:inline-block;margin:0 2em 2em 0;vertical-align:top}img{image-rendering:pixelated;border:1px solid #ccc;max-width:100%;height:auto}figcaption{margin-top:.4em;color:#333}</style>
<h1>MNIST training image ${IMAGE} through the first learned filter</h1>
<p>Written by <code>zeroconv demo</code>. Both im2col slice orders give the same matrix; the pictures show how each one gets there.</p>
${items}
`;
}
