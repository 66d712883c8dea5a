// The memo's view: the image unfolded by im2col in both slice orders (the book's kernel order and
// the memo's output order), the two matrices compared element by element and timed, and the
// chosen filter applied as one matrix product, im2col(x) · W1[f] + b1[f], which must give
// conv2d's map f.
import { im2col, matmul, Tensor, type SliceOrder } from "zeroconv";
import { diverging, grey } from "./colour_maps.js";
import { byId } from "./dom.js";
import type { Forward } from "./forward.js";
import { paintPlanes, symmetric } from "./pictures.js";
import { medianMs } from "./timing.js";

const F = 5; // the network's filters are 5×5, stride 1, no padding
const ORDERS: readonly SliceOrder[] = ["kernel", "output"];

export function showMemo(f: Forward, W1: Tensor, b1: Tensor, filter: number): void {
  const cols = ORDERS.map((order) => im2col(f.x, F, F, 1, 0, order));
  const [P, K] = cols[0].shape; // 576 windows × 25 taps
  cols.forEach((col, i) => {
    // Drawn transposed, K rows × P columns, each row 4 pixels high, so that it fits a page.
    const t = new Float32Array(P * K);
    for (let p = 0; p < P; p++) for (let k = 0; k < K; k++) t[k * P + p] = col.data[p * K + k];
    paintPlanes(
      byId(`im2col-${ORDERS[i]}`, HTMLCanvasElement),
      [{ values: t, width: P, height: K, range: [0, 1] }],
      grey,
      { columns: 1, scaleX: 1, scaleY: 4 },
    );
  });
  const same =
    cols[0].data.length === cols[1].data.length && cols[0].data.every((v, i) => Object.is(v, cols[1].data[i]));
  byId("orders-agree").textContent = `all elements are same = ${same}`;
  byId("orders-agree").classList.toggle("bad", !same);
  byId("im2col-shape").textContent = `${P}×${K}`;

  // The filter as a [25, 1] column: one matrix product gives its whole 24×24 map.
  const w = new Tensor(W1.data.slice(filter * K, (filter + 1) * K), [K, 1]);
  const product = matmul(cols[0], w);
  for (let i = 0; i < P; i++) product.data[i] += b1.data[filter];
  const side = Math.sqrt(P);
  const reference = f.conv.data.subarray(filter * P, (filter + 1) * P);
  let diff = 0;
  for (let i = 0; i < P; i++) diff = Math.max(diff, Math.abs(product.data[i] - reference[i]));
  const range = symmetric(reference);
  paintPlanes(
    byId("memo-filter", HTMLCanvasElement),
    [{ values: w.data, width: F, height: F, range: symmetric(W1.data) }],
    diverging,
    { columns: 1, scaleX: 16 },
  );
  paintPlanes(
    byId("memo-product", HTMLCanvasElement),
    [{ values: product.data, width: side, height: side, range }],
    diverging,
    { columns: 1, scaleX: 5 },
  );
  paintPlanes(
    byId("memo-conv", HTMLCanvasElement),
    [{ values: reference, width: side, height: side, range }],
    diverging,
    { columns: 1, scaleX: 5 },
  );
  byId("memo-check").textContent = `largest |difference| = ${diff.toExponential(1)}`;
  document.querySelectorAll(".filter-number").forEach((el) => {
    el.textContent = String(filter);
  });
}

/**
 * Each order's median time per call on this image, in this browser. Both are warmed up first (200
 * calls each, about 10 ms): until the engine has optimised the JavaScript around the kernels, the
 * first calls take several times as long.
 */
export function timeOrders(x: Tensor): void {
  for (const order of ORDERS) for (let i = 0; i < 200; i++) im2col(x, F, F, 1, 0, order);
  for (const order of ORDERS) {
    const ms = medianMs(() => im2col(x, F, F, 1, 0, order), 21, 25);
    byId(`time-${order}`).textContent = `${(ms * 1000).toFixed(1)} µs`;
  }
}
