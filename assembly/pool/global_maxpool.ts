import { max16 } from "./pool_window";
// Global max pooling as one reduction, global_avgpool's layout: x is [outer, inner, lanes] and
// y[o][l] the maximum over `inner` of x[o][i][l], by the windowed kernels' rules (the first
// maximum where values tie, NaN wins). NHWC (lanes = C) takes the pixels in order with the
// channels in v128s, which keeps the first maximum by itself. An NCHW plane (lanes = 1) is
// reduced in sixteen interleaved partial maxima, which can pick +0 where -0 came first (the only
// tie that shows): a maximum of zero is therefore looked up again, as the plane's first zero.
export function global_maxpool(x: usize, outer: i32, inner: i32, lanes: i32, y: usize): void {
  const rowBytes = (<usize>lanes) << 2;
  const blockBytes = <usize>inner * rowBytes;
  for (let o = 0; o < outer; o++) {
    const src = x + <usize>o * blockBytes;
    if (lanes == 1) {
      store<f32>(y, contiguousMax(src, inner));
      y += 4;
      continue;
    }
    let l = 0;
    for (; l + 16 <= lanes; l += 16) max16(src + ((<usize>l) << 2), rowBytes, inner, y + ((<usize>l) << 2));
    for (; l + 4 <= lanes; l += 4) {
      let p = src + ((<usize>l) << 2);
      let b = v128.load(p);
      let nan = f32x4.ne(b, b);
      for (let i = 1; i < inner; i++) {
        p += rowBytes;
        const v = v128.load(p);
        b = f32x4.pmax(b, v);
        nan = v128.or(nan, f32x4.ne(v, v));
      }
      v128.store(y + ((<usize>l) << 2), v128.or(b, nan));
    }
    for (; l < lanes; l++) {
      let p = src + ((<usize>l) << 2);
      let best = load<f32>(p);
      for (let i = 1; i < inner; i++) {
        p += rowBytes;
        const v = load<f32>(p);
        if (v > best || (v != v && best == best)) best = v;
      }
      store<f32>(y + ((<usize>l) << 2), best);
    }
    y += rowBytes;
  }
}

function contiguousMax(src: usize, n: i32): f32 {
  const first = v128.load32_splat(src);
  let b0 = first,
    b1 = first,
    b2 = first,
    b3 = first;
  let n0 = f32x4.ne(first, first),
    n1 = n0,
    n2 = n0,
    n3 = n0;
  let p = src;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v0 = v128.load(p),
      v1 = v128.load(p, 16),
      v2 = v128.load(p, 32),
      v3 = v128.load(p, 48);
    b0 = f32x4.pmax(b0, v0);
    b1 = f32x4.pmax(b1, v1);
    b2 = f32x4.pmax(b2, v2);
    b3 = f32x4.pmax(b3, v3);
    n0 = v128.or(n0, f32x4.ne(v0, v0));
    n1 = v128.or(n1, f32x4.ne(v1, v1));
    n2 = v128.or(n2, f32x4.ne(v2, v2));
    n3 = v128.or(n3, f32x4.ne(v3, v3));
    p += 64;
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p);
    b0 = f32x4.pmax(b0, v);
    n0 = v128.or(n0, f32x4.ne(v, v));
    p += 16;
  }
  const b = f32x4.pmax(f32x4.pmax(b0, b1), f32x4.pmax(b2, b3));
  const nan = v128.or(v128.or(n0, n1), v128.or(n2, n3));
  let best = max4(b);
  let isNan = v128.any_true(nan);
  for (; i < n; i++) {
    const v = load<f32>(p);
    if (v > best) best = v;
    if (v != v) isNan = true;
    p += 4;
  }
  if (isNan) return NaN;
  if (best == 0) {
    for (let j = 0; j < n; j++) {
      const v = load<f32>(src + ((<usize>j) << 2));
      if (v == 0) return v;
    }
  }
  return best;
}

function max4(b: v128): f32 {
  const m01 = max(f32x4.extract_lane(b, 0), f32x4.extract_lane(b, 1));
  const m23 = max(f32x4.extract_lane(b, 2), f32x4.extract_lane(b, 3));
  return max(m01, m23);
}
