import { endTap, firstTap } from "../window/taps";

// The gradient of maxpool_nchw: dx is cleared, then each dy goes to its window's first maximum,
// found again in x by the forward rule (padding never wins; NaN wins; ties go to the first in
// row-major window order, as np.argmax), and overlapping windows add up. Looking the maximum up
// again costs one more pass over the windows, but needs no argmax buffer kept from a forward call.
export function maxpool_backward_nchw(
  dy: usize,
  x: usize,
  planes: i32,
  h: i32,
  w: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
  outH: i32,
  outW: i32,
  dx: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  memory.fill(dx, 0, <usize>planes * planeBytes);
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    const dst = dx + <usize>pl * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, dh);
      const fy1 = endTap(iy0, dh, fh, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sx - left;
        const fx0 = firstTap(ix0, dw);
        const fx1 = endTap(ix0, dw, fw, w);
        let at = (iy0 + fy0 * dh) * w + ix0 + fx0 * dw;
        let best = load<f32>(src + ((<usize>at) << 2));
        for (let fy = fy0; fy < fy1; fy++) {
          const rowAt = (iy0 + fy * dh) * w + ix0;
          for (let fx = fx0; fx < fx1; fx++) {
            const i = rowAt + fx * dw;
            const v = load<f32>(src + ((<usize>i) << 2));
            if (v > best || (v != v && best == best)) {
              best = v;
              at = i;
            }
          }
        }
        const p = dst + ((<usize>at) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(dy));
        dy += 4;
      }
    }
  }
}
