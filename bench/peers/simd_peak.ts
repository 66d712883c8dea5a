// @ts-nocheck -- AssemblyScript, compiled by asc (bench/peers/asconfig.json), not by tsc.
//
// The WASM SIMD128 arithmetic ceiling of this machine: CHAINS independent f32x4 accumulator
// chains, each step acc = acc * m + a, with everything in registers. The multiplier m and addend a
// are loaded from memory before the loop: V8 re-materialises a splat or v128 constant inside a loop.
// m = 0.5 and a = 1 keep every lane at a fixed point near 2 (no overflow, no denormals).
// 10 chains + m + a = 12 of V8's 15 usable xmm registers; each step is 8 flops (4 lanes, mul + add).

/** 32 bytes of scratch, 16-byte aligned, for m and a; JS writes them. */
export function scratch(): usize {
  return memory.data(32, 16);
}

/** Flops per loop iteration: 10 chains x 4 lanes x (1 mul + 1 add). */
export const FLOPS_PER_ITERATION: i32 = 80;

/** iterations x 10 chains of f32x4.mul then f32x4.add; returns a lane sum so nothing is dead. */
export function peak_mul_add(iterations: i32, p: usize): f32 {
  const m = v128.load(p);
  const a = v128.load(p, 16);
  // Distinct starting values, so no optimiser can prove two chains equal and merge them.
  let c0 = m,
    c1 = f32x4.add(c0, a),
    c2 = f32x4.add(c1, a),
    c3 = f32x4.add(c2, a),
    c4 = f32x4.add(c3, a);
  let c5 = f32x4.add(c4, a),
    c6 = f32x4.add(c5, a),
    c7 = f32x4.add(c6, a),
    c8 = f32x4.add(c7, a),
    c9 = f32x4.add(c8, a);
  for (let i = 0; i < iterations; i++) {
    c0 = f32x4.add(f32x4.mul(c0, m), a);
    c1 = f32x4.add(f32x4.mul(c1, m), a);
    c2 = f32x4.add(f32x4.mul(c2, m), a);
    c3 = f32x4.add(f32x4.mul(c3, m), a);
    c4 = f32x4.add(f32x4.mul(c4, m), a);
    c5 = f32x4.add(f32x4.mul(c5, m), a);
    c6 = f32x4.add(f32x4.mul(c6, m), a);
    c7 = f32x4.add(f32x4.mul(c7, m), a);
    c8 = f32x4.add(f32x4.mul(c8, m), a);
    c9 = f32x4.add(f32x4.mul(c9, m), a);
  }
  return laneSum(
    f32x4.add(
      f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
      f32x4.add(f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)), f32x4.add(c8, c9)),
    ),
  );
}

/** The same chains with one fused f32x4.relaxed_madd per step; -1 in a build without relaxed SIMD. */
export function peak_fma(iterations: i32, p: usize): f32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return -1;
  const m = v128.load(p);
  const a = v128.load(p, 16);
  // Distinct starting values, so no optimiser can prove two chains equal and merge them.
  let c0 = m,
    c1 = f32x4.add(c0, a),
    c2 = f32x4.add(c1, a),
    c3 = f32x4.add(c2, a),
    c4 = f32x4.add(c3, a);
  let c5 = f32x4.add(c4, a),
    c6 = f32x4.add(c5, a),
    c7 = f32x4.add(c6, a),
    c8 = f32x4.add(c7, a),
    c9 = f32x4.add(c8, a);
  for (let i = 0; i < iterations; i++) {
    c0 = f32x4.relaxed_madd(c0, m, a);
    c1 = f32x4.relaxed_madd(c1, m, a);
    c2 = f32x4.relaxed_madd(c2, m, a);
    c3 = f32x4.relaxed_madd(c3, m, a);
    c4 = f32x4.relaxed_madd(c4, m, a);
    c5 = f32x4.relaxed_madd(c5, m, a);
    c6 = f32x4.relaxed_madd(c6, m, a);
    c7 = f32x4.relaxed_madd(c7, m, a);
    c8 = f32x4.relaxed_madd(c8, m, a);
    c9 = f32x4.relaxed_madd(c9, m, a);
  }
  return laneSum(
    f32x4.add(
      f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
      f32x4.add(f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)), f32x4.add(c8, c9)),
    ),
  );
}

function laneSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}
