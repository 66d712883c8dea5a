// y = a (op) b element by element, or a (op) s for one value s (y may be a or b). The operation is
// a code, switched on inside the loop: these loops are bound by memory, and one loop per code
// would be the same loop four times.
export const ADD = 0;
export const SUB = 1;
export const MUL = 2;
export const DIV = 3;
/** s - a and s / a: a scalar on the left. */
export const RSUB = 4;
export const RDIV = 5;

@inline function apply4(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD:
      return f32x4.add(a, b);
    case SUB:
      return f32x4.sub(a, b);
    case MUL:
      return f32x4.mul(a, b);
    case DIV:
      return f32x4.div(a, b);
    case RSUB:
      return f32x4.sub(b, a);
    default:
      return f32x4.div(b, a);
  }
}

@inline function apply1(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD:
      return a + b;
    case SUB:
      return a - b;
    case MUL:
      return a * b;
    case DIV:
      return a / b;
    case RSUB:
      return b - a;
    default:
      return b / a;
  }
}

export function binary(op: i32, a: usize, b: usize, n: i32, y: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y, apply4(op, v128.load(a), v128.load(b)));
    a += 16;
    b += 16;
    y += 16;
  }
  for (; i < n; i++) {
    store<f32>(y, apply1(op, load<f32>(a), load<f32>(b)));
    a += 4;
    b += 4;
    y += 4;
  }
}

export function binary_scalar(op: i32, a: usize, s: f32, n: i32, y: usize): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y, apply4(op, v128.load(a), vs));
    a += 16;
    y += 16;
  }
  for (; i < n; i++) {
    store<f32>(y, apply1(op, load<f32>(a), s));
    a += 4;
    y += 4;
  }
}
