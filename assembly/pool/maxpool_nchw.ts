import { endTap, firstTap } from "../window/taps";
import { max16 } from "./pool_window";
import { copyRow, paddedRowFloats, rowStride } from "./pool_nchw_rows";

// Max-pooling of `planes` NCHW planes of h x w into outH x outW: each output is the maximum of its
// window's taps (oy*sy - top + fy*dh, ox*sx - left + fx*dw) in the plane (padding is -inf, so it
// never wins), the first maximum in row-major window order where values tie (which only tells -0
// from +0), and NaN where the window holds one. Rows first (pool_nchw_rows.ts): each row of x, in a
// copy padded with -inf, gives every output's maximum over its window's taps in that row, sixteen
// outputs in four v128 per step (two loads and a shuffle per v128 at stride 2, one output at a
// time at other strides); each output then takes the maximum of its window's rows of those. Both
// passes keep the earlier value unless a later one is greater (pmax, one maxps), so the row-major
// first maximum wins: the first row that holds the maximum, and its first column. A NaN sets its
// lane to NaN (all ones) through a mask. `scratch` holds pool_nchw_scratch_floats(h, outW, fw, sx,
// dw) floats.
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
  scratch: usize,
): void {
  const strideBytes = (<usize>rowStride(outW)) << 2;
  const row = scratch;
  const padded = paddedRowFloats(outW, fw, sx, dw);
  const maxima = row + ((<usize>padded) << 2);
  const reach = (outW - 1) * sx + (fw - 1) * dw + 1;
  const cols = min(w, reach - left);
  for (let i = 0; i < padded; i++) store<f32>(row + ((<usize>i) << 2), -Infinity);
  const planeBytes = (<usize>(h * w)) << 2;
  const rowBytes = (<usize>w) << 2;
  const tapStep = (<usize>dw) << 2;
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    for (let iy = 0; iy < h; iy++) {
      copyRow(row + ((<usize>left) << 2), src + <usize>iy * rowBytes, cols);
      rowMaxima(row, fw, sx, tapStep, outW, maxima + <usize>iy * strideBytes);
    }
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, dh);
      const rows = endTap(iy0, dh, fh, h) - fy0;
      const first = maxima + <usize>(iy0 + fy0 * dh) * strideBytes;
      const step = <usize>dh * strideBytes;
      let ox = 0;
      for (; ox + 16 <= outW; ox += 16) {
        max16(first + ((<usize>ox) << 2), step, rows, y);
        y += 64;
      }
      for (; ox + 4 <= outW; ox += 4) {
        v128.store(y, maxOf4(first + ((<usize>ox) << 2), rows, step));
        y += 16;
      }
      if (ox < outW) {
        if (outW >= 4) {
          // The last one to three outputs: the four that end the row, again (the same values).
          const back = <usize>(4 - (outW - ox)) << 2;
          v128.store(y - back, maxOf4(first + (<usize>ox << 2) - back, rows, step));
          y += <usize>(outW - ox) << 2;
        } else {
          for (; ox < outW; ox++) {
            let p = first + ((<usize>ox) << 2);
            let best = load<f32>(p);
            for (let i = 1; i < rows; i++) {
              p += step;
              best = larger(load<f32>(p), best);
            }
            store<f32>(y, best);
            y += 4;
          }
        }
      }
    }
  }
}

// The candidate replaces the best so far when greater, or when it is NaN and the best is not.
function larger(c: f32, best: f32): f32 {
  return c > best || (c != c && best == best) ? c : best;
}

// maxima[ox] = the first maximum of row[ox*sx + j*dw] over the fw taps j, for every block of 16.
function rowMaxima(row: usize, fw: i32, sx: i32, tapStep: usize, outW: i32, maxima: usize): void {
  if (sx == 1) {
    for (let ox = 0; ox < outW; ox += 16) max16(row + ((<usize>ox) << 2), tapStep, fw, maxima + ((<usize>ox) << 2));
  } else if (sx == 2) {
    for (let ox = 0; ox < outW; ox += 16) {
      let p = row + ((<usize>(2 * ox)) << 2);
      let b0 = evens(p, 0),
        b1 = evens(p, 32),
        b2 = evens(p, 64),
        b3 = evens(p, 96);
      let n0 = f32x4.ne(b0, b0),
        n1 = f32x4.ne(b1, b1),
        n2 = f32x4.ne(b2, b2),
        n3 = f32x4.ne(b3, b3);
      for (let j = 1; j < fw; j++) {
        p += tapStep;
        const v0 = evens(p, 0),
          v1 = evens(p, 32),
          v2 = evens(p, 64),
          v3 = evens(p, 96);
        b0 = f32x4.pmax(b0, v0);
        b1 = f32x4.pmax(b1, v1);
        b2 = f32x4.pmax(b2, v2);
        b3 = f32x4.pmax(b3, v3);
        n0 = v128.or(n0, f32x4.ne(v0, v0));
        n1 = v128.or(n1, f32x4.ne(v1, v1));
        n2 = v128.or(n2, f32x4.ne(v2, v2));
        n3 = v128.or(n3, f32x4.ne(v3, v3));
      }
      const q = maxima + ((<usize>ox) << 2);
      v128.store(q, v128.or(b0, n0));
      v128.store(q, v128.or(b1, n1), 16);
      v128.store(q, v128.or(b2, n2), 32);
      v128.store(q, v128.or(b3, n3), 48);
    }
  } else {
    for (let ox = 0; ox < outW; ox++) {
      let p = row + ((<usize>(ox * sx)) << 2);
      let best = load<f32>(p);
      for (let j = 1; j < fw; j++) {
        p += tapStep;
        best = larger(load<f32>(p), best);
      }
      store<f32>(maxima + ((<usize>ox) << 2), best);
    }
  }
}

// The even floats of the eight at p + offset: four stride-2 taps.
@inline function evens(p: usize, offset: usize): v128 {
  return v128.shuffle<f32>(v128.load(p + offset), v128.load(p + offset, 16), 0, 2, 4, 6);
}

function maxOf4(p: usize, rows: i32, step: usize): v128 {
  let b = v128.load(p);
  let nan = f32x4.ne(b, b);
  for (let i = 1; i < rows; i++) {
    p += step;
    const v = v128.load(p);
    b = f32x4.pmax(b, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  return v128.or(b, nan);
}
