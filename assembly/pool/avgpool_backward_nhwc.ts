import { endTap, firstTap } from "../window/taps";
import { divisor } from "./pool_window";

// The gradient of avgpool_nhwc (avgpool_backward_nchw's rule), vectorised along the channels:
// each window's dy times the forward's scale, four channels per v128, added to every tap.
export function avgpool_backward_nhwc(
  dy: usize,
  images: i32,
  h: i32,
  w: i32,
  c: i32,
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
  const pixelBytes = (<usize>c) << 2;
  const imageBytes = <usize>(h * w) * pixelBytes;
  const rowStep = <usize>w * pixelBytes;
  memory.fill(dx, 0, <usize>images * imageBytes);
  for (let n = 0; n < images; n++) {
    const dst = dx + <usize>n * imageBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, 1);
      const rows = endTap(iy0, 1, fh, h) - fy0;
      const rowsDivisor = divisor(iy0, fh, h, bottom, includePad);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sx - left;
        const fx0 = firstTap(ix0, 1);
        const cols = endTap(ix0, 1, fw, w) - fx0;
        const scale = <f32>1 / <f32>(rowsDivisor * divisor(ix0, fw, w, right, includePad));
        const vscale = f32x4.splat(scale);
        const first = dst + <usize>((iy0 + fy0) * w + ix0 + fx0) * pixelBytes;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const g = f32x4.mul(v128.load(dy + ((<usize>ch) << 2)), vscale);
          let r = first + ((<usize>ch) << 2);
          for (let i = 0; i < rows; i++) {
            let p = r;
            for (let j = 0; j < cols; j++) {
              v128.store(p, f32x4.add(v128.load(p), g));
              p += pixelBytes;
            }
            r += rowStep;
          }
        }
        for (; ch < c; ch++) {
          const g = load<f32>(dy + ((<usize>ch) << 2)) * scale;
          let r = first + ((<usize>ch) << 2);
          for (let i = 0; i < rows; i++) {
            let p = r;
            for (let j = 0; j < cols; j++) {
              store<f32>(p, load<f32>(p) + g);
              p += pixelBytes;
            }
            r += rowStep;
          }
        }
        dy += pixelBytes;
      }
    }
  }
}
