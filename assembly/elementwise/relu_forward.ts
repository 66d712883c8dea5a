// y = x where x > 0, else 0 (y may be x). Written as "clear where x <= 0", the book's mask, so a
// NaN passes through as NumPy's does instead of turning into 0 as max(x, 0) would.
export function relu_forward(x: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x);
    v128.store(y, v128.andnot(v, f32x4.le(v, zero)));
    x += 16;
    y += 16;
  }
  for (; i < n; i++) {
    const v = load<f32>(x);
    // biome-ignore lint/complexity/useMathMinMax: the book's mask x <= 0, written as the book writes it
    store<f32>(y, v <= 0 ? 0 : v);
    x += 4;
    y += 4;
  }
}
