// Packs rows [k0, k0 + kc) and columns [j0, j0 + nc) of one image's im2col matrix -- colT(k, p) =
// x[c][oy*sy - top + fy*dh][ox*sx - left + fx*dw] for k = (c*fh + fy)*fw + fx, p = oy*outW + ox,
// 0 outside the image -- straight into NR = 8 column panels (sgemm_pack_b_8's layout), so an
// inference convolution never writes the matrix and reads it back. Eight columns are eight
// neighbouring outputs of a row: at sx = 1 they are eight adjacent floats of the image (two v128
// loads), at sx = 2 every other float of sixteen (four loads, two shuffles), whatever the dilation,
// which only moves where a tap starts. Taps that reach into the padding, wider strides, and panels
// that wrap onto the next output row (one run per row) go lane by lane.
export function conv_pack_b_8(
  x: usize, h: i32, w: i32, fh: i32, fw: i32, sy: i32, sx: i32, dh: i32, dw: i32, top: i32, left: i32,
  outW: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize,
): void {
  for (let jp = 0; jp < nc; jp += 8) {
    const nr = min(8, nc - jp);
    const p0 = j0 + jp;
    const oy = p0 / outW;
    const ox = p0 - oy * outW;
    if (nr == 8 && ox + 8 <= outW) {
      packRowPanel(x, h, w, fh, fw, sx, dh, dw, oy * sy - top, ox * sx - left, k0, kc, dst);
    } else if (nr == 8 && outW >= 8 && sx <= 2) {
      // The panel's first a columns end one output row, the rest start the next.
      packWrapPanel(x, h, w, fh, fw, sy, sx, dh, dw, oy * sy - top, ox * sx - left, -left, outW - ox, k0, kc, dst);
    } else {
      // A ragged last panel, or rows narrower than a panel: one run per row.
      let l = 0;
      while (l < 8) {
        const p = p0 + l;
        const oyl = p / outW;
        const oxl = p - oyl * outW;
        const len = min(8 - l, outW - oxl);
        const live = max(0, min(len, nr - l));
        packRun(x, h, w, fh, fw, sx, dh, dw, oyl * sy - top, oxl * sx - left, k0, kc, live, len, dst + (<usize>l << 2));
        l += len;
      }
    }
    dst += <usize>(kc << 5);
  }
}

// The first and last four of eight floats from p on at `stride` (1 or 2): two loads, or, for
// every other float, four loads and two shuffles of the even lanes.
@inline function lanes0to3(p: usize, stride: i32): v128 {
  return stride == 1 ? v128.load(p) : v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

@inline function lanes4to7(p: usize, stride: i32): v128 {
  return stride == 1 ? v128.load(p, 16) : v128.shuffle<f32>(v128.load(p, 32), v128.load(p, 48), 0, 2, 4, 6);
}

// Eight outputs of one row, whose first tap reads x[.][iy0 + fy*dh][ix0 + fx*dw].
@inline function packRowPanel(
  x: usize, h: i32, w: i32, fh: i32, fw: i32, stride: i32, dh: i32, dw: i32, iy0: i32, ix0: i32,
  k0: i32, kc: i32, dst: usize,
): void {
  const planeBytes = <usize>(h * w) << 2;
  // Row k0 of the im2col matrix is tap (c, fy, fx) = (k0 / (fh*fw), k0 % (fh*fw) / fw, k0 % fw).
  let plane = x + <usize>(k0 / (fh * fw)) * planeBytes;
  let fy = k0 % (fh * fw) / fw;
  let fx = k0 % fw;
  const zero = f32x4.splat(0);
  // A 16-float load for stride 2 must end inside the row.
  const span = stride == 1 ? 8 : stride == 2 ? 16 : 0x7fffffff;
  if (iy0 >= 0 && iy0 + (fh - 1) * dh < h && ix0 >= 0 && ix0 + (fw - 1) * dw <= w - span) {
    // Every tap of every k-step inside the image (most panels of a large image): no tests but the
    // tap counters'. The offset from the panel's first tap steps by dw along a filter row, then on
    // to the filter's next image row, then to the next plane.
    let p = plane + (<usize>(iy0 * w + ix0) << 2) + (<usize>(fy * dh * w + fx * dw) << 2);
    const tapStep = <usize>dw << 2;
    const rowStep = <usize>(dh * w - fw * dw) << 2;
    const planeStep = planeBytes - (<usize>(fh * dh * w) << 2);
    for (let k = 0; k < kc; k++) {
      v128.store(dst, lanes0to3(p, stride));
      v128.store(dst, lanes4to7(p, stride), 16);
      dst += 32;
      p += tapStep;
      if (++fx == fw) {
        fx = 0;
        p += rowStep;
        if (++fy == fh) {
          fy = 0;
          p += planeStep;
        }
      }
    }
    return;
  }
  for (let k = 0; k < kc; k++) {
    const iy = iy0 + fy * dh;
    const ix = ix0 + fx * dw;
    if (<u32>iy >= <u32>h) {
      v128.store(dst, zero);
      v128.store(dst, zero, 16);
    } else {
      const row = plane + (<usize>(iy * w) << 2);
      if (ix >= 0 && ix <= w - span) {
        const p = row + (<usize>ix << 2);
        v128.store(dst, lanes0to3(p, stride));
        v128.store(dst, lanes4to7(p, stride), 16);
      } else {
        for (let l = 0; l < 8; l++) {
          const il = ix + l * stride;
          store<f32>(dst + (<usize>l << 2), <u32>il < <u32>w ? load<f32>(row + (<usize>il << 2)) : 0);
        }
      }
    }
    dst += 32;
    if (++fx == fw) {
      fx = 0;
      if (++fy == fh) {
        fy = 0;
        plane += planeBytes;
      }
    }
  }
}

// Eight outputs whose first `a` (1..7) end one output row, whose first tap reads
// x[.][iy0 + fy*dh][ixA + fx*dw], and whose others start the next row (x[.][iy0 + sy + fy*dh][ixB + fx*dw]).
// Each k-step loads eight from either row as if the panel did not wrap -- the loads run on into
// the neighbouring rows of the same plane -- and a lane mask picks. Taps whose lanes reach into
// the padding, or whose loads would leave the plane, go lane by lane.
@inline function packWrapPanel(
  x: usize, h: i32, w: i32, fh: i32, fw: i32, sy: i32, stride: i32, dh: i32, dw: i32, iy0: i32, ixA: i32,
  ixB: i32, a: i32, k0: i32, kc: i32, dst: usize,
): void {
  const planeFloats = h * w;
  const planeBytes = <usize>planeFloats << 2;
  let plane = x + <usize>(k0 / (fh * fw)) * planeBytes;
  let fy = k0 % (fh * fw) / fw;
  let fx = k0 % fw;
  const va = i32x4.splat(a);
  const maskLo = i32x4.lt_s(i32x4(0, 1, 2, 3), va);
  const maskHi = i32x4.lt_s(i32x4(4, 5, 6, 7), va);
  const span = stride << 3;
  const back = a * stride;
  for (let k = 0; k < kc; k++) {
    const iy1 = iy0 + fy * dh;
    const iy2 = iy1 + sy;
    const i1 = ixA + fx * dw;
    const i2 = ixB + fx * dw;
    const f1 = iy1 * w + i1;
    const f2 = iy2 * w + i2 - back;
    if (<u32>iy1 < <u32>h && <u32>iy2 < <u32>h && i1 >= 0 && i1 + (a - 1) * stride < w && i2 >= 0 &&
      i2 + (7 - a) * stride < w && f1 + span <= planeFloats && f2 >= 0 && f2 + span <= planeFloats) {
      const p1 = plane + (<usize>f1 << 2);
      const p2 = plane + (<usize>f2 << 2);
      v128.store(dst, v128.bitselect(lanes0to3(p1, stride), lanes0to3(p2, stride), maskLo));
      v128.store(dst, v128.bitselect(lanes4to7(p1, stride), lanes4to7(p2, stride), maskHi), 16);
    } else {
      const row1 = plane + (<usize>(iy1 * w) << 2);
      const row2 = plane + (<usize>(iy2 * w) << 2);
      const in1 = <u32>iy1 < <u32>h;
      const in2 = <u32>iy2 < <u32>h;
      for (let l = 0; l < 8; l++) {
        const first = l < a;
        const ix = first ? i1 + l * stride : i2 + (l - a) * stride;
        const inside = (first ? in1 : in2) && <u32>ix < <u32>w;
        store<f32>(dst + (<usize>l << 2), inside ? load<f32>((first ? row1 : row2) + (<usize>ix << 2)) : 0);
      }
    }
    dst += 32;
    if (++fx == fw) {
      fx = 0;
      if (++fy == fh) {
        fy = 0;
        plane += planeBytes;
      }
    }
  }
}

// `len` lanes at dst of every k-step, for neighbouring outputs of one row whose first tap reads
// x[.][iy0 + fy*dh][ix0 + fx*dw]; lanes from `live` on are a panel's missing columns and stay 0.
function packRun(
  x: usize, h: i32, w: i32, fh: i32, fw: i32, stride: i32, dh: i32, dw: i32, iy0: i32, ix0: i32, k0: i32,
  kc: i32, live: i32, len: i32, dst: usize,
): void {
  const planeBytes = <usize>(h * w) << 2;
  // Row k0 of the im2col matrix is tap (c, fy, fx) = (k0 / (fh*fw), k0 % (fh*fw) / fw, k0 % fw).
  let plane = x + <usize>(k0 / (fh * fw)) * planeBytes;
  let fy = k0 % (fh * fw) / fw;
  let fx = k0 % fw;
  for (let k = 0; k < kc; k++) {
    const iy = iy0 + fy * dh;
    const n = <u32>iy < <u32>h ? live : 0;
    const row = plane + (<usize>(iy * w) << 2);
    let ix = ix0 + fx * dw;
    let l = 0;
    for (; l < n; l++, ix += stride) store<f32>(dst + (<usize>l << 2), <u32>ix < <u32>w ? load<f32>(row + (<usize>ix << 2)) : 0);
    for (; l < len; l++) store<f32>(dst + (<usize>l << 2), 0);
    dst += 32;
    if (++fx == fw) {
      fx = 0;
      if (++fy == fh) {
        fy = 0;
        plane += planeBytes;
      }
    }
  }
}
