// Max-pooling with 2x2 windows at stride 2 and no padding, the SimpleConvNet's pooling, four
// outputs per step: the even and odd columns of two rows are split out with shuffles, and the
// four candidates of each window are compared in maxpool_forward's order and by its rule (the
// first maximum in row-major window order wins; NaN beats every number), so both kernels give
// the same maxima and argmax bit for bit. outH = h / 2 and outW = w / 2, rounded down.
export function maxpool_2x2s2_forward(
  x: usize,
  planes: i32,
  h: i32,
  w: i32,
  outH: i32,
  outW: i32,
  y: usize,
  argmax: usize,
): void {
  const rowBytes = (<usize>w) << 2;
  const planeBytes = (<usize>(h * w)) << 2;
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      let r0 = src + <usize>(2 * oy) * rowBytes;
      let r1 = r0 + rowBytes;
      const first = 2 * oy * w;
      let i0 = i32x4(first, first + 2, first + 4, first + 6);
      const right = i32x4.splat(1),
        down = i32x4.splat(w),
        downRight = i32x4.splat(w + 1),
        step = i32x4.splat(8);
      let ox = 0;
      for (; ox + 4 <= outW; ox += 4) {
        const a0 = v128.load(r0),
          a1 = v128.load(r0, 16);
        const b0 = v128.load(r1),
          b1 = v128.load(r1, 16);
        let best = i32x4.shuffle(a0, a1, 0, 2, 4, 6);
        let index = i0;
        const c1 = i32x4.shuffle(a0, a1, 1, 3, 5, 7);
        let take = v128.or(f32x4.gt(c1, best), v128.and(f32x4.ne(c1, c1), f32x4.eq(best, best)));
        best = v128.bitselect(c1, best, take);
        index = v128.bitselect(i32x4.add(i0, right), index, take);
        const c2 = i32x4.shuffle(b0, b1, 0, 2, 4, 6);
        take = v128.or(f32x4.gt(c2, best), v128.and(f32x4.ne(c2, c2), f32x4.eq(best, best)));
        best = v128.bitselect(c2, best, take);
        index = v128.bitselect(i32x4.add(i0, down), index, take);
        const c3 = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
        take = v128.or(f32x4.gt(c3, best), v128.and(f32x4.ne(c3, c3), f32x4.eq(best, best)));
        best = v128.bitselect(c3, best, take);
        index = v128.bitselect(i32x4.add(i0, downRight), index, take);
        v128.store(y, best);
        v128.store(argmax, index);
        r0 += 32;
        r1 += 32;
        i0 = i32x4.add(i0, step);
        y += 16;
        argmax += 16;
      }
      // The odd last column, when outW is not a multiple of 4: one window at a time. No arrays
      // here: the stub runtime's allocator would take memory the TypeScript heap owns.
      for (; ox < outW; ox++) {
        const at = first + 2 * ox;
        let best = load<f32>(r0);
        let bestIndex = at;
        let v = load<f32>(r0, 4);
        if (v > best || (v != v && best == best)) {
          best = v;
          bestIndex = at + 1;
        }
        v = load<f32>(r1);
        if (v > best || (v != v && best == best)) {
          best = v;
          bestIndex = at + w;
        }
        v = load<f32>(r1, 4);
        if (v > best || (v != v && best == best)) {
          best = v;
          bestIndex = at + w + 1;
        }
        store<f32>(y, best);
        store<i32>(argmax, bestIndex);
        r0 += 8;
        r1 += 8;
        y += 4;
        argmax += 4;
      }
    }
  }
}
