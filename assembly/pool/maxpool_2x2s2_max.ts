// maxpool_2x2s2_forward without the argmax, for inference: the same maxima, the first one where
// values tie (which only tells -0 from +0), and NaN wherever a window holds one -- at about a
// third of the instructions per window, which a NaN-exact "larger" chain would cost.
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
        v128.store(y, windowMax(
          i32x4.shuffle(a0, a1, 0, 2, 4, 6), i32x4.shuffle(a0, a1, 1, 3, 5, 7),
          i32x4.shuffle(b0, b1, 0, 2, 4, 6), i32x4.shuffle(b0, b1, 1, 3, 5, 7),
        ));
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

// Lane-wise maximum of four windows' values, taken in order: a later value replaces the best so
// far only when greater (pmax is one maxps), and a NaN anywhere makes the lane NaN (all ones).
@inline function windowMax(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const best = f32x4.pmax(f32x4.pmax(f32x4.pmax(v0, v1), v2), v3);
  const nan = v128.or(v128.or(f32x4.ne(v1, v1), f32x4.ne(v2, v2)), f32x4.ne(v3, v3));
  return v128.or(best, nan);
}

// The scalar tail's comparison: the candidate replaces the best so far when greater, or when it is
// NaN and the best is not.
@inline function largerScalar(c: f32, best: f32): f32 {
  return c > best || (c != c && best == best) ? c : best;
}
