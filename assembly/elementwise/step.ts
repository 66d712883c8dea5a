// y = 1 where x > 0, alpha where x <= 0, NaN where x is NaN (TensorFlow's Step: with alpha = 0,
// relu's derivative).
export function step(x: usize, n: i32, alpha: f32, y: usize): void {
  const one = f32x4.splat(1);
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x);
    const r = v128.bitselect(one, va, f32x4.gt(v, f32x4.splat(0)));
    // NaN fails both comparisons: it keeps its own bits, a NaN.
    v128.store(y, v128.bitselect(v, r, f32x4.ne(v, v)));
    x += 16;
    y += 16;
  }
  for (; i < n; i++) {
    const v = load<f32>(x);
    store<f32>(y, v != v ? v : v > 0 ? 1 : alpha);
    x += 4;
    y += 4;
  }
}
