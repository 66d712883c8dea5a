import {
  applyEpilogue,
  epilogueActive,
  epilogueBias,
  epilogueBias4,
  epilogueClampHi,
  epilogueClampLo,
  epilogueIsClamp,
} from "./epilogue";

// A 4x8 tile of results, C(row0 .. row0 + mr, col0 .. col0 + nr) at c (row stride ldc floats),
// stored with the epilogue on the way for the kernels that keep a whole K in registers: a full
// tile with bias and a clamp (none, relu, relu6) never goes back to memory before it is final; a
// ragged one or another activation is stored, then finished by applyEpilogue while it is in L1.
// Channels are the tile's rows when axis = 1 (NCHW), its columns when axis = 2 (NHWC).
@inline export function storeTile4x8(
  c: usize, ldc: i32, mr: i32, nr: i32, row0: i32, col0: i32, axis: i32,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
): void {
  const row = (<usize>ldc) << 2;
  if (mr == 4 && nr == 8 && epilogueIsClamp()) {
    const lo = f32x4.splat(epilogueClampLo());
    const hi = f32x4.splat(epilogueClampHi());
    if (axis == 1) {
      clampRow(c, c00, c01, f32x4.splat(epilogueBias(row0)), f32x4.splat(epilogueBias(row0)), lo, hi);
      clampRow(c + row, c10, c11, f32x4.splat(epilogueBias(row0 + 1)), f32x4.splat(epilogueBias(row0 + 1)), lo, hi);
      clampRow(c + 2 * row, c20, c21, f32x4.splat(epilogueBias(row0 + 2)), f32x4.splat(epilogueBias(row0 + 2)), lo, hi);
      clampRow(c + 3 * row, c30, c31, f32x4.splat(epilogueBias(row0 + 3)), f32x4.splat(epilogueBias(row0 + 3)), lo, hi);
    } else {
      const b0 = epilogueBias4(col0);
      const b1 = epilogueBias4(col0 + 4);
      clampRow(c, c00, c01, b0, b1, lo, hi);
      clampRow(c + row, c10, c11, b0, b1, lo, hi);
      clampRow(c + 2 * row, c20, c21, b0, b1, lo, hi);
      clampRow(c + 3 * row, c30, c31, b0, b1, lo, hi);
    }
    return;
  }
  storeRow(c, c00, c01, nr);
  if (mr > 1) storeRow(c + row, c10, c11, nr);
  if (mr > 2) storeRow(c + 2 * row, c20, c21, nr);
  if (mr > 3) storeRow(c + 3 * row, c30, c31, nr);
  if (epilogueActive()) applyEpilogue(c, ldc, mr, nr, row0, col0);
}

// pmin(pmax(v + b, lo), hi): a NaN stays NaN, as the epilogue's other paths keep it.
@inline function clampRow(c: usize, lo8: v128, hi8: v128, b0: v128, b1: v128, lo: v128, hi: v128): void {
  v128.store(c, f32x4.pmin(f32x4.pmax(f32x4.add(lo8, b0), lo), hi));
  v128.store(c, f32x4.pmin(f32x4.pmax(f32x4.add(hi8, b1), lo), hi), 16);
}

@inline function storeRow(c: usize, lo: v128, hi: v128, nr: i32): void {
  if (nr == 8) {
    v128.store(c, lo);
    v128.store(c, hi, 16);
    return;
  }
  storeLanes(c, lo, min(nr, 4));
  if (nr > 4) storeLanes(c + 16, hi, nr - 4);
}

// Lanes must be constant in WASM, hence one store per lane on a ragged edge.
@inline function storeLanes(c: usize, v: v128, n: i32): void {
  store<f32>(c, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(c, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(c, f32x4.extract_lane(v, 2), 8);
  if (n > 3) store<f32>(c, f32x4.extract_lane(v, 3), 12);
}
