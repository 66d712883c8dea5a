import { formatShape, describe, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkInt, checkShape, checkTensor, outputLength } from "../tensor/validate.js";
import { readTensor, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";

/**
 * The two ways of slicing an image into the im2col matrix; both give identical bytes.
 * - `kernel`: the book's order: one strided slice over all output pixels per kernel offset
 *   (FH*FW big copies), then a transpose to rows.
 * - `output`: the memo's order: one FH x FW window copy per output pixel, written straight into rows.
 */
export type SliceOrder = "kernel" | "output";

export interface WindowGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  FH: number;
  FW: number;
  stride: number;
  pad: number;
  outH: number;
  outW: number;
}

export function windowGeometry(
  fn: string,
  xShape: number[],
  filterH: unknown,
  filterW: unknown,
  stride: unknown,
  pad: unknown,
  names = { filterH: "filterH", filterW: "filterW" },
): WindowGeometry {
  const [N, C, H, W] = xShape;
  const FH = checkInt(fn, names.filterH, filterH, 1);
  const FW = checkInt(fn, names.filterW, filterW, 1);
  const s = checkInt(fn, "stride", stride, 1);
  const p = checkInt(fn, "pad", pad, 0);
  const outH = outputLength(fn, "height", H, FH, s, p);
  const outW = outputLength(fn, "width", W, FW, s, p);
  return { N, C, H, W, FH, FW, stride: s, pad: p, outH, outW };
}

/**
 * Unfolds NCHW `x` into the book's im2col matrix [N*outH*outW, C*FH*FW]: rows ordered (n, oy, ox),
 * columns (c, fy, fx), padding as zeros.
 */
export function im2col(
  x: TensorLike,
  filterH: number,
  filterW: number,
  stride = 1,
  pad = 0,
  order: SliceOrder = "kernel",
): Tensor {
  const fn = "im2col";
  const rt = getRuntime();
  const g = windowGeometry(fn, checkTensor(fn, "x", x, ["N", "C", "H", "W"]), filterH, filterW, stride, pad);
  if (order !== "kernel" && order !== "output") {
    throw new TypeError(`${fn}: order must be "kernel" or "output"; got ${describe(order)}`);
  }
  const K = g.C * g.FH * g.FW;
  const rows = g.N * g.outH * g.outW;
  const k = rt.kernels;
  const dims = [g.N, g.C, g.H, g.W, g.FH, g.FW] as const;
  if (order === "output") {
    return withBuffers(rt, fn, [x.data.length, rows * K], ([px, pcol]) => {
      writeFloats(rt, px, x.data);
      k.im2col_output_order(px, ...dims, g.stride, g.pad, g.outH, g.outW, pcol);
      return readTensor(rt, pcol, [rows, K]);
    });
  }
  return withBuffers(rt, fn, [x.data.length, rows * K, rows * K], ([px, pcolT, pcol]) => {
    writeFloats(rt, px, x.data);
    k.im2col_kernel_order(px, ...dims, g.stride, g.stride, 1, 1, g.pad, g.pad, g.outH, g.outW, pcolT);
    k.transpose_4x4(pcolT, K, g.outH * g.outW, pcol, g.N);
    return readTensor(rt, pcol, [rows, K]);
  });
}

/**
 * Folds an im2col matrix back into an NCHW tensor of `inputShape`, summing where windows overlap
 * and dropping padding: the adjoint of im2col, as the book's col2im.
 */
export function col2im(
  col: TensorLike,
  inputShape: readonly number[],
  filterH: number,
  filterW: number,
  stride = 1,
  pad = 0,
): Tensor {
  const fn = "col2im";
  const rt = getRuntime();
  const xShape = checkShape(fn, "inputShape", inputShape, ["N", "C", "H", "W"]);
  const g = windowGeometry(fn, xShape, filterH, filterW, stride, pad);
  const K = g.C * g.FH * g.FW;
  const P = g.outH * g.outW;
  const colShape = checkTensor(fn, "col", col, ["N*outH*outW", "C*FH*FW"]);
  if (colShape[0] !== g.N * P || colShape[1] !== K) {
    throw new RangeError(
      `${fn}: col must have shape [${g.N * P}, ${K}] for inputShape ${formatShape(xShape)} with a ` +
        `${g.FH}x${g.FW} filter, stride ${g.stride}, pad ${g.pad}; got ${formatShape(colShape)}`,
    );
  }
  const xSize = g.N * g.C * g.H * g.W;
  return withBuffers(rt, fn, [col.data.length, col.data.length, xSize], ([pcol, pcolT, px]) => {
    writeFloats(rt, pcol, col.data);
    rt.kernels.transpose_4x4(pcol, P, K, pcolT, g.N);
    const { stride: s, pad: p } = g;
    rt.kernels.col2im(pcolT, g.N, g.C, g.H, g.W, g.FH, g.FW, s, s, 1, 1, p, p, g.outH, g.outW, px);
    return readTensor(rt, px, xShape);
  });
}
