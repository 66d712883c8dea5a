import { endTap, firstTap } from "../window/taps";
import { divisor } from "./pool_window";

// The gradient of avgpool_nchw: dx is cleared, then each window adds dy times the forward's scale,
// 1 / its divisor as the same f32 (so this is the exact derivative of what forward computed), to
// each of its taps inside the plane; overlapping windows add up.
export function avgpool_backward_nchw(
  dy: usize,
  planes: i32,
  h: i32,
  w: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  top: i32,
  bottom: i32,
  left: i32,
  right: i32,
  includePad: bool,
  outH: i32,
  outW: i32,
  dx: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  const rowStep = (<usize>w) << 2;
  memory.fill(dx, 0, <usize>planes * planeBytes);
  for (let pl = 0; pl < planes; pl++) {
    const dst = dx + <usize>pl * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, 1);
      const rows = endTap(iy0, 1, fh, h) - fy0;
      const rowsDivisor = divisor(iy0, fh, h, bottom, includePad);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sx - left;
        const fx0 = firstTap(ix0, 1);
        const cols = endTap(ix0, 1, fw, w) - fx0;
        const g = load<f32>(dy) * (<f32>1 / <f32>(rowsDivisor * divisor(ix0, fw, w, right, includePad)));
        let r = dst + ((<usize>((iy0 + fy0) * w + ix0 + fx0)) << 2);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            const p = r + ((<usize>j) << 2);
            store<f32>(p, load<f32>(p) + g);
          }
          r += rowStep;
        }
        dy += 4;
      }
    }
  }
}
