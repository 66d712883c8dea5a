// The two im2col slice orders in plain TypeScript, as a baseline for the WASM kernels. Both fill a
// preallocated Float32Array with the book's matrix [N*outH*outW, C*FH*FW] -- rows (n, oy, ox),
// columns (c, fy, fx), zero padding -- and write every element, so buffers can be reused unzeroed.
import type { WindowGeometry } from "../src/ops/im2col.js";

/** Floats of the im2col matrix, which is also the size of the book's [N][K][P] intermediate. */
export function im2colFloats(g: WindowGeometry): number {
  return g.N * g.outH * g.outW * g.C * g.FH * g.FW;
}

// Output indices i in [lo, hi) read inside a row of `size` at start + i*step; the rest is padding.
// Computed once per run so the copy loops below carry no bounds tests.
function insideLo(start: number, step: number, len: number): number {
  return start >= 0 ? 0 : Math.min(Math.ceil(-start / step), len);
}
function insideHi(start: number, step: number, size: number, len: number, lo: number): number {
  return start >= size ? lo : Math.max(Math.min(Math.ceil((size - start) / step), len), lo);
}

// subarray().set() is a memcpy but allocates a view per call. Measured on the slices alone
// (Node 20): runs of 24 floats (case a) are 25% slower with set(), runs of 55 (cases b, d) are
// 1.6-1.9x faster; the cutoff sits between.
const SET_MIN = 32;

/**
 * The book's order (common/util.py): for each kernel offset (c, fy, fx) one strided slice over all
 * output pixels into `colT`, the book's intermediate [N][K][P]; then a transpose of each image's
 * [K][P] block to the [P][K] rows in `col`. `colT` is scratch of im2colFloats(g) floats.
 */
export function im2colKernelOrderJs(x: Float32Array, g: WindowGeometry, col: Float32Array, colT: Float32Array): void {
  const { N, C, H, W, FH, FW, stride, pad, outH, outW } = g;
  const K = C * FH * FW;
  const P = outH * outW;
  let d = 0;
  for (let plane = 0; plane < N * C * H * W; plane += H * W) {
    for (let fy = 0; fy < FH; fy++) {
      for (let fx = 0; fx < FW; fx++) {
        const x0 = fx - pad;
        const lo = insideLo(x0, stride, outW);
        const hi = insideHi(x0, stride, W, outW, lo);
        for (let oy = 0; oy < outH; oy++, d += outW) {
          const iy = oy * stride - pad + fy;
          if (iy < 0 || iy >= H) {
            for (let i = 0; i < outW; i++) colT[d + i] = 0;
            continue;
          }
          const src = plane + iy * W + x0;
          for (let i = 0; i < lo; i++) colT[d + i] = 0;
          if (stride !== 1) for (let i = lo; i < hi; i++) colT[d + i] = x[src + i * stride];
          else if (hi - lo >= SET_MIN) colT.set(x.subarray(src + lo, src + hi), d + lo);
          else for (let i = lo; i < hi; i++) colT[d + i] = x[src + i];
          for (let i = hi; i < outW; i++) colT[d + i] = 0;
        }
      }
    }
  }
  for (let n = 0; n < N; n++) transposeBlocked(colT, col, n * K * P, K, P);
}

// 16 x 16 tiles keep a tile's 16 destination rows in L1 while it is written column by column; a
// plain row-by-row transpose strides K*4 bytes per store. Measured gain in JS: 10-25% over the
// plain loop (8 and 32 are no better); the scalar stores themselves dominate.
const TILE = 16;

/** dst[off + j*rows + i] = src[off + i*cols + j] for one rows x cols matrix. */
function transposeBlocked(src: Float32Array, dst: Float32Array, off: number, rows: number, cols: number): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let i = i0; i < i1; i++) {
        const s = off + i * cols;
        for (let j = j0; j < j1; j++) dst[off + j * rows + i] = src[s + j];
      }
    }
  }
}

/**
 * The memo's order: for each output pixel (n, oy, ox), its C x FH x FW window starting at
 * (oy*stride - pad, ox*stride - pad) copied straight into its row of `col`.
 */
export function im2colOutputOrderJs(x: Float32Array, g: WindowGeometry, col: Float32Array): void {
  const { N, C, H, W, FH, FW, stride, pad, outH, outW } = g;
  let d = 0;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * stride - pad;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * stride - pad;
        const lo = insideLo(ix0, 1, FW);
        const hi = insideHi(ix0, 1, W, FW, lo);
        for (let c = 0; c < C; c++) {
          const plane = (n * C + c) * H * W;
          for (let fy = 0; fy < FH; fy++, d += FW) {
            const iy = iy0 + fy;
            if (iy < 0 || iy >= H) {
              for (let i = 0; i < FW; i++) col[d + i] = 0;
              continue;
            }
            // Window rows are FW floats (1-7 in the benchmarks), far below SET_MIN: per-element copies.
            const src = plane + iy * W + ix0;
            for (let i = 0; i < lo; i++) col[d + i] = 0;
            for (let i = lo; i < hi; i++) col[d + i] = x[src + i];
            for (let i = hi; i < FW; i++) col[d + i] = 0;
          }
        }
      }
    }
  }
}
