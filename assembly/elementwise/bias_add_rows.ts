// y[r][c] = x[r][c] + bias[c] for rows of `cols` contiguous channels (NHWC images, or the rows of
// a product): the bias in v128s along the row, reloaded per row from cache (y may be x).
export function bias_add_rows(x: usize, bias: usize, rows: i32, cols: i32, y: usize): void {
  for (let r = 0; r < rows; r++) {
    let b = bias;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      v128.store(y, f32x4.add(v128.load(x), v128.load(b)));
      x += 16;
      b += 16;
      y += 16;
    }
    for (; c < cols; c++) {
      store<f32>(y, load<f32>(x) + load<f32>(b));
      x += 4;
      b += 4;
      y += 4;
    }
  }
}
