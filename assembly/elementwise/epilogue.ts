// Bias and activation fused into a kernel's store: the GEMM applies them to each micro-tile of C
// right after its last k-block is stored, while the 4x8 tile is still in L1, and the depthwise
// kernels to each vector before it is stored -- never a second pass over the output. Set by
// epilogue_set() for the next kernel call only (the kernel clears it when it returns), so a
// forgotten epilogue cannot leak into a later call. Globals, as the packers' state: each thread's
// instance has its own.

export const ACT_NONE: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_RELU6: i32 = 2;
export const ACT_LEAKY_RELU: i32 = 3;
export const ACT_PRELU: i32 = 4;
export const ACT_ELU: i32 = 5;
export const ACT_SIGMOID: i32 = 6;

let epiBias: usize = 0;
let epiPrelu: usize = 0;
// 1: channels are C's rows (NCHW: y[FN, P]); 2: its columns (NHWC: y[P, FN]).
let epiAxis: i32 = 0;
let epiAct: i32 = 0;
let epiAlpha: f32 = 0;

// For the next kernel call: bias[channel] (0: none), then the activation (ACT_*), with alpha for
// leaky relu and prelu[channel] for prelu; in a GEMM the channel is C's row when axis = 1, its
// column when axis = 2.
export function epilogue_set(bias: usize, axis: i32, act: i32, alpha: f32, prelu: usize): void {
  epiBias = bias;
  epiAxis = axis;
  epiAct = act;
  epiAlpha = alpha;
  epiPrelu = prelu;
}

export function epilogueActive(): bool {
  return epiBias != 0 || epiAct != ACT_NONE;
}

export function clearEpilogue(): void {
  epiBias = 0;
  epiAct = ACT_NONE;
}

// The epilogue as a pass of its own over C [rows, cols], for results that accumulate (the
// transposed convolution's col2im) and so cannot take it in their store.
export function epilogue_apply(c: usize, rows: i32, cols: i32): void {
  if (epilogueActive()) applyEpilogue(c, cols, rows, cols, 0, 0);
  clearEpilogue();
}

// C[0:mr, 0:nr] at c (row stride ldc) is the tile whose first element is C(row0, col0).
export function applyEpilogue(c: usize, ldc: i32, mr: i32, nr: i32, row0: i32, col0: i32): void {
  // A whole 4x8 micro-tile with bias and a clamp (none, relu, relu6): straight-line v128 code.
  // The general path's call per row cost as much as the tile's multiply-adds where K is small
  // (MobileNet's pointwise convolutions, K = 16 to 64).
  if (mr == 4 && nr == 8 && epiAct <= ACT_RELU6) {
    clampTile4x8(c, (<usize>ldc) << 2, row0, col0);
    return;
  }
  for (let r = 0; r < mr; r++) {
    const p = c + ((<usize>(r * ldc)) << 2);
    if (epiAxis == 1) epilogueRowOfOneChannel(p, nr, row0 + r);
    else epilogueRowAcrossChannels(p, nr, col0);
  }
}

function clampTile4x8(c: usize, row: usize, row0: i32, col0: i32): void {
  const lo = f32x4.splat(epilogueClampLo());
  const hi = f32x4.splat(epilogueClampHi());
  const zero = f32x4.splat(0);
  if (epiAxis == 1) {
    for (let r = 0; r < 4; r++) {
      const b = epiBias != 0 ? v128.load32_splat(epiBias + ((<usize>(row0 + r)) << 2)) : zero;
      const p = c + <usize>r * row;
      v128.store(p, f32x4.pmin(f32x4.pmax(f32x4.add(v128.load(p), b), lo), hi));
      v128.store(p, f32x4.pmin(f32x4.pmax(f32x4.add(v128.load(p, 16), b), lo), hi), 16);
    }
    return;
  }
  const bias = epiBias + ((<usize>col0) << 2);
  const b0 = epiBias != 0 ? v128.load(bias) : zero;
  const b1 = epiBias != 0 ? v128.load(bias, 16) : zero;
  for (let r = 0; r < 4; r++) {
    const p = c + <usize>r * row;
    v128.store(p, f32x4.pmin(f32x4.pmax(f32x4.add(v128.load(p), b0), lo), hi));
    v128.store(p, f32x4.pmin(f32x4.pmax(f32x4.add(v128.load(p, 16), b1), lo), hi), 16);
  }
}

// One row of C whose every element belongs to channel ch.
function epilogueRowOfOneChannel(p: usize, n: i32, ch: i32): void {
  const b = epiBias != 0 ? load<f32>(epiBias + ((<usize>ch) << 2)) : 0;
  const a = epiAct == ACT_PRELU ? load<f32>(epiPrelu + ((<usize>ch) << 2)) : epiAlpha;
  if (epiAct >= ACT_ELU) {
    for (let j = 0; j < n; j++) store<f32>(p + ((<usize>j) << 2), scalarAct(load<f32>(p + ((<usize>j) << 2)) + b, a));
    return;
  }
  const vb = f32x4.splat(b);
  const va = f32x4.splat(a);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const q = p + ((<usize>j) << 2);
    v128.store(q, vectorAct(f32x4.add(v128.load(q), vb), va));
  }
  for (; j < n; j++) store<f32>(p + ((<usize>j) << 2), scalarAct(load<f32>(p + ((<usize>j) << 2)) + b, a));
}

// One row of C whose element j belongs to channel col0 + j.
function epilogueRowAcrossChannels(p: usize, n: i32, col0: i32): void {
  const bias = epiBias + ((<usize>col0) << 2);
  const prelu = epiPrelu + ((<usize>col0) << 2);
  if (epiAct >= ACT_ELU) {
    for (let j = 0; j < n; j++) {
      const b = epiBias != 0 ? load<f32>(bias + ((<usize>j) << 2)) : 0;
      store<f32>(p + ((<usize>j) << 2), scalarAct(load<f32>(p + ((<usize>j) << 2)) + b, epiAlpha));
    }
    return;
  }
  const alpha = f32x4.splat(epiAlpha);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = (<usize>j) << 2;
    let v = v128.load(p + o);
    if (epiBias != 0) v = f32x4.add(v, v128.load(bias + o));
    v128.store(p + o, vectorAct(v, epiAct == ACT_PRELU ? v128.load(prelu + o) : alpha));
  }
  for (; j < n; j++) {
    const o = (<usize>j) << 2;
    const b = epiBias != 0 ? load<f32>(bias + o) : 0;
    store<f32>(p + o, scalarAct(load<f32>(p + o) + b, epiAct == ACT_PRELU ? load<f32>(prelu + o) : epiAlpha));
  }
}

// pmax/pmin, not max/min: single instructions on x86 (../shared/wasm-notes.md). pmax(a, b) is
// a < b ? b : a, so with the value first a NaN stays NaN, as the scalar comparisons keep it.
function vectorAct(v: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  if (epiAct == ACT_RELU) return f32x4.pmax(v, zero);
  if (epiAct == ACT_RELU6) return f32x4.pmin(f32x4.pmax(v, zero), f32x4.splat(6));
  if (epiAct == ACT_LEAKY_RELU || epiAct == ACT_PRELU) {
    return v128.bitselect(f32x4.mul(v, alpha), v, f32x4.lt(v, zero));
  }
  return v;
}

function scalarAct(v: f32, alpha: f32): f32 {
  if (epiAct == ACT_RELU) return v < 0 ? 0 : v;
  if (epiAct == ACT_RELU6) return v < 0 ? 0 : v > 6 ? 6 : v;
  if (epiAct == ACT_LEAKY_RELU || epiAct == ACT_PRELU) return v < 0 ? v * alpha : v;
  if (epiAct == ACT_ELU) return v < 0 ? Mathf.exp(v) - 1 : v;
  if (epiAct == ACT_SIGMOID) return 1 / (1 + Mathf.exp(-v));
  return v;
}

// For kernels that apply the epilogue to values of their own (the depthwise convolutions): the
// bias and slope of channel ch, and the activation of one value or of four channels' values.
export function epilogueBias(ch: i32): f32 {
  return epiBias != 0 ? load<f32>(epiBias + (<usize>ch << 2)) : 0;
}

export function epilogueSlope(ch: i32): f32 {
  return epiAct == ACT_PRELU ? load<f32>(epiPrelu + (<usize>ch << 2)) : epiAlpha;
}

// Channels ch .. ch + 3.
export function epilogueBias4(ch: i32): v128 {
  return epiBias != 0 ? v128.load(epiBias + (<usize>ch << 2)) : f32x4.splat(0);
}

export function epilogueSlope4(ch: i32): v128 {
  return epiAct == ACT_PRELU ? v128.load(epiPrelu + (<usize>ch << 2)) : f32x4.splat(epiAlpha);
}

// none, relu and relu6 are one clamp, pmin(pmax(v, lo), hi): two instructions with lo and hi held
// in registers, the vector kernels' fast path (a NaN stays NaN, as in vectorAct).
export function epilogueIsClamp(): bool {
  return epiAct <= ACT_RELU6;
}

export function epilogueClampLo(): f32 {
  return epiAct == ACT_NONE ? -Infinity : 0;
}

export function epilogueClampHi(): f32 {
  return epiAct == ACT_RELU6 ? 6 : Infinity;
}

// For the tiled kernels: the clamp's bounds, or -Infinity and Infinity where the activation is not
// a clamp (the kernel then applies it after the store). Made once per call and splatted after each
// tap loop rather than held in registers across it. Globals, not static memory: each thread's
// instance has its own globals, while static data is one copy in the shared memory.
let tileLo: f32 = -Infinity;
let tileHi: f32 = Infinity;

export function setTileClamp(): void {
  const clamp = epilogueIsClamp();
  tileLo = clamp ? epilogueClampLo() : -Infinity;
  tileHi = clamp ? epilogueClampHi() : Infinity;
}

// pmin(pmax(v, lo), hi): a NaN stays NaN.
@inline export function tileClamp(v: v128): v128 {
  return f32x4.pmin(f32x4.pmax(v, f32x4.splat(tileLo)), f32x4.splat(tileHi));
}

export function tileClampOne(v: f32): f32 {
  if (v < tileLo) return tileLo;
  if (tileHi < v) return tileHi;
  return v;
}

export function activate(v: f32, slope: f32): f32 {
  return scalarAct(v, slope);
}

// Stores the activation of four values of channel ch's plane (NCHW), or of channels ch .. ch + 3 (NHWC).
@inline export function storeActivatedOfChannel(dst: usize, v: v128, ch: i32): void {
  v128.store(dst, activate4(v, f32x4.splat(epilogueSlope(ch))));
}

@inline export function storeActivatedAcrossChannels(dst: usize, v: v128, ch: i32): void {
  v128.store(dst, activate4(v, epilogueSlope4(ch)));
}

// Sixteen results stored at q: across channels ch .. ch + 15 (NHWC), or all of channel ch (NCHW).
// `clamp` is epilogueIsClamp(), asked before the caller's loops; its bounds are made here, after
// them, so that they hold no registers across them.
@inline export function storeAcrossChannels16(q: usize, a0: v128, a1: v128, a2: v128, a3: v128, ch: i32, clamp: bool): void {
  if (clamp) {
    const lo = f32x4.splat(epilogueClampLo());
    const hi = f32x4.splat(epilogueClampHi());
    v128.store(q, f32x4.pmin(f32x4.pmax(a0, lo), hi));
    v128.store(q, f32x4.pmin(f32x4.pmax(a1, lo), hi), 16);
    v128.store(q, f32x4.pmin(f32x4.pmax(a2, lo), hi), 32);
    v128.store(q, f32x4.pmin(f32x4.pmax(a3, lo), hi), 48);
  } else {
    storeActivatedAcrossChannels(q, a0, ch);
    storeActivatedAcrossChannels(q + 16, a1, ch + 4);
    storeActivatedAcrossChannels(q + 32, a2, ch + 8);
    storeActivatedAcrossChannels(q + 48, a3, ch + 12);
  }
}

@inline export function storeOfChannel16(q: usize, a0: v128, a1: v128, a2: v128, a3: v128, ch: i32, clamp: bool): void {
  if (clamp) {
    const lo = f32x4.splat(epilogueClampLo());
    const hi = f32x4.splat(epilogueClampHi());
    v128.store(q, f32x4.pmin(f32x4.pmax(a0, lo), hi));
    v128.store(q, f32x4.pmin(f32x4.pmax(a1, lo), hi), 16);
    v128.store(q, f32x4.pmin(f32x4.pmax(a2, lo), hi), 32);
    v128.store(q, f32x4.pmin(f32x4.pmax(a3, lo), hi), 48);
  } else {
    storeActivatedOfChannel(q, a0, ch);
    storeActivatedOfChannel(q + 16, a1, ch);
    storeActivatedOfChannel(q + 32, a2, ch);
    storeActivatedOfChannel(q + 48, a3, ch);
  }
}

// Four values' activation, slope per lane (leakyRelu, prelu), for kernels that store lanes one by one.
@inline export function activateVector(v: v128, slope: v128): v128 {
  return activate4(v, slope);
}

function activate4(v: v128, slope: v128): v128 {
  if (epiAct < ACT_ELU) return vectorAct(v, slope);
  return f32x4(
    scalarAct(f32x4.extract_lane(v, 0), 0),
    scalarAct(f32x4.extract_lane(v, 1), 0),
    scalarAct(f32x4.extract_lane(v, 2), 0),
    scalarAct(f32x4.extract_lane(v, 3), 0),
  );
}
