// y = f(x) element by element (y may be x), f chosen by code: TensorFlow's Step (1 where x > 0,
// alpha elsewhere, NaN kept: relu's derivative with alpha = 0), sqrt and square. Relu itself is
// relu_forward.
export const STEP = 0;
export const SQRT = 1;
export const SQUARE = 2;

@inline function apply4(op: i32, v: v128, alpha: v128): v128 {
  switch (op) {
    case STEP: {
      const r = v128.bitselect(f32x4.splat(1), alpha, f32x4.gt(v, f32x4.splat(0)));
      // NaN fails both comparisons: it keeps its own bits, a NaN.
      return v128.bitselect(v, r, f32x4.ne(v, v));
    }
    case SQRT:
      return f32x4.sqrt(v);
    default:
      return f32x4.mul(v, v);
  }
}

@inline function apply1(op: i32, v: f32, alpha: f32): f32 {
  switch (op) {
    case STEP:
      return v != v ? v : v > 0 ? 1 : alpha;
    case SQRT:
      return Mathf.sqrt(v);
    default:
      return v * v;
  }
}

export function unary(op: i32, x: usize, n: i32, alpha: f32, y: usize): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y, apply4(op, v128.load(x), va));
    x += 16;
    y += 16;
  }
  for (; i < n; i++) {
    store<f32>(y, apply1(op, load<f32>(x), alpha));
    x += 4;
    y += 4;
  }
}
