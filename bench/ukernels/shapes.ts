// @ts-nocheck -- AssemblyScript, compiled by asc (npm run bench:ukernels), not by tsc.
//
// Micro-kernel shapes measured side by side (npm run bench:ukernels): MR x NR register tiles of
// C += A_panel x B_panel on packed panels that stay in L1, with plain mul + add or FMA
// (relaxed_madd), the question the performance issue asks: 4x8 (the shipped
// assembly/gemm/sgemm_ukernel_4x8.ts), 5x8, 2x16 and 6x8. Each k-step is one loop iteration, and the
// accumulators are stored once at the end, as in the real kernel.

@inline function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

export function tile_4x8(kc: i32, a0: usize, b0: usize, c: usize, reps: i32): void {
  for (let r = 0; r < reps; r++) {
    let a = a0, b = b0;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let k = 0; k < kc; k++) {
      const va = v128.load(a), x0 = v128.load(b), x1 = v128.load(b, 16);
      let ai = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
      c00 = madd(ai, x0, c00); c01 = madd(ai, x1, c01);
      ai = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
      c10 = madd(ai, x0, c10); c11 = madd(ai, x1, c11);
      ai = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
      c20 = madd(ai, x0, c20); c21 = madd(ai, x1, c21);
      ai = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
      c30 = madd(ai, x0, c30); c31 = madd(ai, x1, c31);
      a += 16; b += 32;
    }
    v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c10, 32); v128.store(c, c11, 48);
    v128.store(c, c20, 64); v128.store(c, c21, 80); v128.store(c, c30, 96); v128.store(c, c31, 112);
  }
}

export function tile_5x8(kc: i32, a0: usize, b0: usize, c: usize, reps: i32): void {
  for (let r = 0; r < reps; r++) {
    let a = a0, b = b0;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
    for (let k = 0; k < kc; k++) {
      const va = v128.load(a), x0 = v128.load(b), x1 = v128.load(b, 16);
      let ai = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
      c00 = madd(ai, x0, c00); c01 = madd(ai, x1, c01);
      ai = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
      c10 = madd(ai, x0, c10); c11 = madd(ai, x1, c11);
      ai = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
      c20 = madd(ai, x0, c20); c21 = madd(ai, x1, c21);
      ai = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
      c30 = madd(ai, x0, c30); c31 = madd(ai, x1, c31);
      ai = v128.load32_splat(a, 16);
      c40 = madd(ai, x0, c40); c41 = madd(ai, x1, c41);
      a += 20; b += 32;
    }
    v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c10, 32); v128.store(c, c11, 48);
    v128.store(c, c20, 64); v128.store(c, c21, 80); v128.store(c, c30, 96); v128.store(c, c31, 112);
    v128.store(c, c40, 128); v128.store(c, c41, 144);
  }
}

export function tile_2x16(kc: i32, a0: usize, b0: usize, c: usize, reps: i32): void {
  for (let r = 0; r < reps; r++) {
    let a = a0, b = b0;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
    for (let k = 0; k < kc; k++) {
      const x0 = v128.load(b), x1 = v128.load(b, 16), x2 = v128.load(b, 32), x3 = v128.load(b, 48);
      let ai = v128.load32_splat(a);
      c00 = madd(ai, x0, c00); c01 = madd(ai, x1, c01); c02 = madd(ai, x2, c02); c03 = madd(ai, x3, c03);
      ai = v128.load32_splat(a, 4);
      c10 = madd(ai, x0, c10); c11 = madd(ai, x1, c11); c12 = madd(ai, x2, c12); c13 = madd(ai, x3, c13);
      a += 8; b += 64;
    }
    v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c02, 32); v128.store(c, c03, 48);
    v128.store(c, c10, 64); v128.store(c, c11, 80); v128.store(c, c12, 96); v128.store(c, c13, 112);
  }
}

export function tile_6x8(kc: i32, a0: usize, b0: usize, c: usize, reps: i32): void {
  for (let r = 0; r < reps; r++) {
    let a = a0, b = b0;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
    for (let k = 0; k < kc; k++) {
      const va = v128.load(a), x0 = v128.load(b), x1 = v128.load(b, 16);
      let ai = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
      c00 = madd(ai, x0, c00); c01 = madd(ai, x1, c01);
      ai = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
      c10 = madd(ai, x0, c10); c11 = madd(ai, x1, c11);
      ai = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
      c20 = madd(ai, x0, c20); c21 = madd(ai, x1, c21);
      ai = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
      c30 = madd(ai, x0, c30); c31 = madd(ai, x1, c31);
      ai = v128.load32_splat(a, 16);
      c40 = madd(ai, x0, c40); c41 = madd(ai, x1, c41);
      ai = v128.load32_splat(a, 20);
      c50 = madd(ai, x0, c50); c51 = madd(ai, x1, c51);
      a += 24; b += 32;
    }
    v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c10, 32); v128.store(c, c11, 48);
    v128.store(c, c20, 64); v128.store(c, c21, 80); v128.store(c, c30, 96); v128.store(c, c31, 112);
    v128.store(c, c40, 128); v128.store(c, c41, 144); v128.store(c, c50, 160); v128.store(c, c51, 176);
  }
}
