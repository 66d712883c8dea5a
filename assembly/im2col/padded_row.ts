// Row helpers shared by im2col (both orders) and col2im. A "padded row" is one input row seen
// through zero padding: element i of a run is row[start + i*step] when that index lies in
// [0, width), and 0 otherwise. The run splits into [zeros | inside | zeros]; callers compute the
// inside part [i0, i1) once with runStart/runEnd -- it depends only on the column offset, not on
// the row -- so the copy itself carries no bounds tests and no division.

// Both round up as (a - 1) / step + 1 rather than (a + step - 1) / step: a stride near 2^31 (valid
// when the output is a pixel or two) made that sum wrap to a negative i32 and the run empty, so
// im2col gave zeros where the image was (found by test/fuzz.test.ts). a - 1 never wraps: a is at
// most the padded size, which the TypeScript side keeps below 2^31.

/** First i with start + i*step >= 0, at most len. */
@inline export function runStart(start: i32, step: i32, len: i32): i32 {
  return start >= 0 ? 0 : min((-start - 1) / step + 1, len);
}

/** One past the last i with start + i*step < width, within [i0, len]. */
@inline export function runEnd(width: i32, start: i32, step: i32, len: i32, i0: i32): i32 {
  return start >= width ? i0 : max(min((width - start - 1) / step + 1, len), i0);
}

@inline export function zeroRun(dst: usize, len: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= len; i += 4) v128.store(dst + (<usize>i << 2), zero);
  for (; i < len; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// A run of 4 or more ends with one v128 that may overlap the previous one: rewriting a few equal
// floats is cheaper than a scalar tail of up to three.
@inline function copyRun(src: usize, dst: usize, len: i32): void {
  if (len < 4) {
    for (let i = 0; i < len; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
    return;
  }
  const last = <usize>(len - 4) << 2;
  for (let off: usize = 0; off < last; off += 16) v128.store(dst + off, v128.load(src + off));
  v128.store(dst + last, v128.load(src + last));
}

// Every other float: two loads, one shuffle of the even lanes. Stops while a full 8-float load
// still lies inside the row, so it never reads past the row's end.
@inline function copyRunStride2(row: usize, width: i32, start: i32, i0: i32, i1: i32, dst: usize): i32 {
  let i = i0;
  const simdEnd = min(i1, (width - start - 8) / 2 + 1);
  for (; i + 4 <= simdEnd; i += 4) {
    const p = row + (<usize>(start + 2 * i) << 2);
    v128.store(dst + (<usize>i << 2), v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6));
  }
  return i;
}

/** dst[i] = padded row element i for i in [0, len), given the run's inside part [i0, i1). */
@inline export function copyPaddedRow(
  row: usize, width: i32, start: i32, step: i32, i0: i32, i1: i32, len: i32, dst: usize,
): void {
  zeroRun(dst, i0);
  if (step == 1) {
    copyRun(row + (<usize>(start + i0) << 2), dst + (<usize>i0 << 2), i1 - i0);
  } else {
    let i = step == 2 ? copyRunStride2(row, width, start, i0, i1, dst) : i0;
    for (; i < i1; i++) {
      store<f32>(dst + (<usize>i << 2), load<f32>(row + (<usize>(start + i * step) << 2)));
    }
  }
  zeroRun(dst + (<usize>i1 << 2), len - i1);
}

/** The adjoint of copyPaddedRow: padded row element i += src[i] for i in [i0, i1); padding is dropped. */
@inline export function addPaddedRow(src: usize, start: i32, step: i32, i0: i32, i1: i32, row: usize): void {
  if (step == 1) {
    let i = i0;
    for (; i + 4 <= i1; i += 4) {
      const p = row + (<usize>(start + i) << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>i << 2))));
    }
    for (; i < i1; i++) {
      const p = row + (<usize>(start + i) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>i << 2)));
    }
  } else {
    for (let i = i0; i < i1; i++) {
      const p = row + (<usize>(start + i * step) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>i << 2)));
    }
  }
}
