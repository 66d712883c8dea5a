import { addPaddedRow, runEnd, runStart } from "./padded_row";

// The adjoint of im2col_kernel_order: x = sum over slices, overlapping windows accumulate and
// values that fell on padding are dropped (the book's col2im). Reads the colT[n][k][p] layout, in
// the same general geometry as im2col_kernel_order: the convolution's input gradient in every one.
export function col2im(
  colT: usize,
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
  x: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  memory.fill(x, 0, <usize>(n * c) * planeBytes);
  let src = colT;
  let plane = x;
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      for (let fy = 0; fy < fh; fy++) {
        for (let fx = 0; fx < fw; fx++) {
          const x0 = fx * dw - left;
          const i0 = runStart(x0, sx, outW);
          const i1 = runEnd(w, x0, sx, outW, i0);
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * sy - top + fy * dh;
            if (<u32>iy < <u32>h) {
              addPaddedRow(src, x0, sx, i0, i1, plane + ((<usize>(iy * w)) << 2));
            }
            src += (<usize>outW) << 2;
          }
        }
      }
      plane += planeBytes;
    }
  }
}
