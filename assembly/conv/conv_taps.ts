// The taps of a window that land inside the image, for the direct kernels that skip the rest.

// The first tap whose pixel i0 + f*d is >= 0.
export function firstTap(i0: i32, d: i32): i32 {
  return i0 >= 0 ? 0 : (d - 1 - i0) / d;
}

// One past the last tap whose pixel is < size.
export function endTap(i0: i32, d: i32, f: i32, size: i32): i32 {
  let e = f;
  while (e > 0 && i0 + (e - 1) * d >= size) e--;
  return e;
}
