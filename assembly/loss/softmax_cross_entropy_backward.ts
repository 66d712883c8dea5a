// dx = (y - t) * scale / rows over n = rows*cols floats: the book's (y - t) / batch_size, with
// `scale` the upstream gradient of the loss (1 for a loss at the end of the network).
export function softmax_cross_entropy_backward(y: usize, t: usize, n: i32, rows: i32, scale: f32, dx: usize): void {
  const vs = f32x4.splat(scale);
  const vr = f32x4.splat(<f32>rows);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(dx, f32x4.div(f32x4.mul(f32x4.sub(v128.load(y), v128.load(t)), vs), vr));
    y += 16;
    t += 16;
    dx += 16;
  }
  for (; i < n; i++) {
    store<f32>(dx, ((load<f32>(y) - load<f32>(t)) * scale) / <f32>rows);
    y += 4;
    t += 4;
    dx += 4;
  }
}
