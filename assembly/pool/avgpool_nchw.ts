import { divisor, endTap, firstTap } from "./pool_window";

// Average pooling of `planes` NCHW planes of h x w into outH x outW, maxpool_nchw's structure with
// sums: each output is the sum of its window's taps inside the plane times 1 / the divisor (see
// divisor(): the taps inside, or with includePad those inside the padded extent). Vectorised along
// the output row at strides 1 and 2, where four neighbouring windows lie inside the row
// horizontally: they then share their divisor, one reciprocal per output row. No dilation.
export function avgpool_nchw(
  x: usize,
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
  y: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  const rowStep = (<usize>w) << 2;
  let v0 = 0,
    v1 = 0;
  if (sx <= 2) {
    v0 = min((left + sx - 1) / sx, outW);
    const last = w - fw + left - (sx - 1);
    v1 = last < 0 ? 0 : min(last / sx + 1, outW);
    if (v1 < v0) v1 = v0;
  }
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, 1);
      const rows = endTap(iy0, 1, fh, h) - fy0;
      const rowsDivisor = divisor(iy0, fh, h, bottom, includePad);
      const row = src + ((<usize>((iy0 + fy0) * w)) << 2);
      let ox = 0;
      for (; ox < v0; ox++) {
        store<f32>(y, windowMean(row, w, rows, rowStep, ox * sx - left, fw, rowsDivisor, right, includePad));
        y += 4;
      }
      if (v1 - ox >= 4) {
        const scale = f32x4.splat(1 / <f32>(rowsDivisor * fw));
        if (sx == 1) {
          for (; ox + 4 <= v1; ox += 4) {
            v128.store(y, f32x4.mul(fourSum1(row + ((<usize>(ox - left)) << 2), rows, rowStep, fw), scale));
            y += 16;
          }
        } else {
          for (; ox + 4 <= v1; ox += 4) {
            v128.store(y, f32x4.mul(fourSum2(row + ((<usize>(2 * ox - left)) << 2), rows, rowStep, fw), scale));
            y += 16;
          }
        }
      }
      for (; ox < outW; ox++) {
        store<f32>(y, windowMean(row, w, rows, rowStep, ox * sx - left, fw, rowsDivisor, right, includePad));
        y += 4;
      }
    }
  }
}

function windowMean(
  row: usize,
  w: i32,
  rows: i32,
  rowStep: usize,
  ix0: i32,
  fw: i32,
  rowsDivisor: i32,
  right: i32,
  includePad: bool,
): f32 {
  const fx0 = firstTap(ix0, 1);
  const cols = endTap(ix0, 1, fw, w) - fx0;
  let r = row + ((<usize>(ix0 + fx0)) << 2);
  let sum: f32 = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) sum += load<f32>(r + ((<usize>j) << 2));
    r += rowStep;
  }
  return sum * (1 / <f32>(rowsDivisor * divisor(ix0, fw, w, right, includePad)));
}

@inline function fourSum1(p: usize, rows: i32, rowStep: usize, fw: i32): v128 {
  let acc = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < fw; j++) acc = f32x4.add(acc, v128.load(p + ((<usize>j) << 2)));
    p += rowStep;
  }
  return acc;
}

@inline function fourSum2(p: usize, rows: i32, rowStep: usize, fw: i32): v128 {
  let acc = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < fw; j++) {
      const q = p + ((<usize>j) << 2);
      acc = f32x4.add(acc, v128.shuffle<f32>(v128.load(q), v128.load(q, 16), 0, 2, 4, 6));
    }
    p += rowStep;
  }
  return acc;
}
