import { endTap, firstTap } from "../window/taps";

// Max-pooling of `images` NHWC images x [h, w, c] into [outH, outW, c], by maxpool_nchw's rules
// (padding never wins, the first maximum in row-major window order, NaN wins). Vectorised along
// the channels, which NHWC keeps contiguous: sixteen channels in four v128 across the window's
// taps, then four, then one at a time. Taps outside the image are skipped, not read as padding.
export function maxpool_nhwc(
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
  y: usize,
): void {
  const imageBytes = (<usize>(h * w * c)) << 2;
  const pixelBytes = (<usize>c) << 2;
  for (let n = 0; n < images; n++) {
    const src = x + <usize>n * imageBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, dh);
      const rows = endTap(iy0, dh, fh, h) - fy0;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sx - left;
        const fx0 = firstTap(ix0, dw);
        const cols = endTap(ix0, dw, fw, w) - fx0;
        const first = src + <usize>((iy0 + fy0 * dh) * w + ix0 + fx0 * dw) * pixelBytes;
        pixelMax(first, c, rows, <usize>(dh * w) * pixelBytes, cols, <usize>dw * pixelBytes, y);
        y += pixelBytes;
      }
    }
  }
}

// The c channels' maxima over rows x cols taps; `first` is the first tap's pixel.
function pixelMax(first: usize, c: i32, rows: i32, rowStep: usize, cols: i32, colStep: usize, out: usize): void {
  let ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    const at = first + ((<usize>ch) << 2);
    let b0 = v128.load(at),
      b1 = v128.load(at, 16),
      b2 = v128.load(at, 32),
      b3 = v128.load(at, 48);
    let n0 = f32x4.ne(b0, b0),
      n1 = f32x4.ne(b1, b1),
      n2 = f32x4.ne(b2, b2),
      n3 = f32x4.ne(b3, b3);
    let r = at;
    for (let i = 0; i < rows; i++) {
      let p = r;
      for (let j = 0; j < cols; j++) {
        const v0 = v128.load(p),
          v1 = v128.load(p, 16),
          v2 = v128.load(p, 32),
          v3 = v128.load(p, 48);
        b0 = f32x4.pmax(b0, v0);
        b1 = f32x4.pmax(b1, v1);
        b2 = f32x4.pmax(b2, v2);
        b3 = f32x4.pmax(b3, v3);
        n0 = v128.or(n0, f32x4.ne(v0, v0));
        n1 = v128.or(n1, f32x4.ne(v1, v1));
        n2 = v128.or(n2, f32x4.ne(v2, v2));
        n3 = v128.or(n3, f32x4.ne(v3, v3));
        p += colStep;
      }
      r += rowStep;
    }
    const o = out + ((<usize>ch) << 2);
    v128.store(o, v128.or(b0, n0));
    v128.store(o, v128.or(b1, n1), 16);
    v128.store(o, v128.or(b2, n2), 32);
    v128.store(o, v128.or(b3, n3), 48);
  }
  for (; ch + 4 <= c; ch += 4) {
    const at = first + ((<usize>ch) << 2);
    let b = v128.load(at);
    let nan = f32x4.ne(b, b);
    let r = at;
    for (let i = 0; i < rows; i++) {
      let p = r;
      for (let j = 0; j < cols; j++) {
        const v = v128.load(p);
        b = f32x4.pmax(b, v);
        nan = v128.or(nan, f32x4.ne(v, v));
        p += colStep;
      }
      r += rowStep;
    }
    v128.store(out + ((<usize>ch) << 2), v128.or(b, nan));
  }
  for (; ch < c; ch++) {
    const at = first + ((<usize>ch) << 2);
    let best = load<f32>(at);
    let r = at;
    for (let i = 0; i < rows; i++) {
      let p = r;
      for (let j = 0; j < cols; j++) {
        const v = load<f32>(p);
        if (v > best || (v != v && best == best)) best = v;
        p += colStep;
      }
      r += rowStep;
    }
    store<f32>(out + ((<usize>ch) << 2), best);
  }
}
