// Which taps of a sliding window land inside the input, along one axis: the window starts at i0
// (negative in the leading padding) and its taps are i0 + f*d. The direct convolutions and every
// pooling kernel skip the others instead of reading padding.

// The first tap f with i0 + f*d >= 0.
export function firstTap(i0: i32, d: i32): i32 {
  return i0 >= 0 ? 0 : (d - 1 - i0) / d;
}

// One past the last of k taps with i0 + f*d < size.
export function endTap(i0: i32, d: i32, k: i32, size: i32): i32 {
  return i0 >= size ? 0 : min(k, (size - 1 - i0) / d + 1);
}

// Byte offsets of a window's fh*fw*c taps, in (fy, fx, channel) order, from its first pixel's first
// channel in an NHWC image w pixels wide, into dst: the direct NHWC kernels' tap tables.
export function tapOffsets(dst: usize, fh: i32, fw: i32, c: i32, w: i32, dh: i32, dw: i32): void {
  let t = 0;
  for (let fy = 0; fy < fh; fy++)
    for (let fx = 0; fx < fw; fx++)
      for (let ci = 0; ci < c; ci++) {
        store<u32>(dst + ((<usize>t) << 2), ((fy * dh * w + fx * dw) * c + ci) << 2);
        t++;
      }
}

// The first output of a row whose window starts inside the image across...
export function firstInside(left: i32, sx: i32, outW: i32): i32 {
  return min((left + sx - 1) / sx, outW);
}

// ... and one past the last whose window ends inside it (at least `from`).
export function endInside(from: i32, w: i32, fw: i32, dw: i32, left: i32, sx: i32, outW: i32): i32 {
  const lim = w - 1 - (fw - 1) * dw + left;
  return lim < 0 ? from : max(from, min(outW, lim / sx + 1));
}
