import { clearEpilogue, epilogueClampHi, epilogueClampLo, epilogueIsClamp } from "../elementwise/epilogue";
import { storeTransposed4x4 } from "../layout/transpose_block";
import { biasLanes, epilogued, slopeLanes, storeOutput } from "./winograd_io";

// F(4x4, 3x3)'s output transform Y = A^T M A of each tile's 6x6 products M, with the epilogue's
// bias and activation, for tiles [t0, t0 + nt) (as winograd_f43_input_transform numbers them).
// M is [nt, 36, ldm] (tile, point, output channel; ldm >= fn, a multiple of 4), as the GEMMs
// leave it; it is overwritten. Output (oy, ox) of channel f goes to y + (oy*rs + ox*ps + f*cs)
// floats; outputs past outH or outW are dropped. Vectorised along output channels.
export function winograd_f43_output_transform(
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
    const oy0 = (t / tilesW) * 4;
    const ox0 = (t % tilesW) * 4;
    const tile = m + ((<usize>(t - t0) * 36 * ldm) << 2);
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
  const s6 = slot * 6;
  for (let f = 0; f < fn; f += 4) {
    const n = min(4, fn - f);
    const q = tile + ((<usize>f) << 2);
    // Rows: M A, each row's six points to four values in its first four slots.
    for (let r = 0; r < 6; r++) {
      const p = q + <usize>r * s6;
      transform4(
        v128.load(p), v128.load(p + slot), v128.load(p + 2 * slot),
        v128.load(p + 3 * slot), v128.load(p + 4 * slot), v128.load(p + 5 * slot), p, slot,
      );
    }
    const bias = biasLanes(f, n);
    const slope = slopeLanes(f, n);
    const lo = f32x4.splat(epilogueClampLo());
    const hi = f32x4.splat(epilogueClampHi());
    // Columns: A^T (M A), in place: output (i, j) of the tile is then in slot 6*i + j.
    for (let j = 0; j < 4; j++) {
      const p = q + <usize>j * slot;
      transform4(
        v128.load(p), v128.load(p + s6), v128.load(p + 2 * s6),
        v128.load(p + 3 * s6), v128.load(p + 4 * s6), v128.load(p + 5 * s6), p, s6,
      );
    }
    const out = y + <usize>f * step;
    // NCHW with four channels and the tile's four columns inside: each output row is a 4x4
    // transpose away from four channels' rows of four pixels, stored as v128s.
    if (!whole && n == 4 && ps == 1 && ox0 + 4 <= outW) {
      for (let i = 0; i < 4 && oy0 + i < outH; i++) {
        const p = q + <usize>(6 * i) * slot;
        storeTransposed4x4(
          epilogued(v128.load(p), bias, lo, hi, slope, clamp),
          epilogued(v128.load(p + slot), bias, lo, hi, slope, clamp),
          epilogued(v128.load(p + 2 * slot), bias, lo, hi, slope, clamp),
          epilogued(v128.load(p + 3 * slot), bias, lo, hi, slope, clamp),
          out + <usize>(oy0 + i) * rsB + (<usize>ox0 << 2),
          step,
        );
      }
      continue;
    }
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const v = v128.load(q + <usize>(6 * i + j) * slot);
        storeOutput(out, oy0 + i, ox0 + j, outH, outW, rsB, psB, v, bias, lo, hi, slope, clamp, step, n, whole);
      }
    }
  }
}

// One row of M A (or column of A^T M): six values in, four out at dst + i*stride.
@inline function transform4(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, stride: usize): void {
  const a = f32x4.add(m1, m2);
  const b = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4);
  const d = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, a), c));
  v128.store(dst + stride, f32x4.add(b, f32x4.add(d, d)));
  v128.store(dst + 2 * stride, f32x4.add(a, f32x4.mul(f32x4.splat(4), c)));
  v128.store(dst + 3 * stride, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5));
}
