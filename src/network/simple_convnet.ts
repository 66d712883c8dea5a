import { describe, formatShape, Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkInt, checkTensor, outputLength } from "../tensor/validate.js";
import { readResult, sgemmWorkspaceFloats, withBuffers, writeFloats } from "../runtime/memory.js";
import { checkOptions } from "../ops/options.js";
import { getRuntime, type Runtime } from "../runtime/wasm.js";
import { forShares, threadsFor } from "../runtime/parallel.js";
import { addImageGrads, convForward } from "../ops/conv_book.js";
import { addShares } from "../ops/conv_backward.js";
import { convParams, geometryFor, type ConvGeometry } from "../ops/conv_geometry.js";
import { affineBackward, affineForward } from "../layers/affine.js";
import { poolForward } from "../ops/pool_argmax.js";
import { softmaxLoss } from "../layers/softmax_with_loss.js";
import { checkLabels, type CheckedLabels, type Labels } from "../layers/labels.js";
import { Random } from "./random.js";
import { readParams, writeParams } from "../formats/params_io.js";
import { MAX_MEMORY_BYTES } from "../runtime/heap.js";

export interface ConvParam {
  filterNum?: number;
  filterSize?: number;
  pad?: number;
  stride?: number;
}

export interface SimpleConvNetOptions {
  /** [C, H, W] of one image. */
  inputDim?: readonly [number, number, number];
  convParam?: ConvParam;
  hiddenSize?: number;
  outputSize?: number;
  /** Standard deviation of the Gaussian initial weights. */
  weightInitStd?: number;
  /** Seed of the initial weights; the same seed gives the same weights on every run. */
  seed?: number;
}

export const PARAM_NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type Params = Record<ParamName, Tensor>;

/** Every size the network's buffers and kernels need, derived once from the options. */
interface NetShape {
  C: number;
  H: number;
  W: number;
  FN: number;
  FS: number;
  stride: number;
  pad: number;
  convH: number;
  convW: number;
  poolH: number;
  poolW: number;
  hidden: number;
  classes: number;
  /** C*FS*FS: one im2col row. */ K: number;
  /** convH*convW: conv pixels per image. */ P: number;
  /** FN*poolH*poolW: the first affine layer's input width. */ pooled: number;
}

/** Images per pass in predict, loss and accuracy: bounds memory whatever the input's length. */
const CHUNK = 100;

/**
 * The book's SimpleConvNet (ch07/simple_convnet.py): conv - relu - pool(2x2, stride 2) - affine -
 * relu - affine - softmax. Activations, the im2col matrices and gradients stay in WASM memory for
 * the whole pass; parameters are copied in once per call and only scores, the loss or gradients
 * come out. `params` are Tensors in the book's shapes that an optimiser updates in place.
 */
export class SimpleConvNet {
  readonly params: Params;
  /** The loss of the last gradient() call's forward pass (computed on the way, so free). */
  lastLoss = NaN;
  private readonly s: NetShape;

  constructor(options: SimpleConvNetOptions = {}) {
    getRuntime(); // of no use before init(); say so now rather than at the first call
    this.s = netShape(options);
    const std = options.weightInitStd ?? 0.01;
    if (typeof std !== "number")
      throw new TypeError(`SimpleConvNet: weightInitStd must be a number; got ${describe(std)}`);
    // Infinity would make every weight ±Infinity or NaN (Infinity * 0): a network that answers only NaN.
    if (!(std >= 0 && std < Infinity))
      throw new RangeError(`SimpleConvNet: weightInitStd must be a finite number >= 0; got ${std}`);
    const seed = options.seed;
    if (seed !== undefined && typeof seed !== "number")
      throw new TypeError(`SimpleConvNet: seed must be a number; got ${describe(seed)}`);
    if (seed !== undefined && !Number.isInteger(seed))
      throw new RangeError(`SimpleConvNet: seed must be an integer; got ${seed}`);
    const random = new Random(seed);
    const gaussian = (shape: number[]): Tensor => {
      const t = zeros(shape);
      for (let i = 0; i < t.size; i++) t.data[i] = std * random.normal();
      return t;
    };
    const { C, FN, FS, pooled, hidden, classes } = this.s;
    this.params = {
      W1: gaussian([FN, C, FS, FS]),
      b1: zeros([FN]),
      W2: gaussian([pooled, hidden]),
      b2: zeros([hidden]),
      W3: gaussian([hidden, classes]),
      b3: zeros([classes]),
    };
  }

  /** Class scores (before softmax) [N, outputSize] for images x [N, C, H, W] or flattened [N, C*H*W]. */
  predict(x: TensorLike): Tensor {
    const fn = "SimpleConvNet.predict";
    const N = this.checkImages(fn, x);
    this.checkParams(fn);
    const out = zeros([N, this.s.classes]);
    this.eachChunk(fn, x, N, CHUNK, (rt, pscores, start, n) => {
      out.data.set(new Float32Array(rt.kernels.memory.buffer, pscores, n * this.s.classes), start * this.s.classes);
    });
    return out;
  }

  /** Mean cross-entropy of softmax(predict(x)) against labels t (class indices or one-hot rows). */
  loss(x: TensorLike, t: Labels): number {
    const fn = "SimpleConvNet.loss";
    const N = this.checkImages(fn, x);
    this.checkParams(fn);
    const labels = checkLabels(fn, "t", t, N, this.s.classes);
    const { classes } = this.s;
    let total = 0;
    this.eachChunk(
      fn,
      x,
      N,
      CHUNK,
      (rt, pscores, start, n, [plabels, pt, py]) => {
        total += n * softmaxLoss(rt, pscores, n, classes, chunkOf(labels, start, n, classes), plabels, pt, py);
      },
      [CHUNK, CHUNK * classes, CHUNK * classes],
    );
    return total / N;
  }

  /** The fraction of images whose largest score is their label, in batches of `batchSize`. */
  accuracy(x: TensorLike, t: Labels, batchSize = 100): number {
    const fn = "SimpleConvNet.accuracy";
    const N = this.checkImages(fn, x);
    this.checkParams(fn);
    checkInt(fn, "batchSize", batchSize, 1);
    const { indices } = checkLabels(fn, "t", t, N, this.s.classes);
    const { classes } = this.s;
    let correct = 0;
    this.eachChunk(fn, x, N, batchSize, (rt, pscores, start, n) => {
      const scores = new Float32Array(rt.kernels.memory.buffer, pscores, n * classes);
      for (let i = 0; i < n; i++) if (argmax(scores, i * classes, classes) === indices[start + i]) correct++;
    });
    return correct / N;
  }

  /**
   * Gradients of loss(x, t) by backpropagation, keyed like `params`; sets lastLoss. With a thread
   * pool, the forward pass, dL/dpool and everything below it run on each thread's share of the
   * images, and dW2 on each thread's share of its rows; only the loss and the last affine layer
   * (10 classes) run on this thread. Every value is computed as on one thread but W1's and b1's
   * gradients, which sum over the images: each thread sums its own images in order and the shares
   * are then added in thread order, so on more than one thread their sums run in another order
   * (a few float32 ulps apart; test/threads.test.ts bounds it).
   *
   * `opts.out`: Tensors keyed like `params` (a previous call's gradients) to write the gradients
   * into and return, instead of new arrays: W2's gradient is 1.7 MB, whose fresh array costs page
   * faults at every step, on the one thread that reads the results out.
   */
  gradient(x: TensorLike, t: Labels, opts?: { out?: Params | null }): Params {
    const fn = "SimpleConvNet.gradient";
    const N = this.checkImages(fn, x);
    this.checkParams(fn);
    const labels = checkLabels(fn, "t", t, N, this.s.classes);
    const out = checkGradientsOut(
      fn,
      checkOptions<{ out?: Params | null }>(fn, opts, ["out"], "{ out: grads }").out,
      this.params,
    );
    const s = this.s;
    const rt = getRuntime();
    const threads = threadsFor(rt, N);
    const g = this.convGeometry(N);
    return withBuffers(rt, fn, this.gradientFloats(rt, N), (ptrs) => {
      const [, , pW2, , pW3] = ptrs;
      const [dW1, db1, dW2, db2, dW3, db3] = ptrs.slice(6, 12);
      const [px, pcolT, pool, parg, hidden, scores, plabels, pt, py, dscores, dhidden, dpool, packed] = ptrs.slice(
        12,
        25,
      );
      // Per thread: one image's conv output (then its dL/dconv), the SGEMM's scratch, its share's
      // bias gradient of one image, and (but the first thread) its share's sums of dW1 and db1.
      const perThread = ptrs.slice(25);
      const scratch = (i: number) => perThread.slice(5 * i, 5 * i + 5);
      this.writeParams(rt, ptrs);
      writeFloats(rt, px, x.data);
      const imageBytes = s.C * s.H * s.W * 4;
      forShares(
        rt,
        N,
        threads,
        (k, first, count, i, gate) => {
          const [conv, work] = scratch(i);
          const at = activationFloats(s, first).map((floats, j) => [pool, parg, hidden, scores][j] + floats * 4);
          const krt = { ...rt, kernels: k };
          const colT = pcolT + first * s.K * s.P * 4;
          this.forward(
            krt,
            this.convGeometry(count),
            ptrs,
            px + first * imageBytes,
            colT,
            s.K * s.P,
            conv,
            at,
            work,
            gate,
            packed,
          );
        },
        4, // whole 4-image row panels of the affine GEMMs, as eachChunk
        () => rt.kernels.sgemm_pack_b_8(pW2, s.hidden, 1, s.pooled, s.hidden, packed),
      );
      this.lastLoss = softmaxLoss(rt, scores, N, s.classes, labels, plabels, pt, py);
      const k = rt.kernels;
      const work0 = scratch(0)[1];
      k.softmax_cross_entropy_backward(py, pt, N * s.classes, N, 1, dscores);
      affineBackward(rt, dscores, hidden, N, s.hidden, pW3, s.classes, dW3, db3, dhidden, work0);
      k.relu_backward(dhidden, hidden, N * s.hidden, dhidden);
      k.bias_grad(dhidden, N, s.hidden, 1, db2);
      // dW2 = pool^T dhidden by rows of dW2, while this thread packs W2^T for dpool = dhidden W2^T.
      forShares(
        rt,
        s.pooled,
        threads, // the threads that have scratch: as many as there are images, at most
        (k, first, count, i) => {
          k.sgemm(
            count,
            s.hidden,
            N,
            pool + first * 4,
            1,
            s.pooled,
            dhidden,
            s.hidden,
            1,
            0,
            dW2 + first * s.hidden * 4,
            s.hidden,
            scratch(i)[1],
          );
        },
        4,
        () => k.sgemm_pack_b_8(pW2, 1, s.hidden, s.hidden, s.pooled, packed),
      );
      forShares(rt, N, threads, (k, first, count, i) => {
        const [dconv, work, dbImage, dW1Share, db1Share] = scratch(i);
        const rows = first * s.pooled * 4;
        k.sgemm_packed_b(
          count,
          s.pooled,
          s.hidden,
          dhidden + first * s.hidden * 4,
          s.hidden,
          1,
          packed,
          dpool + rows,
          s.pooled,
          work,
        );
        k.relu_backward(dpool + rows, pool + rows, count * s.pooled, dpool + rows);
        const [dW, db] = i === 0 ? [dW1, db1] : [dW1Share, db1Share];
        for (let n = first; n < first + count; n++) {
          // One image's dL/dconv, used while it is in cache: its dW1 term, then its db1 term.
          const pooled = n * s.pooled * 4;
          k.maxpool_backward(dpool + pooled, parg + pooled, s.FN, s.poolH * s.poolW, s.P, dconv);
          addImageGrads(k, g, dconv, pcolT + n * s.K * s.P * 4, dW, db, dbImage, n === first, work);
        }
      });
      const others = Array.from({ length: threads - 1 }, (_, i) => scratch(i + 1));
      addShares(
        k,
        dW1,
        others.map((b) => b[3]),
        s.FN * s.K,
      );
      addShares(
        k,
        db1,
        others.map((b) => b[4]),
        s.FN,
      );
      const grads = {} as Params;
      PARAM_NAMES.forEach((name, i) => {
        grads[name] = readResult(rt, ptrs[6 + i], [...this.params[name].shape], out?.[name]) as Tensor;
      });
      return grads;
    });
  }

  /**
   * Replaces the parameters with those in a `.pkl` (the book's params.pkl: a pickled dict of
   * NumPy arrays, read by a restricted unpickler) or `.safetensors` file: a path in Node, or the
   * file's bytes anywhere. Shapes must match this network's.
   */
  loadParams(source: string | Uint8Array): void {
    const arrays = readParams("SimpleConvNet.loadParams", source);
    for (const name of PARAM_NAMES) {
      const a = arrays[name];
      const want = this.params[name].shape;
      if (a === undefined)
        throw new RangeError(
          `SimpleConvNet.loadParams: the file has no ${name} (it has ${Object.keys(arrays).join(", ")})`,
        );
      if (a.shape.length !== want.length || a.shape.some((d, i) => d !== want[i])) {
        throw new RangeError(
          `SimpleConvNet.loadParams: ${name} in the file has shape ${formatShape(a.shape)}; this network's ${name} is ${formatShape(want)}`,
        );
      }
    }
    // Only after every check, so a bad file leaves the network as it was.
    for (const name of PARAM_NAMES) this.params[name].data.set(arrays[name].data);
  }

  /** Writes the parameters as `.pkl` (float32 NumPy arrays the book's load_params reads) or `.safetensors`, by the extension. */
  saveParams(path: string): void {
    writeParams("SimpleConvNet.saveParams", path, this.params);
  }

  /**
   * conv -> bias -> pool -> relu -> affine -> relu -> affine for g.N images at px, with the
   * parameters at the first six of `pp`; the scores land at acts[3]. The conv runs image by image
   * into one image's `conv` scratch, which bias and pooling then read while it is still in cache
   * (a whole batch's conv output is 6.9 MB for MNIST: it went to DRAM and back).
   */
  private forward(
    rt: Runtime,
    g: ConvGeometry,
    pp: number[],
    px: number,
    pcolT: number,
    colStride: number,
    conv: number,
    acts: number[],
    work: number,
    gate = (): void => {},
    packedW2 = 0,
  ): void {
    const [pool, parg, hidden, scores] = acts;
    const s = this.s,
      k = rt.kernels;
    const [pW1, pb1, pW2, pb2, pW3, pb3] = pp;
    const one = { ...g, N: 1 };
    const imageBytes = s.C * s.H * s.W * 4,
      pooledBytes = s.pooled * 4;
    for (let i = 0; i < g.N; i++) {
      // A non-zero colStride also tells convForward that colT must be written (backward reads it).
      convForward(rt, one, px + i * imageBytes, pW1, pb1, pcolT + i * colStride * 4, colStride, conv, work);
      // Pooling before relu gives the book's values exactly (max and relu commute) with a quarter of the relu work;
      // ties can only differ where the window's max is <= 0, whose gradient relu zeroes either way.
      poolForward(
        rt,
        {
          N: 1,
          C: s.FN,
          H: s.convH,
          W: s.convW,
          PH: 2,
          PW: 2,
          SY: 2,
          SX: 2,
          pad: 0,
          outH: s.poolH,
          outW: s.poolW,
        },
        conv,
        pool + i * pooledBytes,
        parg === 0 ? 0 : parg + i * pooledBytes,
      );
    }
    k.relu_forward(pool, g.N * s.pooled, pool);
    gate(); // the affine layers' parameters may still be on their way (eachChunk)
    affineForward(rt, pool, g.N, s.pooled, pW2, s.hidden, pb2, hidden, work, packedW2);
    k.relu_forward(hidden, g.N * s.hidden, hidden);
    affineForward(rt, hidden, g.N, s.hidden, pW3, s.classes, pb3, scores, work);
  }

  /** Copies parameters [from, to) of PARAM_NAMES (all by default) into the first six buffers of `ptrs`. */
  private writeParams(rt: Runtime, ptrs: number[], from = 0, to: number = PARAM_NAMES.length): void {
    for (let i = from; i < to; i++) writeFloats(rt, ptrs[i], this.params[PARAM_NAMES[i]].data);
  }

  private paramFloats(): number[] {
    return PARAM_NAMES.map((name) => this.params[name].size);
  }

  private convGeometry(n: number): ConvGeometry {
    const s = this.s;
    const p = convParams("SimpleConvNet", { stride: s.stride, pad: s.pad });
    return geometryFor("SimpleConvNet", p, n, s.C, s.H, s.W, s.FN, s.FS, s.FS);
  }

  /**
   * Runs the forward pass over x in chunks of `chunk` images and hands each chunk's scores (and
   * `extra` buffers) to `body`. With a thread pool, each thread takes a contiguous share of the
   * chunk's images with its own conv and SGEMM scratch; the activations stay one contiguous
   * buffer per kind, so `body` sees no difference.
   */
  private eachChunk(
    fn: string,
    x: TensorLike,
    N: number,
    chunk: number,
    body: (rt: Runtime, pscores: number, start: number, n: number, extra: number[]) => void,
    extra: number[] = [],
  ): void {
    const rt = getRuntime();
    const s = this.s;
    const c = Math.min(chunk, N);
    const threads = threadsFor(rt, c);
    const imageFloats = s.C * s.H * s.W;
    const scratch = Array.from({ length: threads }, () => [s.FN * s.P, sgemmWorkspaceFloats(rt)]).flat();
    // Inference keeps no argmax (nothing will run backward): pool, hidden and scores only.
    const [poolFloats, , hiddenFloats, scoreFloats] = activationFloats(s, c);
    // W2 packed whole into SGEMM's 8-column panels, shared by every thread and chunk.
    const packedW2Floats = s.pooled * Math.ceil(s.hidden / 8) * 8;
    const sizes = [
      ...this.paramFloats(),
      c * imageFloats,
      poolFloats,
      hiddenFloats,
      scoreFloats,
      packedW2Floats,
      ...extra,
      ...scratch,
    ];
    withBuffers(rt, fn, sizes, (ptrs) => {
      const px = ptrs[6];
      const acts = [ptrs[7], 0, ptrs[8], ptrs[9]];
      const packedW2 = ptrs[10];
      const extraPtrs = ptrs.slice(11, 11 + extra.length);
      const scratchPtrs = ptrs.slice(11 + extra.length);
      // The conv layer's parameters first. The affine layers' -- W2 is 1.7 MB for MNIST, 0.15 ms
      // to copy into shared memory and 0.1 ms to pack -- are written while the workers run their
      // convolutions, and packed once rather than by each thread.
      const writeAffine = () => {
        this.writeParams(rt, ptrs, 2, 6);
        rt.kernels.sgemm_pack_b_8(ptrs[2], s.hidden, 1, s.pooled, s.hidden, packedW2);
      };
      this.writeParams(rt, ptrs, 0, 2);
      for (let start = 0; start < N; start += c) {
        const n = Math.min(c, N - start);
        writeFloats(rt, px, slice(x.data, start * imageFloats, (start + n) * imageFloats));
        forShares(
          rt,
          n,
          threads,
          (k, first, count, t, gate) => {
            const [conv, work] = scratchPtrs.slice(2 * t, 2 * t + 2);
            const at = activationFloats(s, first).map((floats, i) => (acts[i] === 0 ? 0 : acts[i] + floats * 4));
            this.forward(
              { ...rt, kernels: k },
              this.convGeometry(count),
              ptrs,
              px + first * imageFloats * 4,
              0,
              0,
              conv,
              at,
              work,
              gate,
              packedW2,
            );
          },
          4, // whole 4-image row panels of the affine GEMMs: 52 + 48 wastes no rows, 50 + 50 half a panel each
          start === 0 ? writeAffine : undefined,
        );
        body(rt, acts[3], start, n, extraPtrs);
      }
    });
  }

  /**
   * @internal For train(), before its first step: throws the RangeError that gradient() would
   * for a batch of `n` images too big for WebAssembly memory. Otherwise a batchSize far past the
   * data set's size was found out only at the first step, after evaluating the network and
   * filling a JavaScript batch buffer of that size (seconds for 2^24 images; an engine
   * "Invalid typed array length" for 2^31 - 1): test/fuzz.test.ts.
   */
  checkBatchFits(what: string, n: number): void {
    const rt = getRuntime();
    rt.heap.check(what, this.gradientFloats(rt, n));
  }

  /** The floats of every buffer gradient() allocates for n images. */
  private gradientFloats(rt: Runtime, N: number): number[] {
    const s = this.s;
    const threads = threadsFor(rt, N);
    const shares = Array.from({ length: threads }, (_, i) => [
      s.FN * s.P,
      sgemmWorkspaceFloats(rt),
      s.FN,
      i === 0 ? 0 : s.FN * s.K,
      i === 0 ? 0 : s.FN,
    ]);
    return [
      ...this.paramFloats(),
      ...this.paramFloats(),
      N * s.C * s.H * s.W,
      N * s.K * s.P,
      ...activationFloats(s, N),
      N,
      N * s.classes,
      N * s.classes,
      N * s.classes,
      N * s.hidden,
      N * s.pooled,
      // W2 packed into SGEMM's 8-column panels for the forward pass, then W2^T for dpool.
      Math.max(s.pooled * Math.ceil(s.hidden / 8) * 8, s.hidden * Math.ceil(s.pooled / 8) * 8),
      ...shares.flat(),
    ];
  }

  /**
   * @internal For train(), which must check a whole data set before its first step: images `x`
   * and labels `t` as gradient() takes them; returns the number of images and their classes.
   */
  checkDataSet(
    fn: string,
    names: { x: string; t: string },
    x: unknown,
    t: unknown,
  ): { N: number; indices: Int32Array } {
    const N = this.checkImages(fn, x, names.x);
    return { N, indices: checkLabels(fn, names.t, t, N, this.s.classes).indices };
  }

  /**
   * Every parameter still a Tensor of the shape the network was built with. `params` is a plain
   * record that a user may assign into; a W1 of another size would have the kernels read past
   * its buffer into the next one, a silent wrong answer.
   */
  private checkParams(fn: string): void {
    const s = this.s;
    const shapes: Record<ParamName, number[]> = {
      W1: [s.FN, s.C, s.FS, s.FS],
      b1: [s.FN],
      W2: [s.pooled, s.hidden],
      b2: [s.hidden],
      W3: [s.hidden, s.classes],
      b3: [s.classes],
    };
    for (const name of PARAM_NAMES) {
      const p: unknown = this.params[name];
      if (!(p instanceof Tensor))
        throw new TypeError(`${fn}: this.params.${name} must be a Tensor; got ${describe(p)}`);
      const want = shapes[name];
      if (p.shape.length !== want.length || p.shape.some((d, i) => d !== want[i])) {
        throw new RangeError(
          `${fn}: this.params.${name} must have shape ${formatShape(want)}, the network's; got ${formatShape(p.shape)}`,
        );
      }
    }
  }

  /** x as [N, C, H, W] or flattened [N, C*H*W] (what loadMnist gives by default); returns N. */
  private checkImages(fn: string, x: unknown, name = "x"): number {
    const { C, H, W } = this.s;
    const rank =
      x !== null && typeof x === "object" && Array.isArray((x as TensorLike).shape)
        ? (x as TensorLike).shape.length
        : 4;
    if (rank === 2) {
      const [N, D] = checkTensor(fn, name, x, ["N", "C*H*W"]);
      if (D !== C * H * W)
        throw new RangeError(
          `${fn}: ${name} must be [N, ${C}, ${H}, ${W}] or flattened [N, ${C * H * W}]; got [${N}, ${D}]`,
        );
      return N;
    }
    const shape = checkTensor(fn, name, x, ["N", "C", "H", "W"]);
    if (shape[1] !== C || shape[2] !== H || shape[3] !== W) {
      throw new RangeError(
        `${fn}: ${name} must be [N, ${C}, ${H}, ${W}] (this network's inputDim) or flattened [N, ${C * H * W}]; got ${formatShape(shape)}`,
      );
    }
    return shape[0];
  }
}

function netShape(o: SimpleConvNetOptions): NetShape {
  const fn = "SimpleConvNet";
  if (o === null || typeof o !== "object") throw new TypeError(`${fn}: options must be an object; got ${describe(o)}`);
  const inputDim = o.inputDim ?? [1, 28, 28];
  if (!Array.isArray(inputDim)) throw new TypeError(`${fn}: inputDim must be [C, H, W]; got ${describe(inputDim)}`);
  if (inputDim.length !== 3) throw new RangeError(`${fn}: inputDim must be [C, H, W]; got ${formatShape(inputDim)}`);
  const [C, H, W] = inputDim.map((d: unknown, i: number) => checkInt(fn, `inputDim[${i}]`, d, 1));
  const cp = o.convParam ?? {};
  // Else a convParam of 5 or "3x3" would be read as {} and silently give the defaults.
  if (cp === null || typeof cp !== "object")
    throw new TypeError(`${fn}: convParam must be an object like { filterNum: 30 }; got ${describe(cp)}`);
  const FN = checkInt(fn, "convParam.filterNum", cp.filterNum ?? 30, 1);
  const FS = checkInt(fn, "convParam.filterSize", cp.filterSize ?? 5, 1);
  const pad = checkInt(fn, "convParam.pad", cp.pad ?? 0, 0);
  const stride = checkInt(fn, "convParam.stride", cp.stride ?? 1, 1);
  const convH = outputLength(fn, "height", H, FS, stride, pad),
    convW = outputLength(fn, "width", W, FS, stride, pad);
  // The book's 2x2 stride-2 pooling; its formula (convH / 2)^2 is only right for even sizes, this one always is.
  const poolH = outputLength(fn, "pooled height", convH, 2, 2, 0),
    poolW = outputLength(fn, "pooled width", convW, 2, 2, 0);
  const hidden = checkInt(fn, "hiddenSize", o.hiddenSize ?? 100, 1);
  const classes = checkInt(fn, "outputSize", o.outputSize ?? 10, 1);
  const pooled = FN * poolH * poolW;
  // Every call copies the parameters into WebAssembly memory, so a network whose parameters alone
  // exceed it could never run: refused here, before gigabytes of weights are drawn.
  const paramBytes = 4 * (FN * C * FS * FS + FN + pooled * hidden + hidden + hidden * classes + classes);
  if (!Number.isSafeInteger(paramBytes) || paramBytes > MAX_MEMORY_BYTES) {
    throw new RangeError(
      `${fn}: its parameters need ${Number.isSafeInteger(paramBytes) ? paramBytes : paramBytes.toPrecision(3)} bytes ` +
        `(W2 is [${pooled}, ${hidden}] for inputDim [${C}, ${H}, ${W}]), over the ${MAX_MEMORY_BYTES}-byte WebAssembly memory limit`,
    );
  }
  return {
    C,
    H,
    W,
    FN,
    FS,
    stride,
    pad,
    convH,
    convW,
    poolH,
    poolW,
    hidden,
    classes,
    K: C * FS * FS,
    P: convH * convW,
    pooled,
  };
}

/** Floats of the forward activations for n images that outlive the conv: pool, argmax, hidden, scores. */
function activationFloats(s: NetShape, n: number): number[] {
  return [n * s.pooled, n * s.pooled, n * s.hidden, n * s.classes];
}

function zeros(shape: number[]): Tensor {
  return new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
}

/**
 * np.argmax, as the book's accuracy takes it: the first largest score, and NaN counts as the
 * largest. With `>` alone a NaN after the first score never won, so a row of scores such as
 * [Infinity, NaN, ...] (infinite pixels give them) counted as class 0 where NumPy says 1
 * (test/fuzz.test.ts); finite scores are unaffected.
 */
function argmax(a: Float32Array, start: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) {
    const v = a[start + i],
      b = a[start + best];
    // biome-ignore lint/suspicious/noSelfCompare: v !== v is NaN, without a call in the hot loop
    if (v > b || (v !== v && b === b)) best = i;
  }
  return best;
}

function slice(data: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  return ArrayBuffer.isView(data)
    ? (data as Float32Array).subarray(start, end)
    : Array.prototype.slice.call(data, start, end);
}

function chunkOf(l: CheckedLabels, start: number, n: number, classes: number): CheckedLabels {
  return {
    indices: l.indices.subarray(start, start + n),
    targets: l.targets.subarray(start * classes, (start + n) * classes),
  };
}

/**
 * gradient()'s `out`: undefined, or an object with a Tensor of each parameter's shape under each
 * of its names; checked whole, before anything is written.
 */
function checkGradientsOut(fn: string, out: unknown, params: Params): Params | undefined {
  if (out === undefined || out === null) return undefined;
  if (typeof out !== "object") {
    throw new TypeError(
      `${fn}: opts.out must be gradients keyed like params (${PARAM_NAMES.join(", ")}); got ${describe(out)}`,
    );
  }
  const o = out as Record<string, unknown>;
  for (const name of PARAM_NAMES) {
    const t = o[name];
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `${fn}: opts.out.${name} must be a Tensor of shape ${formatShape(params[name].shape)}; got ${describe(t)}`,
      );
    }
    const want = params[name].shape;
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new RangeError(
        `${fn}: opts.out.${name} must have ${name}'s shape ${formatShape(want)}; got ${formatShape(t.shape)}`,
      );
    }
  }
  return o as Params;
}
