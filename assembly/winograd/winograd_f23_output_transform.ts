import { clearEpilogue, epilogueClampHi, epilogueClampLo, epilogueIsClamp } from "../elementwise/epilogue";
import { biasLanes, slopeLanes, storeOutput } from "./winograd_io";

// F(2x2, 3x3)'s output transform Y = A^T M A of each tile's 4x4 products, with the epilogue's
// bias and activation: winograd_f43_output_transform's layout with 16 points and 2x2 tiles.
export function winograd_f23_output_transform(
  m: usize,
  ldm: i32,
  fn: i32,
  tilesW: i32,
  t0: i32,
  nt: i32,
  y: usize,
  outH: i32,
  outW: i32,
  cs: i32,
  ps: i32,
  rs: i32,
): void {
  const clamp = epilogueIsClamp();
  const whole = cs == 1 && (fn & 3) == 0;
  for (let t = t0; t < t0 + nt; t++) {
    const oy0 = (t / tilesW) * 2;
    const ox0 = (t % tilesW) * 2;
    const tile = m + ((<usize>(t - t0) * 16 * ldm) << 2);
    if (whole) tileOf(tile, ldm, fn, y, oy0, ox0, outH, outW, cs, ps, rs, clamp, true);
    else tileOf(tile, ldm, fn, y, oy0, ox0, outH, outW, cs, ps, rs, clamp, false);
  }
  clearEpilogue();
}

@inline function tileOf(
  tile: usize, ldm: i32, fn: i32, y: usize, oy0: i32, ox0: i32, outH: i32, outW: i32,
  cs: i32, ps: i32, rs: i32, clamp: bool, whole: bool,
): void {
  const step = (<usize>cs) << 2;
  const psB = (<usize>ps) << 2;
  const rsB = (<usize>rs) << 2;
  const slot = (<usize>ldm) << 2;
  const s4 = slot * 4;
  for (let f = 0; f < fn; f += 4) {
    const n = min(4, fn - f);
    const q = tile + ((<usize>f) << 2);
    for (let r = 0; r < 4; r++) {
      const p = q + <usize>r * s4;
      transform2(v128.load(p), v128.load(p + slot), v128.load(p + 2 * slot), v128.load(p + 3 * slot), p, slot);
    }
    for (let j = 0; j < 2; j++) {
      const p = q + <usize>j * slot;
      transform2(v128.load(p), v128.load(p + s4), v128.load(p + 2 * s4), v128.load(p + 3 * s4), p, s4);
    }
    const bias = biasLanes(f, n);
    const slope = slopeLanes(f, n);
    const lo = f32x4.splat(epilogueClampLo());
    const hi = f32x4.splat(epilogueClampHi());
    const out = y + <usize>f * step;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const v = v128.load(q + <usize>(4 * i + j) * slot);
        storeOutput(out, oy0 + i, ox0 + j, outH, outW, rsB, psB, v, bias, lo, hi, slope, clamp, step, n, whole);
      }
    }
  }
}

// One row of M A (or column of A^T M): four values in, two out at dst + i*stride.
@inline function transform2(m0: v128, m1: v128, m2: v128, m3: v128, dst: usize, stride: usize): void {
  v128.store(dst, f32x4.add(f32x4.add(m0, m1), m2));
  v128.store(dst + stride, f32x4.sub(f32x4.sub(m1, m2), m3));
}
