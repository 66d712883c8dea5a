// maxpool_2x2s2_forward without the argmax, for inference: the same comparisons in the same order
// (the first maximum wins; NaN beats every number), so the maxima are bit for bit the same, at
// about half the instructions per window.
export function maxpool_2x2s2_max(x: usize, planes: i32, h: i32, w: i32, outH: i32, outW: i32, y: usize): void {
  const rowBytes = <usize>w << 2;
  const planeBytes = <usize>(h * w) << 2;
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      let r0 = src + <usize>(2 * oy) * rowBytes;
      let r1 = r0 + rowBytes;
      let ox = 0;
      for (; ox + 4 <= outW; ox += 4) {
        const a0 = v128.load(r0), a1 = v128.load(r0, 16);
        const b0 = v128.load(r1), b1 = v128.load(r1, 16);
        let best = i32x4.shuffle(a0, a1, 0, 2, 4, 6);
        best = larger(i32x4.shuffle(a0, a1, 1, 3, 5, 7), best);
        best = larger(i32x4.shuffle(b0, b1, 0, 2, 4, 6), best);
        best = larger(i32x4.shuffle(b0, b1, 1, 3, 5, 7), best);
        v128.store(y, best);
        r0 += 32;
        r1 += 32;
        y += 16;
      }
      for (; ox < outW; ox++) {
        let best = load<f32>(r0);
        best = largerScalar(load<f32>(r0, 4), best);
        best = largerScalar(load<f32>(r1), best);
        best = largerScalar(load<f32>(r1, 4), best);
        store<f32>(y, best);
        r0 += 8;
        r1 += 8;
        y += 4;
      }
    }
  }
}

// The candidate replaces the best so far when greater, or when it is NaN and the best is not.
@inline function larger(c: v128, best: v128): v128 {
  return v128.bitselect(c, best, v128.or(f32x4.gt(c, best), v128.and(f32x4.ne(c, c), f32x4.eq(best, best))));
}

@inline function largerScalar(c: f32, best: f32): f32 {
  return c > best || (c != c && best == best) ? c : best;
}
