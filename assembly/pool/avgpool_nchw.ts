import { endTap, firstTap } from "../window/taps";
import { divisor } from "./pool_window";
import { copyRow, paddedRowFloats, pool_nchw_scratch_floats, rowStride } from "./pool_nchw_rows";

// Average pooling of `planes` NCHW planes of h x w into outH x outW. Each output is the sum of its
// window's elements of x times 1 / its divisor, the product of its rows' and its columns' (see
// divisor(): the taps inside x, or with includePad those inside the padded extent). Rows first (pool_nchw_rows.ts):
// each row of x is summed across every output's window in a zero-padded copy, sixteen outputs in
// four v128 per step (two loads and a shuffle per v128 at stride 2, one output at a time at other
// strides), and each output then adds its window's row sums. The sums run in avgpool_nhwc's order
// (each row from 0 across its columns, then the rows), so both layouts give the same bits. No
// dilation. `scratch` holds avgpool_nchw_scratch_floats(h, outH, outW, fw, sx) floats.
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
  scratch: usize,
): void {
  const stride = rowStride(outW);
  const strideBytes = (<usize>stride) << 2;
  const row = scratch;
  const sums = row + ((<usize>paddedRowFloats(outW, fw, sx, 1)) << 2);
  // Each output's scale, 1 / (its rows' divisor * its columns' divisor): one division per output
  // position for all the planes.
  const scales = sums + <usize>h * strideBytes;
  for (let oy = 0; oy < outH; oy++) {
    const rowsDivisor = divisor(oy * sy - top, fh, h, bottom, includePad);
    const q = scales + <usize>oy * strideBytes;
    for (let ox = 0; ox < outW; ox++) {
      const d = rowsDivisor * divisor(ox * sx - left, fw, w, right, includePad);
      store<f32>(q + ((<usize>ox) << 2), <f32>1 / <f32>d);
    }
  }
  // The grid columns the windows reach, and the columns of x among them.
  const reach = (outW - 1) * sx + fw;
  const cols = min(w, reach - left);
  memory.fill(row, 0, (<usize>paddedRowFloats(outW, fw, sx, 1)) << 2);
  const planeBytes = (<usize>(h * w)) << 2;
  const rowBytes = (<usize>w) << 2;
  for (let pl = 0; pl < planes; pl++) {
    const src = x + <usize>pl * planeBytes;
    for (let iy = 0; iy < h; iy++) {
      copyRow(row + ((<usize>left) << 2), src + <usize>iy * rowBytes, cols);
      rowSums(row, fw, sx, outW, sums + <usize>iy * strideBytes);
    }
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sy - top;
      const fy0 = firstTap(iy0, 1);
      const rows = endTap(iy0, 1, fh, h) - fy0;
      const first = sums + <usize>(iy0 + fy0) * strideBytes;
      const scale = scales + <usize>oy * strideBytes;
      let ox = 0;
      for (; ox + 16 <= outW; ox += 16) {
        meanOf16(first + ((<usize>ox) << 2), rows, strideBytes, scale + ((<usize>ox) << 2), y);
        y += 64;
      }
      for (; ox + 4 <= outW; ox += 4) {
        v128.store(y, meanOf4(first + ((<usize>ox) << 2), rows, strideBytes, scale + ((<usize>ox) << 2)));
        y += 16;
      }
      if (ox < outW) {
        if (outW >= 4) {
          // The last one to three outputs: the four that end the row, again (the same values).
          const back = (<usize>(4 - (outW - ox))) << 2;
          const at = ((<usize>ox) << 2) - back;
          v128.store(y - back, meanOf4(first + at, rows, strideBytes, scale + at));
          y += (<usize>(outW - ox)) << 2;
        } else {
          for (; ox < outW; ox++) {
            let acc: f32 = 0;
            let p = first + ((<usize>ox) << 2);
            for (let i = 0; i < rows; i++) {
              acc += load<f32>(p);
              p += strideBytes;
            }
            store<f32>(y, acc * load<f32>(scale + ((<usize>ox) << 2)));
            y += 4;
          }
        }
      }
    }
  }
}

// sums[ox] = 0 + row[ox*sx] + row[ox*sx + 1] + ... over the fw taps, for every block of 16 outputs.
function rowSums(row: usize, fw: i32, sx: i32, outW: i32, sums: usize): void {
  const zero = f32x4.splat(0);
  if (sx == 1) {
    for (let ox = 0; ox < outW; ox += 16) {
      let p = row + ((<usize>ox) << 2);
      let a0 = zero,
        a1 = zero,
        a2 = zero,
        a3 = zero;
      for (let j = 0; j < fw; j++) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
        p += 4;
      }
      const q = sums + ((<usize>ox) << 2);
      v128.store(q, a0);
      v128.store(q, a1, 16);
      v128.store(q, a2, 32);
      v128.store(q, a3, 48);
    }
  } else if (sx == 2) {
    for (let ox = 0; ox < outW; ox += 16) {
      let p = row + ((<usize>(2 * ox)) << 2);
      let a0 = zero,
        a1 = zero,
        a2 = zero,
        a3 = zero;
      for (let j = 0; j < fw; j++) {
        a0 = f32x4.add(a0, v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6));
        a1 = f32x4.add(a1, v128.shuffle<f32>(v128.load(p, 32), v128.load(p, 48), 0, 2, 4, 6));
        a2 = f32x4.add(a2, v128.shuffle<f32>(v128.load(p, 64), v128.load(p, 80), 0, 2, 4, 6));
        a3 = f32x4.add(a3, v128.shuffle<f32>(v128.load(p, 96), v128.load(p, 112), 0, 2, 4, 6));
        p += 4;
      }
      const q = sums + ((<usize>ox) << 2);
      v128.store(q, a0);
      v128.store(q, a1, 16);
      v128.store(q, a2, 32);
      v128.store(q, a3, 48);
    }
  } else {
    for (let ox = 0; ox < outW; ox++) {
      const p = row + ((<usize>(ox * sx)) << 2);
      let a: f32 = 0;
      for (let j = 0; j < fw; j++) a += load<f32>(p + ((<usize>j) << 2));
      store<f32>(sums + ((<usize>ox) << 2), a);
    }
  }
}

// Sixteen outputs: their windows' row sums added down `rows` rows, times the reciprocal divisors.
function meanOf16(p: usize, rows: i32, step: usize, scale: usize, y: usize): void {
  let a0 = v128.load(p),
    a1 = v128.load(p, 16),
    a2 = v128.load(p, 32),
    a3 = v128.load(p, 48);
  for (let i = 1; i < rows; i++) {
    p += step;
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
  }
  v128.store(y, f32x4.mul(a0, v128.load(scale)));
  v128.store(y, f32x4.mul(a1, v128.load(scale, 16)), 16);
  v128.store(y, f32x4.mul(a2, v128.load(scale, 32)), 32);
  v128.store(y, f32x4.mul(a3, v128.load(scale, 48)), 48);
}

function meanOf4(p: usize, rows: i32, step: usize, scale: usize): v128 {
  let a = v128.load(p);
  for (let i = 1; i < rows; i++) {
    p += step;
    a = f32x4.add(a, v128.load(p));
  }
  return f32x4.mul(a, v128.load(scale));
}

// Floats of scratch avgpool_nchw needs: the rows-first passes' and a table of the outputs' scales.
export function avgpool_nchw_scratch_floats(h: i32, outH: i32, outW: i32, fw: i32, sx: i32): f64 {
  return pool_nchw_scratch_floats(h, outW, fw, sx, 1) + <f64>outH * Math.ceil(<f64>outW / 16) * 16;
}
