// Rows [p0, p0 + np) of one NHWC image's im2row matrix into dst [np, fh*fw*cg]: row r holds, for
// each tap (fy, fx) in turn, the cg channels c0 .. c0 + cg - 1 of the pixel that output p0 + r
// reads, x[oy*sy - top + fy*dh][ox*sx - left + fx*dw], or zeros outside the image. The order
// (fy, fx, c) is that of TensorFlow's HWIO filter, so the rows times W [fh*fw*cg, fn] is the
// convolution. In NHWC a tap's channels are contiguous: each is one copy, not a gather.
export function conv_nhwc_rows(
  x: usize,
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
  dst: usize,
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
          copyFloats(dst, x + ((<usize>(iy * w + ix) * c + c0) << 2), cg);
        } else {
          memory.fill(dst, 0, tapBytes);
        }
        dst += tapBytes;
      }
    }
  }
}

// memory.copy costs a call's worth for a few floats: the first layers' 1 or 3 channels go by hand.
function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n >= 16) {
    memory.copy(dst, src, (<usize>n) << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + ((<usize>i) << 2), v128.load(src + ((<usize>i) << 2)));
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>i) << 2)));
}
