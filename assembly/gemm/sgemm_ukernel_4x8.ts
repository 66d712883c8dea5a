import { madd } from "./madd";

// C[0:mr, 0:nr] = A_panel x B_panel + beta * C, for packed panels of 4 rows and 8 columns.
// 8 accumulators + 3 loaded vectors + 1 broadcast = 12 live v128, inside V8's 15-register budget
// (../shared/wasm-notes.md: 6x8, 8x8 and 4x12 spill). One k-step per iteration on purpose:
// Binaryen regroups hand-unrolled steps per accumulator, and that spills.
export function sgemm_ukernel_4x8(
  kc: i32, a: usize, b: usize, c: usize, ldc: i32, beta: f32, mr: i32, nr: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const va = v128.load(a);
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let ai = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
    c00 = madd(ai, b0, c00);
    c01 = madd(ai, b1, c01);
    ai = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
    c10 = madd(ai, b0, c10);
    c11 = madd(ai, b1, c11);
    ai = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
    c20 = madd(ai, b0, c20);
    c21 = madd(ai, b1, c21);
    ai = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
    c30 = madd(ai, b0, c30);
    c31 = madd(ai, b1, c31);
    a += 16;
    b += 32;
  }
  const row = <usize>ldc << 2;
  storeRow(c, c00, c01, beta, nr);
  if (mr > 1) storeRow(c + row, c10, c11, beta, nr);
  if (mr > 2) storeRow(c + 2 * row, c20, c21, beta, nr);
  if (mr > 3) storeRow(c + 3 * row, c30, c31, beta, nr);
}

@inline function storeRow(c: usize, lo: v128, hi: v128, beta: f32, nr: i32): void {
  if (nr == 8) {
    if (beta != 0) {
      const vb = f32x4.splat(beta);
      lo = f32x4.add(lo, f32x4.mul(vb, v128.load(c)));
      hi = f32x4.add(hi, f32x4.mul(vb, v128.load(c, 16)));
    }
    v128.store(c, lo);
    v128.store(c, hi, 16);
  } else {
    storePartial(c, lo, min(nr, 4), beta);
    if (nr > 4) storePartial(c + 16, hi, nr - 4, beta);
  }
}

// Lanes must be constant in WASM, hence the unrolled lane stores for a tile's ragged edge.
@inline function storePartial(c: usize, v: v128, n: i32, beta: f32): void {
  storeLane(c, f32x4.extract_lane(v, 0), beta);
  if (n > 1) storeLane(c + 4, f32x4.extract_lane(v, 1), beta);
  if (n > 2) storeLane(c + 8, f32x4.extract_lane(v, 2), beta);
  if (n > 3) storeLane(c + 12, f32x4.extract_lane(v, 3), beta);
}

@inline function storeLane(c: usize, x: f32, beta: f32): void {
  store<f32>(c, beta != 0 ? x + beta * load<f32>(c) : x);
}
