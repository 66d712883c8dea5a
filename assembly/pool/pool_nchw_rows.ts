// The scratch the NCHW pooling kernels share. They pool each plane in two passes, rows first: every
// input row is copied into a padded row (its margins hold the padding's value), each window's
// row of taps is reduced across that row for all outputs at once, into a plane of row results;
// then each output reduces its window's rows of that plane. Both passes are long, branch-free
// vector loops, and a row's reduction serves every output row whose window holds it (fh of them
// at stride 1). Row results are rows of outW rounded up to 16 floats, so both passes run whole
// 16-float blocks; the padded row has slack for the last block's loads at stride 2.

export function rowStride(outW: i32): i32 {
  return (outW + 15) & ~15;
}

// The padded row: the grid columns the windows reach, and at strides 1 and 2 (the vector passes)
// those of whole 16-output blocks plus the last stride-2 load's one float. Kept in step with
// pool_nchw_scratch_floats, which the kernels' callers size the scratch by.
export function paddedRowFloats(outW: i32, fw: i32, sx: i32, dw: i32): i32 {
  const blocks = sx <= 2 ? rowStride(outW) : outW;
  return (blocks - 1) * sx + (fw - 1) * dw + 1 + (sx <= 2 ? 8 : 0);
}

// Floats of scratch maxpool_nchw needs (and avgpool_nchw, with more): the padded row and h rows of
// row results. In f64, so that an absurd size comes out too large to allocate rather than wrapped.
export function pool_nchw_scratch_floats(h: i32, outW: i32, fw: i32, sx: i32, dw: i32): f64 {
  const stride = Math.ceil(<f64>outW / 16) * 16;
  const blocks = sx <= 2 ? stride : <f64>outW;
  return (blocks - 1) * <f64>sx + <f64>(fw - 1) * <f64>dw + 1 + (sx <= 2 ? 8 : 0) + <f64>h * stride;
}

// n floats from src to dst (memory.copy costs a call into the engine per row, which at a few dozen
// floats outweighs the copy).
export function copyRow(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, v128.load(src + o));
    v128.store(dst + o, v128.load(src + o, 16), 16);
    v128.store(dst + o, v128.load(src + o, 32), 32);
    v128.store(dst + o, v128.load(src + o, 48), 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(dst + ((<usize>i) << 2), v128.load(src + ((<usize>i) << 2)));
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>i) << 2)));
}
