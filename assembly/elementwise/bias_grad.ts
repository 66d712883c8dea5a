// db[ch] = sum over n and the plane of dy[n][ch][i] (NCHW): the bias gradient.
export function bias_grad(dy: usize, n: i32, channels: i32, planeSize: i32, db: usize): void {
  memory.fill(db, 0, (<usize>channels) << 2);
  if (planeSize == 1) {
    columnSums(dy, n, channels, db);
    return;
  }
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < channels; ch++) {
      let acc = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= planeSize; i += 4) {
        acc = f32x4.add(acc, v128.load(dy));
        dy += 16;
      }
      let s =
        f32x4.extract_lane(acc, 0) +
        f32x4.extract_lane(acc, 1) +
        f32x4.extract_lane(acc, 2) +
        f32x4.extract_lane(acc, 3);
      for (; i < planeSize; i++) {
        s += load<f32>(dy);
        dy += 4;
      }
      const p = db + ((<usize>ch) << 2);
      store<f32>(p, load<f32>(p) + s);
    }
  }
}

// A plane of one element is a row-major [n, channels] matrix (Affine's and matmul's dy): its column
// sums, four columns per vector instead of one scalar loop per element. Each column is still summed
// row by row from 0, so the bits are the scalar loop's.
function columnSums(dy: usize, n: i32, channels: i32, db: usize): void {
  for (let row = 0; row < n; row++) {
    let ch = 0;
    for (; ch + 4 <= channels; ch += 4) {
      const p = db + ((<usize>ch) << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(dy)));
      dy += 16;
    }
    for (; ch < channels; ch++) {
      const p = db + ((<usize>ch) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy));
      dy += 4;
    }
  }
}
