// Max-pooling of `planes` planes of h x w. y gets each window's maximum and argmax its index
// in the input plane (iy*w + ix), so backward needs no window arithmetic. Padding counts as -inf:
// it can neither win nor receive gradient (PyTorch's rule; the book pads with 0). Among equal
// values the first in row-major window order wins, as np.argmax; NaN beats every number, so a
// NaN in a window comes out (NumPy's max propagates NaN too). argmax = 0 skips the indices
// (inference). The caller guarantees pad < ph and
// pad < pw, which makes every window hold at least one real element.
export function maxpool_forward(
  x: usize,
  planes: i32,
  h: i32,
  w: i32,
  ph: i32,
  pw: i32,
  strideY: i32,
  strideX: i32,
  pad: i32,
  outH: i32,
  outW: i32,
  y: usize,
  argmax: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * strideY - pad, 0);
      const y1 = min(oy * strideY - pad + ph, h);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(ox * strideX - pad, 0);
        const x1 = min(ox * strideX - pad + pw, w);
        let bestIndex = y0 * w + x0;
        let best = load<f32>(src + ((<usize>bestIndex) << 2));
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const index = iy * w + ix;
            const v = load<f32>(src + ((<usize>index) << 2));
            if (v > best || (v != v && best == best)) {
              best = v;
              bestIndex = index;
            }
          }
        }
        store<f32>(y, best);
        y += 4;
        if (argmax != 0) {
          store<i32>(argmax, bestIndex);
          argmax += 4;
        }
      }
    }
  }
}
