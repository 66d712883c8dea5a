// acc + a * b, fused into one FMA in the relaxed-SIMD build (f32x4.relaxed_madd) and a separate
// mul + add in the plain SIMD build. ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each
// build keeps one branch. relaxed_madd may round once or twice depending on the engine, which is
// why the tests compare with tolerances rather than bits.
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
