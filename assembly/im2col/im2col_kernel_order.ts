import { copyPaddedRow, runEnd, runStart, zeroRun } from "./padded_row";

// The book's slice order (common/util.py): for every kernel offset (c, fy, fx), one strided slice
// over all outH x outW output pixels. It writes the layout the book builds *before* its transpose:
// colT[n][k][p], k = (c*fh + fy)*fw + fx, p = oy*outW + ox. That layout is also what a GEMM wants
// to produce NCHW directly (W[FN,K] x colT[K,P] = y[FN,P]), so the convolution uses it as is and
// only the public im2col pays for the transpose to the book's rows. Strides and dilations per axis
// and top/left padding (the bottom and right follow from outH, outW) serve the convolution's
// filter gradient in every geometry; the book's is sy = sx, dh = dw = 1, top = left = pad.
export function im2col_kernel_order(
  x: usize,
  n: i32,
  c: i32,
  h: i32,
  w: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
  outH: i32,
  outW: i32,
  colT: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  const sliceBytes = (<usize>(outH * outW)) << 2;
  let dst = colT;
  let plane = x;
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      for (let fy = 0; fy < fh; fy++) {
        for (let fx = 0; fx < fw; fx++) {
          const x0 = fx * dw - left;
          const i0 = runStart(x0, sx, outW);
          const i1 = runEnd(w, x0, sx, outW, i0);
          let out = dst;
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * sy - top + fy * dh;
            if (<u32>iy < <u32>h) {
              copyPaddedRow(plane + ((<usize>(iy * w)) << 2), w, x0, sx, i0, i1, outW, out);
            } else {
              zeroRun(out, outW);
            }
            out += (<usize>outW) << 2;
          }
          dst += sliceBytes;
        }
      }
      plane += planeBytes;
    }
  }
}
