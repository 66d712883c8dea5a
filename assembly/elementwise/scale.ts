// y = s * x (y may be x).
export function scale(x: usize, n: i32, s: f32, y: usize): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y, f32x4.mul(vs, v128.load(x)));
    x += 16;
    y += 16;
  }
  for (; i < n; i++) {
    store<f32>(y, s * load<f32>(x));
    x += 4;
    y += 4;
  }
}
