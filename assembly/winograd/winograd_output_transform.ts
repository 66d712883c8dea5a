import { clearEpilogue, epilogueClampHi, epilogueClampLo, epilogueIsClamp } from "../elementwise/epilogue";
import { storeTransposed4x4 } from "../layout/transpose_block";
import { f23OutputPoints } from "./winograd_f23_output_transform";
import { f43OutputPoints } from "./winograd_f43_output_transform";
import { epilogued, epilogueLanes, storeOutput } from "./winograd_io";

// Winograd's output transform (tile = 4: F(4x4, 3x3), 2: F(2x2, 3x3)) with the epilogue's bias
// and activation, for tiles [t0, t0 + nt) as winograd_input_transform numbers them. M is
// [nt, points, ldm] (tile, point, output channel; ldm >= fn, a multiple of 4), as the GEMMs leave
// it; it is overwritten. Output (oy, ox) of channel f goes to y + (oy*rs + ox*ps + f*cs) floats;
// outputs past outH or outW are dropped. Vectorised along output channels.
export function winograd_output_transform(
  tile: i32,
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
  const points = (tile + 2) * (tile + 2);
  for (let t = t0; t < t0 + nt; t++) {
    const oy0 = (t / tilesW) * tile;
    const ox0 = (t % tilesW) * tile;
    const q = m + ((<usize>(t - t0) * points * ldm) << 2);
    if (whole) tileOf(tile, q, ldm, fn, y, oy0, ox0, outH, outW, cs, ps, rs, clamp, true);
    else tileOf(tile, q, ldm, fn, y, oy0, ox0, outH, outW, cs, ps, rs, clamp, false);
  }
  clearEpilogue();
}

@inline function tileOf(
  tile: i32, q: usize, ldm: i32, fn: i32, y: usize, oy0: i32, ox0: i32, outH: i32, outW: i32,
  cs: i32, ps: i32, rs: i32, clamp: bool, whole: bool,
): void {
  const step = (<usize>cs) << 2;
  const psB = (<usize>ps) << 2;
  const rsB = (<usize>rs) << 2;
  const slot = (<usize>ldm) << 2;
  const span = tile + 2;
  for (let f = 0; f < fn; f += 4) {
    const n = min(4, fn - f);
    const p = q + ((<usize>f) << 2);
    if (tile == 4) f43OutputPoints(p, slot);
    else f23OutputPoints(p, slot);
    const bias = epilogueLanes(f, n, false);
    const slope = epilogueLanes(f, n, true);
    const lo = f32x4.splat(epilogueClampLo());
    const hi = f32x4.splat(epilogueClampHi());
    const out = y + <usize>f * step;
    // NCHW, F(4x4), four channels and the tile's four columns inside: each output row is a 4x4
    // transpose away from four channels' rows of four pixels, stored as v128s (on W4 0.53 ->
    // 0.25 ms against 64 lane stores a tile).
    if (tile == 4 && n == 4 && ps == 1 && ox0 + 4 <= outW) {
      for (let i = 0; i < 4 && oy0 + i < outH; i++) {
        const r = p + <usize>(6 * i) * slot;
        storeTransposed4x4(
          epilogued(v128.load(r), bias, lo, hi, slope, clamp),
          epilogued(v128.load(r + slot), bias, lo, hi, slope, clamp),
          epilogued(v128.load(r + 2 * slot), bias, lo, hi, slope, clamp),
          epilogued(v128.load(r + 3 * slot), bias, lo, hi, slope, clamp),
          out + <usize>(oy0 + i) * rsB + (<usize>ox0 << 2),
          step,
        );
      }
      continue;
    }
    for (let i = 0; i < tile; i++) {
      for (let j = 0; j < tile; j++) {
        const v = v128.load(p + <usize>(span * i + j) * slot);
        storeOutput(out, oy0 + i, ox0 + j, outH, outW, rsB, psB, v, bias, lo, hi, slope, clamp, step, n, whole);
      }
    }
  }
}
