// Row-wise softmax of scores x [rows, cols] into y, and the mean cross-entropy against class
// indices (i32) with the book's log(y + 1e-7). Sums, exp and log run in f64 as NumPy's do; only
// the stored probabilities are rounded to f32. A NaN score reaches the row's sum, which makes the
// whole row and the loss NaN, as in NumPy.
export function softmax_cross_entropy(x: usize, rows: i32, cols: i32, labels: usize, y: usize): f64 {
  let loss: f64 = 0;
  for (let r = 0; r < rows; r++) {
    let m: f64 = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = <f64>load<f32>(x + ((<usize>c) << 2));
      if (!(v <= m)) m = v;
    }
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(<f64>load<f32>(x + ((<usize>c) << 2)) - m);
    const label = load<i32>(labels + ((<usize>r) << 2));
    for (let c = 0; c < cols; c++) {
      const p = Math.exp(<f64>load<f32>(x + ((<usize>c) << 2)) - m) / sum;
      store<f32>(y + ((<usize>c) << 2), <f32>p);
      if (c == label) loss -= Math.log(p + 1e-7);
    }
    x += (<usize>cols) << 2;
    y += (<usize>cols) << 2;
  }
  return loss / <f64>rows;
}
