import { endTap, firstTap } from "./pool_window";

// Max-pooling of `planes` NCHW planes of h x w into outH x outW: each output is the maximum of its
// window's taps (oy*sy - top + fy*dh, ox*sx - left + fx*dw) that land in the plane (padding is
// -inf, so it never wins), the first maximum in row-major window order where values tie (which
// only tells -0 from +0), and NaN where the window holds one. Vectorised along the output row: at
// strides 1 and 2, four neighbouring outputs whose windows lie inside the row horizontally share
// each tap's v128 load (two loads and a shuffle at stride 2), and rows outside the plane are simply
// not visited, so nothing is padded or copied. The row's two ends, where windows overhang the
// padding, and other strides take one window at a time. The caller guarantees that every window
// holds a tap inside the plane.
export function maxpool_nchw(
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
  y: usize,
): void {
  const planeBytes = (<usize>(h * w)) << 2;
  const rowStep = (<usize>(dh * w)) << 2;
  const tapStep = (<usize>dw) << 2;
  const span = (fw - 1) * dw + 1;
  // Outputs [v0, v1) have every tap inside the row, and so have their vector loads (at stride 2
  // the second load reads one float past lane 3's tap).
  let v0 = 0,
    v1 = 0;
  if (sx <= 2) {
    v0 = min((left + sx - 1) / sx, outW);
    const last = w - span + left - (sx - 1);
    v1 = last < 0 ? 0 : min(last / sx + 1, outW);
    if (v1 < v0) v1 = v0;
  }
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, dh);
      const rows = endTap(iy0, dh, fh, h) - fy0;
      const row = src + ((<usize>((iy0 + fy0 * dh) * w)) << 2);
      let ox = 0;
      for (; ox < v0; ox++) {
        store<f32>(y, windowMax(row, w, rows, rowStep, ox * sx - left, fw, dw));
        y += 4;
      }
      if (sx == 1) {
        for (; ox + 4 <= v1; ox += 4) {
          v128.store(y, fourMax1(row + ((<usize>(ox - left)) << 2), rows, rowStep, fw, tapStep));
          y += 16;
        }
      } else if (sx == 2) {
        for (; ox + 4 <= v1; ox += 4) {
          v128.store(y, fourMax2(row + ((<usize>(2 * ox - left)) << 2), rows, rowStep, fw, tapStep));
          y += 16;
        }
      }
      for (; ox < outW; ox++) {
        store<f32>(y, windowMax(row, w, rows, rowStep, ox * sx - left, fw, dw));
        y += 4;
      }
    }
  }
}

// One window, clipped to the row: `row` is its first row inside the plane, ix0 its first column.
function windowMax(row: usize, w: i32, rows: i32, rowStep: usize, ix0: i32, fw: i32, dw: i32): f32 {
  const fx0 = firstTap(ix0, dw);
  const cols = endTap(ix0, dw, fw, w) - fx0;
  const tapStep = (<usize>dw) << 2;
  let r = row + ((<usize>(ix0 + fx0 * dw)) << 2);
  let best = load<f32>(r);
  for (let i = 0; i < rows; i++) {
    let p = r;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(p);
      if (v > best || (v != v && best == best)) best = v;
      p += tapStep;
    }
    r += rowStep;
  }
  return best;
}

// Four windows at stride 1 whose taps all lie inside the row; p is lane 0's first tap. pmax keeps
// the earlier value unless the later one is greater (one maxps); a NaN tap sets its lane to NaN
// (all ones) through the mask.
@inline function fourMax1(p: usize, rows: i32, rowStep: usize, fw: i32, tapStep: usize): v128 {
  let best = v128.load(p);
  let nan = f32x4.ne(best, best);
  for (let i = 0; i < rows; i++) {
    let q = p;
    for (let j = 0; j < fw; j++) {
      const v = v128.load(q);
      best = f32x4.pmax(best, v);
      nan = v128.or(nan, f32x4.ne(v, v));
      q += tapStep;
    }
    p += rowStep;
  }
  return v128.or(best, nan);
}

// fourMax1 at stride 2: each tap's four lanes are the even floats of two loads.
@inline function fourMax2(p: usize, rows: i32, rowStep: usize, fw: i32, tapStep: usize): v128 {
  let best = v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  let nan = f32x4.ne(best, best);
  for (let i = 0; i < rows; i++) {
    let q = p;
    for (let j = 0; j < fw; j++) {
      const v = v128.shuffle<f32>(v128.load(q), v128.load(q, 16), 0, 2, 4, 6);
      best = f32x4.pmax(best, v);
      nan = v128.or(nan, f32x4.ne(v, v));
      q += tapStep;
    }
    p += rowStep;
  }
  return v128.or(best, nan);
}
