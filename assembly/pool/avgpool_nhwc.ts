import { endTap, firstTap } from "../window/taps";
import { divisor } from "./pool_window";

// Average pooling of `images` NHWC images x [h, w, c] into [outH, outW, c] by avgpool_nchw's
// arithmetic, step for step: each of the window's rows summed from 0 across its columns, the row
// sums added, and the total times 1 / (rows' divisor * columns' divisor), so that both layouts
// give the same bits. Vectorised along the channels, as maxpool_nhwc: sixteen channels in four v128,
// then four, then one at a time.
export function avgpool_nhwc(
  x: usize,
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
  y: usize,
): void {
  const imageBytes = (<usize>(h * w * c)) << 2;
  const pixelBytes = (<usize>c) << 2;
  for (let n = 0; n < images; n++) {
    const src = x + <usize>n * imageBytes;
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
        const first = src + <usize>((iy0 + fy0) * w + ix0 + fx0) * pixelBytes;
        pixelMean(first, c, rows, <usize>w * pixelBytes, cols, pixelBytes, scale, y);
        y += pixelBytes;
      }
    }
  }
}

function pixelMean(
  first: usize,
  c: i32,
  rows: i32,
  rowStep: usize,
  cols: i32,
  colStep: usize,
  scale: f32,
  out: usize,
): void {
  const s = f32x4.splat(scale);
  let ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    const at = first + ((<usize>ch) << 2);
    let a0 = f32x4.splat(0),
      a1 = f32x4.splat(0),
      a2 = f32x4.splat(0),
      a3 = f32x4.splat(0);
    let r = at;
    for (let i = 0; i < rows; i++) {
      let p = r;
      let s0 = f32x4.splat(0),
        s1 = f32x4.splat(0),
        s2 = f32x4.splat(0),
        s3 = f32x4.splat(0);
      for (let j = 0; j < cols; j++) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
        p += colStep;
      }
      a0 = f32x4.add(a0, s0);
      a1 = f32x4.add(a1, s1);
      a2 = f32x4.add(a2, s2);
      a3 = f32x4.add(a3, s3);
      r += rowStep;
    }
    const o = out + ((<usize>ch) << 2);
    v128.store(o, f32x4.mul(a0, s));
    v128.store(o, f32x4.mul(a1, s), 16);
    v128.store(o, f32x4.mul(a2, s), 32);
    v128.store(o, f32x4.mul(a3, s), 48);
  }
  for (; ch + 4 <= c; ch += 4) {
    let a = f32x4.splat(0);
    let r = first + ((<usize>ch) << 2);
    for (let i = 0; i < rows; i++) {
      let p = r;
      let rs = f32x4.splat(0);
      for (let j = 0; j < cols; j++) {
        rs = f32x4.add(rs, v128.load(p));
        p += colStep;
      }
      a = f32x4.add(a, rs);
      r += rowStep;
    }
    v128.store(out + ((<usize>ch) << 2), f32x4.mul(a, s));
  }
  for (; ch < c; ch++) {
    let a: f32 = 0;
    let r = first + ((<usize>ch) << 2);
    for (let i = 0; i < rows; i++) {
      let p = r;
      let rs: f32 = 0;
      for (let j = 0; j < cols; j++) {
        rs += load<f32>(p);
        p += colStep;
      }
      a += rs;
      r += rowStep;
    }
    store<f32>(out + ((<usize>ch) << 2), a * scale);
  }
}
