import { loadPixel } from "./winograd_io";

// F(4x4, 3x3)'s input transform V = B^T d B of each 6x6 input tile d (Lavin and Gray's points
// 0, +-1, +-2, infinity), for tiles [t0, t0 + nt) of one image, output tile t at rows 4*ty - top,
// columns 4*tx - left (t = ty*tilesW + tx). Pixel (iy, ix) of channel ch is at
// x + (iy*rs + ix*ps + ch*cs) floats: NCHW and NHWC are strides. V is [nt, 36, ldv] (tile, point,
// channel; ldv >= c, a multiple of 4): each point's [nt, ldv] matrix is the A of one GEMM, rows
// 36*ldv apart. Channels c .. ldv - 1 are written as zero. Vectorised along channels; the rows'
// pass stores into the tile's own 36 slots and the columns' pass transforms them in place.
export function winograd_f43_input_transform(
  x: usize,
  h: i32,
  w: i32,
  c: i32,
  cs: i32,
  ps: i32,
  rs: i32,
  top: i32,
  left: i32,
  tilesW: i32,
  t0: i32,
  nt: i32,
  v: usize,
  ldv: i32,
): void {
  const whole = cs == 1 && (c & 3) == 0;
  for (let t = t0; t < t0 + nt; t++) {
    const iy0 = (t / tilesW) * 4 - top;
    const ix0 = (t % tilesW) * 4 - left;
    const inside = iy0 >= 0 && ix0 >= 0 && iy0 + 6 <= h && ix0 + 6 <= w;
    const tile = v + ((<usize>(t - t0) * 36 * ldv) << 2);
    if (whole && inside) tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, true, false);
    else if (whole) tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, true, true);
    else if (inside) tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, false, false);
    else tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, false, true);
  }
}

// `whole` and `checked` are constants at each call, so each of the four copies keeps one kind of
// load: a v128 or four lanes, with or without the image's bounds.
@inline function tileOf(
  x: usize, h: i32, w: i32, c: i32, cs: i32, ps: i32, rs: i32, iy0: i32, ix0: i32,
  tile: usize, ldv: i32, whole: bool, checked: bool,
): void {
  const step = (<usize>cs) << 2;
  const psB = (<usize>ps) << 2;
  const rsB = (<usize>rs) << 2;
  const slot = (<usize>ldv) << 2;
  for (let ch = 0; ch < ldv; ch += 4) {
    const n = c - ch;
    const out = tile + ((<usize>ch) << 2);
    if (n <= 0) {
      for (let i = 0; i < 36; i++) v128.store(out + <usize>i * slot, f32x4.splat(0));
      continue;
    }
    const p = x + <usize>ch * step;
    for (let r = 0; r < 6; r++) {
      const iy = iy0 + r;
      transform6(
        loadPixel(p, iy, ix0, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 1, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 2, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 3, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 4, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 5, h, w, rsB, psB, step, n, whole, checked),
        out + <usize>(r * 6) * slot,
        slot,
      );
    }
    for (let j = 0; j < 6; j++) {
      const q = out + <usize>j * slot;
      const s6 = slot * 6;
      transform6(
        v128.load(q),
        v128.load(q + s6),
        v128.load(q + 2 * s6),
        v128.load(q + 3 * s6),
        v128.load(q + 4 * s6),
        v128.load(q + 5 * s6),
        q,
        s6,
      );
    }
  }
}

// One row or column of B^T d: six values in, six out at dst + i*stride.
@inline function transform6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, stride: usize): void {
  const four = f32x4.splat(4);
  const a = f32x4.sub(d4, d2);
  const b = f32x4.sub(d3, d1);
  const b2 = f32x4.add(b, b);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(f32x4.splat(5), d2)), d4));
  v128.store(dst + stride, f32x4.sub(f32x4.add(d3, d4), f32x4.mul(four, f32x4.add(d1, d2))));
  v128.store(dst + 2 * stride, f32x4.add(f32x4.sub(d4, d3), f32x4.mul(four, f32x4.sub(d1, d2))));
  v128.store(dst + 3 * stride, f32x4.add(a, b2));
  v128.store(dst + 4 * stride, f32x4.sub(a, b2));
  v128.store(dst + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(f32x4.splat(5), d3)), d5));
}
