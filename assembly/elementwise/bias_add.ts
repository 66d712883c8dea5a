// y[n][ch][i] += bias[ch] over n x channels planes of planeSize floats (NCHW).
export function bias_add(y: usize, bias: usize, n: i32, channels: i32, planeSize: i32): void {
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < channels; ch++) {
      const b = load<f32>(bias + ((<usize>ch) << 2));
      const vb = f32x4.splat(b);
      let i = 0;
      for (; i + 4 <= planeSize; i += 4) {
        v128.store(y, f32x4.add(v128.load(y), vb));
        y += 16;
      }
      for (; i < planeSize; i++) {
        store<f32>(y, load<f32>(y) + b);
        y += 4;
      }
    }
  }
}
