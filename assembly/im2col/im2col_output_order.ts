import { copyPaddedRow, runEnd, runStart, zeroRun } from "./padded_row";

// The memo's slice order: for every output pixel (n, oy, ox), copy its C x FH x FW window, which
// starts at (oy*stride - pad, ox*stride - pad) -- the memo started it at (oy, ox), right only at
// stride 1. It writes the book's im2col rows directly: col[(n*outH + oy)*outW + ox][(c*fh + fy)*fw + fx].
export function im2col_output_order(
  x: usize,
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
  col: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  const fwBytes = (<usize>fw) << 2;
  let dst = col;
  for (let img = 0; img < n; img++) {
    const image = x + <usize>(img * c) * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * stride - pad;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * stride - pad;
        const i0 = runStart(ix0, 1, fw);
        const i1 = runEnd(w, ix0, 1, fw, i0);
        let plane = image;
        for (let ch = 0; ch < c; ch++) {
          for (let fy = 0; fy < fh; fy++) {
            const iy = iy0 + fy;
            if (<u32>iy < <u32>h) {
              copyPaddedRow(plane + ((<usize>(iy * w)) << 2), w, ix0, 1, i0, i1, fw, dst);
            } else {
              zeroRun(dst, fw);
            }
            dst += fwBytes;
          }
          plane += planeBytes;
        }
      }
    }
  }
}
