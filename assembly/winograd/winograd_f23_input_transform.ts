import { loadPixel } from "./winograd_io";

// F(2x2, 3x3)'s input transform V = B^T d B of each 4x4 input tile d (points 0, +-1, infinity),
// laid out as winograd_f43_input_transform's (there with 6x6 tiles and 36 points): output tile t
// at rows 2*ty - top, columns 2*tx - left; V [nt, 16, ldv].
export function winograd_f23_input_transform(
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
    const iy0 = (t / tilesW) * 2 - top;
    const ix0 = (t % tilesW) * 2 - left;
    const inside = iy0 >= 0 && ix0 >= 0 && iy0 + 4 <= h && ix0 + 4 <= w;
    const tile = v + ((<usize>(t - t0) * 16 * ldv) << 2);
    if (whole && inside) tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, true, false);
    else if (whole) tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, true, true);
    else if (inside) tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, false, false);
    else tileOf(x, h, w, c, cs, ps, rs, iy0, ix0, tile, ldv, false, true);
  }
}

@inline function tileOf(
  x: usize, h: i32, w: i32, c: i32, cs: i32, ps: i32, rs: i32, iy0: i32, ix0: i32,
  tile: usize, ldv: i32, whole: bool, checked: bool,
): void {
  const step = (<usize>cs) << 2;
  const psB = (<usize>ps) << 2;
  const rsB = (<usize>rs) << 2;
  const slot = (<usize>ldv) << 2;
  const s4 = slot * 4;
  for (let ch = 0; ch < ldv; ch += 4) {
    const n = c - ch;
    const out = tile + ((<usize>ch) << 2);
    if (n <= 0) {
      for (let i = 0; i < 16; i++) v128.store(out + <usize>i * slot, f32x4.splat(0));
      continue;
    }
    const p = x + <usize>ch * step;
    for (let r = 0; r < 4; r++) {
      const iy = iy0 + r;
      transform4(
        loadPixel(p, iy, ix0, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 1, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 2, h, w, rsB, psB, step, n, whole, checked),
        loadPixel(p, iy, ix0 + 3, h, w, rsB, psB, step, n, whole, checked),
        out + <usize>r * s4,
        slot,
      );
    }
    for (let j = 0; j < 4; j++) {
      const q = out + <usize>j * slot;
      transform4(v128.load(q), v128.load(q + s4), v128.load(q + 2 * s4), v128.load(q + 3 * s4), q, s4);
    }
  }
}

// One row or column of B^T d: four values in, four out at dst + i*stride.
@inline function transform4(d0: v128, d1: v128, d2: v128, d3: v128, dst: usize, stride: usize): void {
  v128.store(dst, f32x4.sub(d0, d2));
  v128.store(dst + stride, f32x4.add(d1, d2));
  v128.store(dst + 2 * stride, f32x4.sub(d2, d1));
  v128.store(dst + 3 * stride, f32x4.sub(d1, d3));
}
