// One step of the book's Adam on n float32s, in place on p, m and v:
//   m += a1 (g - m);  v += a2 (g^2 - v);  p -= lrT m / (sqrt(v) + eps)
// with a1 = 1 - beta1, a2 = 1 - beta2 and the bias corrections folded into lrT by the caller.
// Each line is computed in float64 and rounded to float32 where it is stored, and p's step uses
// the stored (rounded) m and v: exactly the arithmetic of a plain JavaScript loop over
// Float32Arrays, so training gives the same weights bit for bit as before this kernel existed.
export function adam_update(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lrT: f64,
  a1: f64,
  a2: f64,
  eps: f64,
): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const at = (<usize>i) << 2;
    const gi = f64x2.promote_low_f32x4(v128.load64_zero(g + at));
    let mi = f64x2.promote_low_f32x4(v128.load64_zero(m + at));
    let vi = f64x2.promote_low_f32x4(v128.load64_zero(v + at));
    mi = f64x2.add(mi, f64x2.mul(f64x2.splat(a1), f64x2.sub(gi, mi)));
    vi = f64x2.add(vi, f64x2.mul(f64x2.splat(a2), f64x2.sub(f64x2.mul(gi, gi), vi)));
    const m32 = f32x4.demote_f64x2_zero(mi),
      v32 = f32x4.demote_f64x2_zero(vi);
    v128.store64_lane(m + at, m32, 0);
    v128.store64_lane(v + at, v32, 0);
    const step = f64x2.div(
      f64x2.mul(f64x2.splat(lrT), f64x2.promote_low_f32x4(m32)),
      f64x2.add(f64x2.sqrt(f64x2.promote_low_f32x4(v32)), f64x2.splat(eps)),
    );
    const pi = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(p + at)), step);
    v128.store64_lane(p + at, f32x4.demote_f64x2_zero(pi), 0);
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    const gi = <f64>load<f32>(g + at);
    const mi = <f32>(<f64>load<f32>(m + at) + a1 * (gi - <f64>load<f32>(m + at)));
    const vi = <f32>(<f64>load<f32>(v + at) + a2 * (gi * gi - <f64>load<f32>(v + at)));
    store<f32>(m + at, mi);
    store<f32>(v + at, vi);
    store<f32>(p + at, <f32>(<f64>load<f32>(p + at) - (lrT * <f64>mi) / (Math.sqrt(<f64>vi) + eps)));
  }
}
