// y = a + b, element by element (y may be a or b).
export function add(a: usize, b: usize, n: i32, y: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y, f32x4.add(v128.load(a), v128.load(b)));
    a += 16;
    b += 16;
    y += 16;
  }
  for (; i < n; i++) {
    store<f32>(y, load<f32>(a) + load<f32>(b));
    a += 4;
    b += 4;
    y += 4;
  }
}
