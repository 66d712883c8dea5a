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
