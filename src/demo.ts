// `npm start`: the memo's walk through one convolution, on a synthetic digit until the MNIST
// demo lands. Convolves, pools, prints each stage's shape and a picture of it, and checks that
// both im2col slice orders give the same matrix.
import { Convolution, Pooling, Tensor, im2col, init } from "./index.js";

/** A 28x28 "5" drawn with thick strokes, values in [0, 1], as MNIST digits are. */
function syntheticFive(): Tensor {
  const img = new Float32Array(28 * 28);
  const stroke = (x0: number, y0: number, x1: number, y1: number) => {
    for (let t = 0; t <= 1; t += 0.01) {
      const cx = x0 + (x1 - x0) * t, cy = y0 + (y1 - y0) * t;
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
        const d = Math.hypot(x - cx, y - cy);
        img[y * 28 + x] = Math.max(img[y * 28 + x], Math.min(1, Math.max(0, 1.8 - d)));
      }
    }
  };
  stroke(19, 5, 9, 5); stroke(9, 5, 8, 13); stroke(8, 13, 16, 12);
  stroke(16, 12, 19, 17); stroke(19, 17, 15, 22); stroke(15, 22, 8, 21);
  return new Tensor(img, [1, 1, 28, 28]);
}

/** One text line per image row, darker characters for larger values. */
function picture(t: Tensor): string {
  const [, , h, w] = t.shape;
  const lo = Math.min(...t.data), hi = Math.max(...t.data);
  const shades = " .:-=+*#%@";
  const rows: string[] = [];
  for (let y = 0; y < h; y++) {
    let row = "";
    for (let x = 0; x < w; x++) {
      const v = (t.data[y * w + x] - lo) / (hi - lo || 1);
      row += shades[Math.min(shades.length - 1, Math.floor(v * shades.length))].repeat(2);
    }
    rows.push("    " + row);
  }
  return rows.join("\n");
}

function timeMs(f: () => unknown, repeats = 200): number {
  f(); // let V8 tier the kernel up first
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) f();
  return (performance.now() - t0) / repeats;
}

const { simd } = await init();
const x = syntheticFive();
// A 5x5 vertical-edge filter: left half negative, right half positive.
const filter = new Tensor(Float32Array.from({ length: 25 }, (_, i) => Math.sign((i % 5) - 2)), [1, 1, 5, 5]);
const conv = new Convolution(filter, new Tensor(new Float32Array([0]), [1]));
const pool = new Pooling(2, 2, 2);
const y = conv.forward(x);
const p = pool.forward(y);

console.log(`zeroconv demo (WebAssembly SIMD: ${simd})\n`);
console.log(`input.shape = ${JSON.stringify(x.shape).replaceAll(",", ", ")}`);
console.log(picture(x));
console.log(`filter.shape = ${JSON.stringify(filter.shape).replaceAll(",", ", ")}`);
console.log(picture(filter));
console.log(`convolution.shape = ${JSON.stringify(y.shape).replaceAll(",", ", ")}`);
console.log(picture(y));
console.log(`pooling.shape = ${JSON.stringify(p.shape).replaceAll(",", ", ")}`);
console.log(picture(p));

const byKernel = im2col(x, 5, 5, 1, 0, "kernel");
const byOutput = im2col(x, 5, 5, 1, 0, "output");
const same = byKernel.data.every((v, i) => Object.is(v, byOutput.data[i]));
console.log(`\nim2col matrix: ${byKernel.shape[0]} x ${byKernel.shape[1]} in both slice orders`);
console.log(`all elements are same = ${same}`);
console.log(`kernel order: ${(timeMs(() => im2col(x, 5, 5, 1, 0, "kernel")) * 1000).toFixed(1)} µs per call`);
console.log(`output order: ${(timeMs(() => im2col(x, 5, 5, 1, 0, "output")) * 1000).toFixed(1)} µs per call`);
conv.dispose();
pool.dispose();
if (!same) process.exitCode = 1;
