// Global average pooling as one reduction: x is [outer, inner, lanes] and y[o][l] the mean over
// `inner` of x[o][i][l]. NCHW is lanes = 1 (each plane is contiguous, summed along itself with
// four v128 accumulators, so sixteen partial sums that also keep the rounding error down); NHWC
// is inner = H*W pixels of lanes = C channels, summed vertically with the channels in v128s.
// Each mean is a division, not a multiplication by a reciprocal: there is one per output.
export function global_avgpool(x: usize, outer: i32, inner: i32, lanes: i32, y: usize): void {
  const count = <f32>inner;
  const vcount = f32x4.splat(count);
  const rowBytes = (<usize>lanes) << 2;
  const blockBytes = <usize>inner * rowBytes;
  for (let o = 0; o < outer; o++) {
    const src = x + <usize>o * blockBytes;
    if (lanes == 1) {
      store<f32>(y, contiguousSum(src, inner) / count);
      y += 4;
      continue;
    }
    let l = 0;
    for (; l + 16 <= lanes; l += 16) {
      let p = src + ((<usize>l) << 2);
      let a0 = f32x4.splat(0),
        a1 = f32x4.splat(0),
        a2 = f32x4.splat(0),
        a3 = f32x4.splat(0);
      for (let i = 0; i < inner; i++) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
        p += rowBytes;
      }
      const q = y + ((<usize>l) << 2);
      v128.store(q, f32x4.div(a0, vcount));
      v128.store(q, f32x4.div(a1, vcount), 16);
      v128.store(q, f32x4.div(a2, vcount), 32);
      v128.store(q, f32x4.div(a3, vcount), 48);
    }
    for (; l + 4 <= lanes; l += 4) {
      let p = src + ((<usize>l) << 2);
      let a = f32x4.splat(0);
      for (let i = 0; i < inner; i++) {
        a = f32x4.add(a, v128.load(p));
        p += rowBytes;
      }
      v128.store(y + ((<usize>l) << 2), f32x4.div(a, vcount));
    }
    for (; l < lanes; l++) {
      let p = src + ((<usize>l) << 2);
      let a: f32 = 0;
      for (let i = 0; i < inner; i++) {
        a += load<f32>(p);
        p += rowBytes;
      }
      store<f32>(y + ((<usize>l) << 2), a / count);
    }
    y += rowBytes;
  }
}

// The sum of n contiguous floats: sixteen partial sums, then four, then the tail.
function contiguousSum(p: usize, n: i32): f32 {
  let a0 = f32x4.splat(0),
    a1 = f32x4.splat(0),
    a2 = f32x4.splat(0),
    a3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
    p += 64;
  }
  for (; i + 4 <= n; i += 4) {
    a0 = f32x4.add(a0, v128.load(p));
    p += 16;
  }
  const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
  for (; i < n; i++) {
    s += load<f32>(p);
    p += 4;
  }
  return s;
}
