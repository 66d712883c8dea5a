import { addPaddedRow, runEnd, runStart } from "./padded_row";

// The adjoint of im2col_kernel_order: x = sum over slices, overlapping windows accumulate and
// values that fell on padding are dropped (the book's col2im). Reads the colT[n][k][p] layout.
export function col2im(
  colT: usize,
  n: i32,
  c: i32,
  h: i32,
  w: i32,
  fh: i32,
  fw: i32,
  stride: i32,
  pad: i32,
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
          const x0 = fx - pad;
          const i0 = runStart(x0, stride, outW);
          const i1 = runEnd(w, x0, stride, outW, i0);
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * stride - pad + fy;
            if (<u32>iy < <u32>h) {
              addPaddedRow(src, x0, stride, i0, i1, plane + ((<usize>(iy * w)) << 2));
            }
            src += (<usize>outW) << 2;
          }
        }
      }
      plane += planeBytes;
    }
  }
}
