// The adjoint of conv_nhwc_rows: rows [np, fh*fw*cg] of an im2row matrix added back onto the
// pixels they were read from, dx[iy][ix][c0 .. c0 + cg) += row's tap (fy, fx); taps that fell on
// padding are dropped and overlapping windows accumulate. The NHWC convolution's input gradient.
// dx is not cleared here: several chunks and groups add into one image.
export function conv_nhwc_rows_add(
  rows: usize,
  h: i32,
  w: i32,
  c: i32,
  c0: i32,
  cg: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
  outW: i32,
  p0: i32,
  np: i32,
  dx: usize,
): void {
  const tapBytes = (<usize>cg) << 2;
  for (let r = 0; r < np; r++) {
    const p = p0 + r;
    const oy = p / outW;
    const ox = p - oy * outW;
    const iy0 = oy * sy - top;
    const ix0 = ox * sx - left;
    for (let fy = 0; fy < fh; fy++) {
      const iy = iy0 + fy * dh;
      for (let fx = 0; fx < fw; fx++) {
        const ix = ix0 + fx * dw;
        if (<u32>iy < <u32>h && <u32>ix < <u32>w) {
          addFloats(dx + ((<usize>(iy * w + ix) * c + c0) << 2), rows, cg);
        }
        rows += tapBytes;
      }
    }
  }
}

function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = dst + ((<usize>i) << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + ((<usize>i) << 2))));
  }
  for (; i < n; i++) {
    const d = dst + ((<usize>i) << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + ((<usize>i) << 2)));
  }
}
