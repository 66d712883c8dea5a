// dx = dy where the forward output y is not <= 0 (dx may be dy). y <= 0 exactly where the input
// was <= 0, so the output doubles as the book's mask and no separate mask is stored.
export function relu_backward(dy: usize, y: usize, n: i32, dx: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(dx, v128.andnot(v128.load(dy), f32x4.le(v128.load(y), zero)));
    dy += 16;
    y += 16;
    dx += 16;
  }
  for (; i < n; i++) {
    store<f32>(dx, load<f32>(y) <= 0 ? 0 : load<f32>(dy));
    dy += 4;
    y += 4;
    dx += 4;
  }
}
