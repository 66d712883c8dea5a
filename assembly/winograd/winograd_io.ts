import { activateVector, epilogueBias, epilogueSlope } from "../elementwise/epilogue";

// What the Winograd transforms share: four channels (or filters) in the lanes of one v128, read
// from and written to memory where they are `step` bytes apart -- next to each other in NHWC and
// HWIO, a plane or a filter apart in NCHW -- and `n` (1 to 4) of them real. Lanes past n read as
// zero and are never written, so a channel count that is not a multiple of 4 needs no padding.

// Four values `step` bytes apart; `whole` (a constant at every call site) is n == 4 && step == 4.
@inline export function loadLanes(p: usize, step: usize, n: i32, whole: bool): v128 {
  if (whole) return v128.load(p);
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p + step, v, 1);
  if (n > 2) v = v128.load32_lane(p + 2 * step, v, 2);
  if (n > 3) v = v128.load32_lane(p + 3 * step, v, 3);
  return v;
}

@inline export function storeLanes(p: usize, v: v128, step: usize, n: i32, whole: bool): void {
  if (whole) {
    v128.store(p, v);
    return;
  }
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p + step, v, 1);
  if (n > 2) v128.store32_lane(p + 2 * step, v, 2);
  if (n > 3) v128.store32_lane(p + 3 * step, v, 3);
}

// Pixel (iy, ix) of channels c .. c + n - 1 at p = x + c's offset; zero outside the image when
// `checked` (a tile on the border; inside, the test is left out).
@inline export function loadPixel(
  p: usize, iy: i32, ix: i32, h: i32, w: i32, rs: usize, ps: usize, step: usize, n: i32, whole: bool, checked: bool,
): v128 {
  if (checked && (<u32>iy >= <u32>h || <u32>ix >= <u32>w)) return f32x4.splat(0);
  return loadLanes(p + <usize>iy * rs + <usize>ix * ps, step, n, whole);
}

// The epilogue's bias (or, with `slope`, leakyRelu's or prelu's slope) of output channels
// f .. f + n - 1, lanes past n zero: asked once per tile and channel group, not per output.
export function epilogueLanes(f: i32, n: i32, slope: bool): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, epilogueOf(f, slope));
  if (n > 1) v = f32x4.replace_lane(v, 1, epilogueOf(f + 1, slope));
  if (n > 2) v = f32x4.replace_lane(v, 2, epilogueOf(f + 2, slope));
  if (n > 3) v = f32x4.replace_lane(v, 3, epilogueOf(f + 3, slope));
  return v;
}

@inline function epilogueOf(f: i32, slope: bool): f32 {
  return slope ? epilogueSlope(f) : epilogueBias(f);
}

// One output vector plus its bias, clamped (none, relu, relu6: `clamp`, lo, hi) or through the
// epilogue's activation, stored when (oy, ox) is inside the output: a tile on the bottom or right
// edge computes outputs past it, which are dropped here.
@inline export function storeOutput(
  y: usize, oy: i32, ox: i32, outH: i32, outW: i32, rs: usize, ps: usize, v: v128,
  bias: v128, lo: v128, hi: v128, slope: v128, clamp: bool, step: usize, n: i32, whole: bool,
): void {
  if (oy >= outH || ox >= outW) return;
  storeLanes(y + <usize>oy * rs + <usize>ox * ps, epilogued(v, bias, lo, hi, slope, clamp), step, n, whole);
}

@inline export function epilogued(v: v128, bias: v128, lo: v128, hi: v128, slope: v128, clamp: bool): v128 {
  v = f32x4.add(v, bias);
  return clamp ? f32x4.pmin(f32x4.pmax(v, lo), hi) : activateVector(v, slope);
}
