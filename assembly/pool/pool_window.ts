// The window arithmetic every pooling kernel shares, along one axis: which taps of a window that
// starts at i0 (in input coordinates, negative in the leading padding) land inside [0, size), and
// how many elements an average divides by. The callers guarantee that every window has a tap
// inside (src/ops/pool_geometry.ts refuses padding that would leave one empty).

// The first tap f with i0 + f*d >= 0.
export function firstTap(i0: i32, d: i32): i32 {
  return i0 >= 0 ? 0 : (d - 1 - i0) / d;
}

// One past the last of k taps with i0 + f*d < size.
export function endTap(i0: i32, d: i32, k: i32, size: i32): i32 {
  return i0 >= size ? 0 : min(k, (size - 1 - i0) / d + 1);
}

// The elements of a k-wide window at i0 that an average divides by: those inside [0, size), or
// with includePad those inside the padded extent, which ends `after` past the input. A ceil-mode
// window that hangs past that extent never counts the overhang (PyTorch's rule); windows never
// start before the leading padding, so its side needs no clamp.
export function divisor(i0: i32, k: i32, size: i32, after: i32, includePad: bool): i32 {
  if (includePad) return min(i0 + k, size + after) - i0;
  return min(i0 + k, size) - max(i0, 0);
}
