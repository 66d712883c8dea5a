import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { checkTensor } from "../tensor/validate.js";
import { WasmTensor } from "../tensor/wasm_tensor.js";
import {
  floatsIn,
  placeInput,
  placement,
  readTensor,
  withResult,
  type Input,
  type OutTensor,
  type Placement,
  writeFloats,
} from "../runtime/memory.js";
import { getRuntime, type Runtime } from "../runtime/wasm.js";
import { checkActivation, type Activation, type FusedActivation } from "./activation.js";
import { convParams, convGeometry, inLayout, shapesGeometry, type ConvGeometry } from "./conv_geometry.js";
import { convForwardAll, convScratch, packedFilterFloats, packFilter, packsFilter } from "./conv_forward.js";
import { checkOptions, type Layout, type Padding, type Pair } from "./options.js";
import {
  type Algorithm,
  checkAlgorithm,
  tileFor,
  winogradFilter,
  winogradForward,
  winogradPlan,
  winogradThreads,
} from "./conv_winograd.js";
import { filterKey, keepFilter, keptFilter } from "./winograd_filters.js";

export function checkBias(fn: string, name: string, b: unknown, FN: number): void {
  const [len] = checkTensor(fn, name, b, ["FN"]);
  if (len !== FN) throw new RangeError(`${fn}: ${name} must have shape [${FN}], one bias per filter; got [${len}]`);
}

export interface ConvOptions {
  /** `n` or `[strideH, strideW]` (default 1). */
  stride?: Pair;
  /** See Padding: a number, [padH, padW], [top, bottom, left, right], "valid" or "same" (default 0). */
  pad?: Padding;
  /** Spacing of the filter's taps, `n` or `[dh, dw]` (default 1). */
  dilation?: Pair;
  /** C and FN are split into this many groups (default 1); groups = C is depthwise. */
  groups?: number;
  /** "NCHW" (default; W [FN, C/groups, FH, FW]) or "NHWC" (W [FH, FW, C/groups, FN], TensorFlow's HWIO). */
  layout?: Layout;
  /** Applied in the kernel's store, after the bias (default "linear": none). */
  activation?: Activation;
  /** leakyRelu's slope (default 0.2), or prelu's [FN] tensor of slopes. */
  alpha?: number | Input;
  /**
   * Where to write the result, [N, FN, outH, outW] exactly (NHWC: [N, outH, outW, FN]): a Tensor or
   * any { shape, data } with Float32Array data, which is returned (or wrapped in a Tensor) instead of
   * a new array. For a caller that reuses its buffers: the first writes to a fresh array cost page
   * faults, and for the MNIST net's first layer (a 6.9 MB result) those took ~3.5 ms, more than the
   * convolution. It may be one of the inputs' arrays: they are copied in before the result is written.
   */
  out?: OutTensor | null;
  /**
   * How a 3x3 stride-1 convolution with groups = 1 is computed (default "auto"). "gemm": im2col +
   * SGEMM (or the direct kernels), the rounding of every other shape. "winograd": Winograd's
   * F(4x4, 3x3), 4x fewer multiplies and a little more rounding error (README, Winograd study);
   * "winograd-2x2" is F(2x2, 3x3) (2.25x fewer, GEMM-like error), "winograd-4x4" the same as
   * "winograd". "auto" takes Winograd only on shapes where it was measured faster; every other
   * shape runs the GEMM. A Winograd algorithm on a shape it cannot take
   * (another filter size, stride, dilation or groups) is a RangeError.
   */
  algorithm?: Algorithm;
}

const CONV_KEYS = ["stride", "pad", "dilation", "groups", "layout", "activation", "alpha", "out", "algorithm"] as const;

/**
 * 2-D convolution (cross-correlation, as the book and every framework): x [N, C, H, W], W [FN, C/groups, FH, FW],
 * b [FN] -> [N, FN, outH, outW], or the same in NHWC with an HWIO filter. Any tensor may be a
 * WasmTensor (read where it lies); when x is one, so is the result.
 */
export function conv2d(x: TensorLike, W: Input, b?: Input | null, opts?: ConvOptions): Tensor;
export function conv2d(x: WasmTensor, W: Input, b?: Input | null, opts?: ConvOptions): WasmTensor;
export function conv2d(x: Input, W: Input, b?: Input | null, opts?: ConvOptions): Tensor | WasmTensor;
export function conv2d(x: Input, W: Input, b?: Input | null, opts?: ConvOptions): Tensor | WasmTensor {
  const fn = "conv2d";
  const o = checkOptions<ConvOptions>(fn, opts, CONV_KEYS, "{ stride: 1, pad: 0 }");
  const g = convGeometry(fn, x, W, convParams(fn, o), "W");
  return convolve(fn, g, x, W, b, o);
}

export interface DepthwiseConvOptions extends Omit<ConvOptions, "groups" | "layout" | "algorithm"> {}

const DEPTHWISE_KEYS = ["stride", "pad", "dilation", "activation", "alpha", "out"] as const;

/**
 * TensorFlow's depthwise convolution: NHWC x [N, H, W, C], W [FH, FW, C, M] (M filters per channel),
 * b [C*M] -> [N, outH, outW, C*M], output channel c*M + m. The NCHW form is conv2d with groups = C.
 * WasmTensors as conv2d takes them.
 */
export function depthwiseConv2d(x: TensorLike, W: Input, b?: Input | null, opts?: DepthwiseConvOptions): Tensor;
export function depthwiseConv2d(x: WasmTensor, W: Input, b?: Input | null, opts?: DepthwiseConvOptions): WasmTensor;
export function depthwiseConv2d(x: Input, W: Input, b?: Input | null, opts?: DepthwiseConvOptions): Tensor | WasmTensor;
export function depthwiseConv2d(
  x: Input,
  W: Input,
  b?: Input | null,
  opts?: DepthwiseConvOptions,
): Tensor | WasmTensor {
  const fn = "depthwiseConv2d";
  const o = checkOptions<DepthwiseConvOptions>(fn, opts, DEPTHWISE_KEYS, '{ stride: 1, pad: "same" }');
  const [FH, FW, C, M] = checkTensor(fn, "W", W, ["FH", "FW", "C", "M"]);
  const xShape = checkTensor(fn, "x", x, ["N", "H", "W", "C"]);
  if (C !== xShape[3]) throw new RangeError(`${fn}: x has C = ${xShape[3]} channels but W [FH, FW, C, M] has C = ${C}`);
  // [FH, FW, C, M] is, byte for byte, the HWIO filter [FH, FW, 1, C*M] of a conv with groups = C.
  const params = convParams(fn, { ...o, groups: C, layout: "NHWC" });
  const g = shapesGeometry(fn, xShape, "x", [FH, FW, 1, C * M], "W", params);
  return convolve(fn, g, x, W, b, o);
}

function convolve(
  fn: string,
  g: ConvGeometry,
  x: Input,
  W: Input,
  b: Input | null | undefined,
  o: Partial<ConvOptions>,
): Tensor | WasmTensor {
  const rt = getRuntime();
  const hasBias = b !== undefined && b !== null;
  if (hasBias) checkBias(fn, "b", b, g.FN);
  const act = checkActivation(fn, o.activation, o.alpha, g.FN, "filter");
  const tile = tileFor(fn, g, checkAlgorithm(fn, o.algorithm));
  const yShape = inLayout(g.layout, g.N, g.FN, g.outH, g.outW);
  const place = placement(
    fn,
    x,
    o.out,
    yShape,
    g.layout === "NCHW" ? ["N", "FN", "outH", "outW"] : ["N", "outH", "outW", "FN"],
  );
  if (tile !== 0) return winogradConvolve(fn, g, tile, x, W, hasBias ? b : null, act, yShape, place);
  const s = convScratch(rt, g, hasBias, act);
  const prelu = act.prelu;
  const packed = residentPacked(rt, g, hasBias, act, W);
  const sizes = [
    floatsIn(x),
    floatsIn(W),
    hasBias ? floatsIn(b) : 0,
    prelu ? g.FN : 0,
    packed === 0 ? s.shared : 0, // the shared scratch is the packed filter's
    ...Array<number>(s.threads).fill(s.perThread),
  ];
  return withResult(rt, fn, yShape, place, sizes, ([px, pw, pb, pa, shared, ...scratch], py) => {
    const p = {
      x: placeInput(rt, fn, "x", px, x),
      w: placeInput(rt, fn, "W", pw, W),
      bias: hasBias ? placeInput(rt, fn, "b", pb, b) : 0,
      prelu: prelu ? placeInput(rt, fn, "opts.alpha", pa, prelu) : 0,
      y: py,
      packed,
    };
    convForwardAll(rt, g, act, p, scratch, shared);
  });
}

/** convolve() by Winograd: the filter's transform is taken from the kept one while W is unchanged. */
function winogradConvolve(
  fn: string,
  g: ConvGeometry,
  tile: 2 | 4,
  x: Input,
  W: Input,
  b: Input | null,
  act: FusedActivation,
  yShape: number[],
  place: Placement,
): Tensor | WasmTensor {
  const rt = getRuntime();
  const plan = winogradPlan(rt, g, tile);
  const threads = winogradThreads(rt, g, plan);
  const key = filterKey(g, tile);
  // A WasmTensor filter keeps its transform in WASM memory with it (WasmTensor.derived); any
  // other filter's is kept in JS memory per array, and copied in.
  const resident = W instanceof WasmTensor;
  const kept = resident ? null : keptFilter(W, key);
  const prelu = act.prelu;
  const sizes = [
    floatsIn(x),
    kept === null ? floatsIn(W) : 0,
    b === null ? 0 : floatsIn(b),
    prelu ? g.FN : 0,
    resident ? 0 : plan.filterFloats,
    ...Array<number>(threads).fill(plan.perThread),
  ];
  return withResult(rt, fn, yShape, place, sizes, ([px, pw, pb, pa, pu0, ...scratch], py) => {
    let pu = pu0;
    if (W instanceof WasmTensor) {
      const w = W.address(fn, "W");
      pu = W.derived(`winograd ${key}`, plan.filterFloats, (ptr) => winogradFilter(rt.kernels, g, plan, w, ptr));
    } else if (kept !== null) writeFloats(rt, pu, kept);
    else {
      winogradFilter(rt.kernels, g, plan, placeInput(rt, fn, "W", pw, W), pu);
      keepFilter(W, key, () => readTensor(rt, pu, [plan.filterFloats]).data, plan.filterFloats);
    }
    const p = {
      x: placeInput(rt, fn, "x", px, x),
      bias: b === null ? 0 : placeInput(rt, fn, "b", pb, b),
      prelu: prelu ? placeInput(rt, fn, "opts.alpha", pa, prelu) : 0,
      y: py,
    };
    winogradForward(rt, g, plan, act, p, pu, scratch);
  });
}

/**
 * A WasmTensor filter's packed panels, where the call packs its whole filter: made on the first
 * call and kept with the weights (until they are written or disposed), as a network's layers are
 * called again with the same weights. 0 for any other filter, which the call packs itself.
 */
function residentPacked(rt: Runtime, g: ConvGeometry, hasBias: boolean, act: FusedActivation, W: Input): number {
  if (!(W instanceof WasmTensor) || !packsFilter(g, hasBias, act)) return 0;
  const w = W.address("conv2d", "W");
  const key = `packed ${g.groups} ${g.K} ${g.FNg}`;
  return W.derived(key, packedFilterFloats(g), (ptr) => packFilter(rt.kernels, g, w, ptr));
}
