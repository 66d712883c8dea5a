import { endTap, firstTap } from "../window/taps";

// The gradient of maxpool_nhwc, by maxpool_backward_nchw's rule: dx is cleared, then each channel's
// dy goes to that channel's first maximum in its window. Four channels are searched at a time, each
// lane keeping its best value and that value's pixel, and the four gradients are then added one
// by one, as the lanes' pixels differ.
export function maxpool_backward_nhwc(
  dy: usize,
  x: usize,
  images: i32,
  h: i32,
  w: i32,
  c: i32,
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
  const imageBytes = (<usize>(h * w * c)) << 2;
  memory.fill(dx, 0, <usize>images * imageBytes);
  for (let n = 0; n < images; n++) {
    const src = x + <usize>n * imageBytes;
    const dst = dx + <usize>n * imageBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, dh);
      const fy1 = endTap(iy0, dh, fh, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sx - left;
        const fx0 = firstTap(ix0, dw);
        const fx1 = endTap(ix0, dw, fw, w);
        const first = (iy0 + fy0 * dh) * w + ix0 + fx0 * dw;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          let best = v128.load(src + ((<usize>(first * c + ch)) << 2));
          let at = i32x4.splat(first);
          for (let fy = fy0; fy < fy1; fy++) {
            for (let fx = fx0; fx < fx1; fx++) {
              const pixel = (iy0 + fy * dh) * w + ix0 + fx * dw;
              const v = v128.load(src + ((<usize>(pixel * c + ch)) << 2));
              const take = v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
              best = v128.bitselect(v, best, take);
              at = v128.bitselect(i32x4.splat(pixel), at, take);
            }
          }
          const g = v128.load(dy + ((<usize>ch) << 2));
          add(dst, i32x4.extract_lane(at, 0) * c + ch, f32x4.extract_lane(g, 0));
          add(dst, i32x4.extract_lane(at, 1) * c + ch + 1, f32x4.extract_lane(g, 1));
          add(dst, i32x4.extract_lane(at, 2) * c + ch + 2, f32x4.extract_lane(g, 2));
          add(dst, i32x4.extract_lane(at, 3) * c + ch + 3, f32x4.extract_lane(g, 3));
        }
        for (; ch < c; ch++) {
          let at = first;
          let best = load<f32>(src + ((<usize>(first * c + ch)) << 2));
          for (let fy = fy0; fy < fy1; fy++) {
            for (let fx = fx0; fx < fx1; fx++) {
              const pixel = (iy0 + fy * dh) * w + ix0 + fx * dw;
              const v = load<f32>(src + ((<usize>(pixel * c + ch)) << 2));
              if (v > best || (v != v && best == best)) {
                best = v;
                at = pixel;
              }
            }
          }
          add(dst, at * c + ch, load<f32>(dy + ((<usize>ch) << 2)));
        }
        dy += (<usize>c) << 2;
      }
    }
  }
}

function add(base: usize, i: i32, g: f32): void {
  const p = base + ((<usize>i) << 2);
  store<f32>(p, load<f32>(p) + g);
}
