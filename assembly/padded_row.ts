// Row helpers shared by im2col (both orders) and col2im. A "padded row" is one input row seen
// through zero padding: element i of the run is row[start + i*step] when that index lies in
// [0, width), and 0 otherwise. Splitting the run into [zeros | inside | zeros] once, instead of
// testing every element, is what lets the stride-1 inside part be plain v128 copies.

// First i with start + i*step >= 0.
@inline function firstInside(start: i32, step: i32): i32 {
  return start >= 0 ? 0 : (step - 1 - start) / step;
}

// One past the last i with start + i*step < width (not clamped to the run length).
@inline function endInside(width: i32, start: i32, step: i32): i32 {
  return start >= width ? 0 : (width - start + step - 1) / step;
}

@inline export function zeroRun(dst: usize, len: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= len; i += 4) v128.store(dst + (<usize>i << 2), zero);
  for (; i < len; i++) store<f32>(dst + (<usize>i << 2), 0);
}

@inline function copyRun(src: usize, dst: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < len; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline function addRun(src: usize, dst: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const p = dst + (<usize>i << 2);
    v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>i << 2))));
  }
  for (; i < len; i++) {
    const p = dst + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>i << 2)));
  }
}

// dst[i] = padded row element i, for i in [0, len).
@inline export function copyPaddedRow(row: usize, width: i32, start: i32, step: i32, len: i32, dst: usize): void {
  const i0 = min(firstInside(start, step), len);
  const i1 = max(min(endInside(width, start, step), len), i0);
  zeroRun(dst, i0);
  if (step == 1) {
    copyRun(row + (<usize>(start + i0) << 2), dst + (<usize>i0 << 2), i1 - i0);
  } else {
    for (let i = i0; i < i1; i++) {
      store<f32>(dst + (<usize>i << 2), load<f32>(row + (<usize>(start + i * step) << 2)));
    }
  }
  zeroRun(dst + (<usize>i1 << 2), len - i1);
}

// The adjoint of copyPaddedRow: padded row element i += src[i]; padding positions are dropped.
@inline export function addPaddedRow(src: usize, width: i32, start: i32, step: i32, len: i32, row: usize): void {
  const i0 = min(firstInside(start, step), len);
  const i1 = max(min(endInside(width, start, step), len), i0);
  if (step == 1) {
    addRun(src + (<usize>i0 << 2), row + (<usize>(start + i0) << 2), i1 - i0);
  } else {
    for (let i = i0; i < i1; i++) {
      const p = row + (<usize>(start + i * step) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>i << 2)));
    }
  }
}
