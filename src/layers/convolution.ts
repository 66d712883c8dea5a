import { describe, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkInt, checkSameShape, checkTensor } from "../tensor/validate.js";
import { NO_ACTIVATION } from "../ops/activation.js";
import { checkBias } from "../ops/conv2d.js";
import {
  convBackpropBiasAll,
  convBackpropFilterAll,
  convBackpropInputAll,
  convGradScratch,
} from "../ops/conv_backward.js";
import { convBackward, convBackwardScratch, convForward } from "../ops/conv_book.js";
import { convForwardAll, convScratch } from "../ops/conv_forward.js";
import {
  convGeometry,
  convParams,
  filterDims,
  imageDims,
  inLayout,
  isBookGeometry,
  type ConvGeometry,
  type ConvParams,
} from "../ops/conv_geometry.js";
import { checkOptions, type Layout, type Padding, type Pair } from "../ops/options.js";
import { HeldBuffer, readTensor, sgemmWorkspaceFloats, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime, type Runtime } from "../runtime/wasm.js";
import {
  type Algorithm,
  checkAlgorithm,
  tileFor,
  winogradFilter,
  winogradForward,
  winogradPlan,
  winogradThreads,
} from "../ops/conv_winograd.js";
import { filterKey, snapshot, unchanged, type FilterSource } from "../ops/winograd_filters.js";
import { LayerState } from "./layer_state.js";
import { asTensor } from "../tensor/as_tensor.js";
import { disposable } from "../runtime/disposable.js";

/** conv2d's geometry options, for the layer (it applies no activation: the book keeps Relu a layer of its own). */
export interface ConvolutionOptions {
  stride?: Pair;
  pad?: Padding;
  dilation?: Pair;
  groups?: number;
  /** "NCHW" (default; W [FN, C/groups, FH, FW]) or "NHWC" (W HWIO [FH, FW, C/groups, FN]). */
  layout?: Layout;
  /** conv2d's `algorithm` for forward (default "auto"); backward is the same whichever computed forward. */
  algorithm?: Algorithm;
}

const LAYER_KEYS = ["stride", "pad", "dilation", "groups", "layout", "algorithm"] as const;

/**
 * The book's Convolution layer, `new Convolution(W, b, stride, pad)`, or with conv2d's geometry
 * options, `new Convolution(W, b, { stride, pad, dilation, groups, layout })`. `W` and `b` are kept
 * by reference when they are Tensors, so an optimiser that updates them in place is seen by the
 * next forward. What backward needs stays in WASM memory from forward to backward (the book's
 * im2col matrix for its geometry, else the input); dispose() frees it (garbage collection does
 * too, later). Calling backward before forward, or any method after dispose(), throws a TypeError.
 */
export class Convolution {
  W: Tensor;
  b: Tensor;
  dW: Tensor | null = null;
  db: Tensor | null = null;
  /** As given: a number in the book's form, else the option's value (default 1). */
  readonly stride: Pair;
  /** As given (default 0). */
  readonly pad: Padding;
  private readonly params: ConvParams;
  private readonly algorithm: Algorithm;
  private readonly kept = new HeldBuffer(this);
  /** Whether `kept` holds forward's input (else the book's im2col matrix). */
  private keptInput = false;
  /** Winograd's transform of W, and what it was made from (src/ops/winograd_filters.ts's rule). */
  private readonly filter = new HeldBuffer(this);
  private filterSource: FilterSource | null = null;
  private readonly state = new LayerState<ConvGeometry>("Convolution");

  constructor(W: TensorLike, b: TensorLike, stride?: number, pad?: number);
  constructor(W: TensorLike, b: TensorLike, options: ConvolutionOptions);
  constructor(W: TensorLike, b: TensorLike, strideOrOptions: number | ConvolutionOptions = 1, pad?: number) {
    const fn = "Convolution";
    getRuntime(); // a layer is of no use before init(); say so now rather than at the first forward
    if (typeof strideOrOptions === "object" && strideOrOptions !== null) {
      if (pad !== undefined) {
        throw new TypeError(`${fn}: give pad in the options object, not after it; got ${describe(pad)}`);
      }
      const o = checkOptions<ConvolutionOptions>(fn, strideOrOptions, LAYER_KEYS, "{ stride: 1, pad: 0 }");
      this.params = convParams(fn, o);
      this.algorithm = checkAlgorithm(fn, o.algorithm);
      this.stride = o.stride ?? 1;
      this.pad = o.pad ?? 0;
    } else {
      checkInt(fn, "stride", strideOrOptions, 1);
      checkInt(fn, "pad", pad ?? 0, 0);
      this.params = convParams(fn, { stride: strideOrOptions, pad: pad ?? 0 });
      this.algorithm = "auto";
      this.stride = strideOrOptions;
      this.pad = pad ?? 0;
    }
    const wShape = checkTensor(fn, "W", W, filterDims(this.params.layout));
    checkBias(fn, "b", b, this.params.layout === "NCHW" ? wShape[0] : wShape[3]);
    this.W = asTensor(W);
    this.b = asTensor(b);
  }

  forward(x: TensorLike): Tensor {
    const fn = "Convolution.forward";
    this.state.checkAlive(fn);
    const rt = getRuntime();
    const g = convGeometry(fn, x, this.W, this.params, "this.W");
    checkBias(fn, "this.b", this.b, g.FN);
    const tile = tileFor(fn, g, this.algorithm);
    if (tile !== 0) return this.forwardWinograd(fn, g, x, tile);
    if (!isBookGeometry(g)) return this.forwardGeneral(fn, g, x);
    const colFloats = g.N * g.K * g.P;
    const sizes = [x.data.length, this.W.size, g.FN, g.N * g.FN * g.P, sgemmWorkspaceFloats(rt)];
    // One up-front check for the kept im2col matrix and the call's buffers together, so a request
    // too big is refused before memory grows (conservative when the kept buffer is reused).
    rt.heap.check(fn, [colFloats, ...sizes]);
    this.state.forget();
    this.keptInput = false;
    const pcolT = this.kept.ensure(rt, fn, colFloats);
    const y = withBuffers(rt, fn, sizes, ([px, pw, pb, py, work]) => {
      writeFloats(rt, px, x.data);
      writeFloats(rt, pw, this.W.data);
      writeFloats(rt, pb, this.b.data);
      convForward(rt, g, px, pw, pb, pcolT, g.K * g.P, py, work);
      return readTensor(rt, py, [g.N, g.FN, g.outH, g.outW]);
    });
    this.state.remember(g);
    return y;
  }

  /** Sets dW and db and returns dL/dx for dout = dL/dy of the last forward. */
  backward(dout: TensorLike): Tensor {
    const fn = "Convolution.backward";
    const g = this.state.last(fn);
    const rt = getRuntime();
    const yShape = inLayout(g.layout, g.N, g.FN, g.outH, g.outW);
    checkSameShape(fn, "dout", checkTensor(fn, "dout", dout, imageDims(g.layout, "FN")), yShape);
    const wShape = g.layout === "NCHW" ? [g.FN, g.Cg, g.FH, g.FW] : [g.FH, g.FW, g.Cg, g.FN];
    checkSameShape(fn, "this.W", checkTensor(fn, "this.W", this.W, filterDims(g.layout)), wShape);
    if (this.keptInput) return this.backwardGeneral(fn, g, dout, wShape);
    const sizes = [dout.data.length, g.FN * g.K, g.FN * g.K, g.FN, g.N * g.C * g.H * g.W];
    return withBuffers(
      rt,
      fn,
      [...sizes, ...convBackwardScratch(rt, g, true)],
      ([pdout, pw, pdW, pdb, pdx, ...scratch]) => {
        writeFloats(rt, pdout, dout.data);
        writeFloats(rt, pw, this.W.data);
        convBackward(rt, g, pdout, pw, this.kept.pointer, pdW, pdb, pdx, scratch);
        this.dW = readTensor(rt, pdW, [g.FN, g.C, g.FH, g.FW]);
        this.db = readTensor(rt, pdb, [g.FN]);
        return readTensor(rt, pdx, [g.N, g.C, g.H, g.W]);
      },
    );
  }

  /** Every other geometry: conv2d's kernels forward, keeping x in WASM memory for the gradients. */
  private forwardGeneral(fn: string, g: ConvGeometry, x: TensorLike): Tensor {
    const rt = getRuntime();
    const s = convScratch(rt, g, true, NO_ACTIVATION);
    const sizes = [this.W.size, g.FN, g.N * g.FN * g.P, s.shared, ...Array<number>(s.threads).fill(s.perThread)];
    rt.heap.check(fn, [x.data.length, ...sizes]);
    const px = this.keepInput(rt, fn, x);
    const y = withBuffers(rt, fn, sizes, ([pw, pb, py, shared, ...scratch]) => {
      writeFloats(rt, pw, this.W.data);
      writeFloats(rt, pb, this.b.data);
      convForwardAll(rt, g, NO_ACTIVATION, { x: px, w: pw, bias: pb, prelu: 0, y: py }, scratch, shared);
      return readTensor(rt, py, inLayout(g.layout, g.N, g.FN, g.outH, g.outW));
    });
    this.state.remember(g);
    return y;
  }

  /** Winograd forward, keeping x as forwardGeneral does, and the filter's transform while W is unchanged. */
  private forwardWinograd(fn: string, g: ConvGeometry, x: TensorLike, tile: 2 | 4): Tensor {
    const rt = getRuntime();
    const plan = winogradPlan(rt, g, tile);
    const key = filterKey(g, tile);
    const fresh = this.filter.size === plan.filterFloats && unchanged(this.filterSource, key, this.W.data);
    const threads = winogradThreads(rt, g, plan);
    const sizes = [fresh ? 0 : this.W.size, g.FN, g.N * g.FN * g.P, ...Array<number>(threads).fill(plan.perThread)];
    rt.heap.check(fn, [x.data.length, fresh ? 0 : plan.filterFloats, ...sizes]);
    const px = this.keepInput(rt, fn, x);
    const pu = this.filter.ensure(rt, fn, plan.filterFloats);
    const y = withBuffers(rt, fn, sizes, ([pw, pb, py, ...scratch]) => {
      if (!fresh) {
        this.filterSource = null; // until the transform below is in place
        writeFloats(rt, pw, this.W.data);
        winogradFilter(rt.kernels, g, plan, pw, pu);
        this.filterSource = snapshot(key, this.W.data);
      }
      writeFloats(rt, pb, this.b.data);
      winogradForward(rt, g, plan, NO_ACTIVATION, { x: px, bias: pb, prelu: 0, y: py }, pu, scratch);
      return readTensor(rt, py, inLayout(g.layout, g.N, g.FN, g.outH, g.outW));
    });
    this.state.remember(g);
    return y;
  }

  /** x copied into `kept` for the gradients (forgetting the last forward until this one is done). */
  private keepInput(rt: Runtime, fn: string, x: TensorLike): number {
    this.state.forget();
    this.keptInput = true;
    const px = this.kept.ensure(rt, fn, x.data.length);
    writeFloats(rt, px, x.data);
    return px;
  }

  private backwardGeneral(fn: string, g: ConvGeometry, dout: TensorLike, wShape: number[]): Tensor {
    const rt = getRuntime();
    const sizes = [dout.data.length, this.W.size, g.FN * g.K, g.FN, g.N * g.C * g.H * g.W, ...convGradScratch(rt, g)];
    return withBuffers(rt, fn, sizes, ([pdout, pw, pdW, pdb, pdx, ...scratch]) => {
      writeFloats(rt, pdout, dout.data);
      writeFloats(rt, pw, this.W.data);
      convBackpropFilterAll(rt, g, this.kept.pointer, pdout, pdW, scratch);
      convBackpropBiasAll(rt, g.layout, g.N, g.FN, g.P, pdout, pdb);
      convBackpropInputAll(rt, g, pdout, pw, pdx, scratch);
      this.dW = readTensor(rt, pdW, wShape);
      this.db = readTensor(rt, pdb, [g.FN]);
      return readTensor(rt, pdx, inLayout(g.layout, g.N, g.C, g.H, g.W));
    });
  }

  /** Frees the WASM memory the layer holds. The layer cannot be used afterwards. */
  dispose(): void {
    this.kept.release();
    this.filter.release();
    this.filterSource = null;
    this.state.dispose();
  }
}

// `using` frees it at the end of a block, where the runtime has Symbol.dispose (src/runtime/disposable.ts).
export interface Convolution {
  [Symbol.dispose](): void;
}
disposable(Convolution);
