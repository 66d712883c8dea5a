import { describe, formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkTensor, isArrayLike, MAX_RANK } from "../tensor/validate.js";
import type { WasmTensor } from "../tensor/wasm_tensor.js";
import {
  floatsIn,
  placeInput,
  placement,
  readTensor,
  sgemmWorkspaceFloats,
  withBuffers,
  withResult,
  writeFloats,
  type Input,
  type OutTensor,
} from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { type Activation, checkActivation } from "./activation.js";
import { type GemmItem, type GemmShape, gemmThreads, runGemms } from "./batched_gemm.js";
import { checkBool, checkOptions } from "./options.js";

export interface MatmulOptions {
  /** Multiply by a's last two dimensions swapped: a is [..., K, M] (default false). A stride, never a copy. */
  transposeA?: boolean;
  /** Multiply by b's last two dimensions swapped: b is [..., N, K] (default false). A stride, never a copy. */
  transposeB?: boolean;
  /** [N]: added to every row of the product, in the SGEMM's store. */
  bias?: Input | null;
  /** Applied after the bias, in the same store (default "linear": none); the set of conv2d's. */
  activation?: Activation;
  /** leakyRelu's slope (default 0.2), or prelu's [N] tensor of slopes, one per column. */
  alpha?: number | Input;
  /**
   * Where to write the result, [..., M, N] exactly: a Tensor or any { shape, data } with Float32Array
   * data, which is returned (or wrapped in a Tensor) instead of a new array, so a caller can reuse
   * its buffers and skip a fresh array's page faults. It may be a's or b's array.
   */
  out?: OutTensor | null;
}

const MATMUL_KEYS = ["transposeA", "transposeB", "bias", "activation", "alpha", "out"] as const;

/**
 * What the two operands make: the broadcast batch, M, N, K, and for each of the product's batch
 * items the item of a and of b it reads (a's and b's batches flattened, row-major).
 */
interface Product {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
  batch: number[];
  M: number;
  N: number;
  K: number;
  /** The product's batch items and a's and b's. */
  items: number;
  aItems: number;
  bItems: number;
  aOf: Int32Array;
  bOf: Int32Array;
}

const batchNames = (rank: number): string[] => Array.from({ length: rank - 2 }, (_, i) => `batch${i}`);

/** NumPy's matmul reads a 1-D a as a row and a 1-D b as a column. */
function vectorAs(name: string, shape: unknown): string {
  const n = (shape as ArrayLike<unknown>)[0];
  const len = typeof n === "number" ? String(n) : "n";
  return name === "a" ? `[1, ${len}]` : `[${len}, 1]`;
}

/** An operand of rank 2 or more whose last two dimensions are named `last`. */
function checkOperand(fn: string, name: string, x: unknown, last: [string, string]): number[] {
  const shape = x !== null && typeof x === "object" ? (x as { shape?: unknown }).shape : undefined;
  // A non-tensor or a shape that is no array is checkTensor's to describe.
  const rank = isArrayLike(shape) ? (shape as ArrayLike<unknown>).length : 2;
  if (!Number.isInteger(rank) || rank < 2 || rank > MAX_RANK) {
    throw new RangeError(
      `${fn}: ${name} must have 2 to ${MAX_RANK} dimensions [..., ${last.join(", ")}]; got shape ` +
        `${formatShape(shape as ArrayLike<unknown>)}` +
        (rank === 1
          ? ` (vectors are not promoted: reshape it to ${vectorAs(name, shape)}, as NumPy's matmul reads it)`
          : ""),
    );
  }
  return checkTensor(fn, name, x, [...batchNames(rank), ...last]);
}

function product(fn: string, a: unknown, b: unknown, transposeA: boolean, transposeB: boolean): Product {
  const aShape = checkOperand(fn, "a", a, transposeA ? ["K", "M"] : ["M", "K"]);
  const bShape = checkOperand(fn, "b", b, transposeB ? ["N", "K"] : ["K", "N"]);
  const [a0, a1] = aShape.slice(-2),
    [b0, b1] = bShape.slice(-2);
  const [M, K] = transposeA ? [a1, a0] : [a0, a1];
  const [K2, N] = transposeB ? [b1, b0] : [b0, b1];
  if (K2 !== K) {
    throw new RangeError(
      `${fn}: b must have ${K} ${transposeB ? "columns (transposeB)" : "rows"} to match a's ` +
        `${transposeA ? "rows (transposeA)" : "columns"}; a is ${formatShape(aShape)}, b is ${formatShape(bShape)}`,
    );
  }
  // NumPy's broadcasting of the batch dimensions: aligned at the right, each pair equal or one of them 1.
  const aBatch = aShape.slice(0, -2),
    bBatch = bShape.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const padA = [...Array<number>(rank - aBatch.length).fill(1), ...aBatch];
  const padB = [...Array<number>(rank - bBatch.length).fill(1), ...bBatch];
  const batch = padA.map((d, i) => {
    const e = padB[i];
    if (d !== e && d !== 1 && e !== 1) {
      throw new RangeError(
        `${fn}: a's and b's batch dimensions must be equal or 1 to broadcast, counted from the last; ` +
          `a is ${formatShape(aShape)} with batch ${formatShape(aBatch)}, b is ${formatShape(bShape)} with batch ` +
          `${formatShape(bBatch)}: ${d} and ${e} differ`,
      );
    }
    return Math.max(d, e);
  });
  const items = batch.reduce((x, y) => x * y, 1);
  const aOf = new Int32Array(items),
    bOf = new Int32Array(items);
  // An odometer over the product's batch, moving a's and b's item indices along (strides 0 where broadcast).
  const itemStrides = (pad: number[]) => {
    const s = Array<number>(rank).fill(0);
    for (let d = rank - 1, step = 1; d >= 0; step *= pad[d], d--) s[d] = pad[d] === 1 ? 0 : step;
    return s;
  };
  const sA = itemStrides(padA),
    sB = itemStrides(padB);
  const index = Array<number>(rank).fill(0);
  let ia = 0,
    ib = 0;
  for (let i = 0; i < items; i++) {
    aOf[i] = ia;
    bOf[i] = ib;
    for (let d = rank - 1; d >= 0; d--) {
      ia += sA[d];
      ib += sB[d];
      if (++index[d] < batch[d]) break;
      ia -= sA[d] * batch[d];
      ib -= sB[d] * batch[d];
      index[d] = 0;
    }
  }
  const count = (s: number[]) => s.reduce((x, y) => x * y, 1);
  return {
    aShape,
    bShape,
    transposeA,
    transposeB,
    batch,
    M,
    N,
    K,
    items,
    aItems: count(aBatch),
    bItems: count(bBatch),
    aOf,
    bOf,
  };
}

/**
 * The same product with a's batch folded into its rows, [items * M, K] x [K, N], when that is the
 * same arithmetic: one b for every item and a's items in order, untransposed (then its rows are
 * evenly spaced). One GEMM packs b once instead of once per item, and a gradient's sum over the
 * batch becomes that GEMM's inner loop.
 */
function folded(p: Product): Product {
  if (p.items === 1 || p.bItems !== 1 || p.aItems !== p.items || p.transposeA) return p;
  const M = p.items * p.M;
  return { ...p, batch: [], M, items: 1, aItems: 1, aOf: new Int32Array(1), bOf: new Int32Array(1) };
}

/** a's (rs, cs) as op(a) [M, K], and b's as op(b) [K, N], in floats. */
function strides(p: Product): { rsA: number; csA: number; rsB: number; csB: number } {
  const { M, N, K } = p;
  const [rsA, csA] = p.transposeA ? [1, M] : [K, 1];
  const [rsB, csB] = p.transposeB ? [1, K] : [N, 1];
  return { rsA, csA, rsB, csB };
}

/** The result's dimension names for messages, as checkOut prints them. */
const resultDims = (batchRank: number): string[] => [...batchNames(batchRank + 2), "M", "N"];

function checkMatmulBias(fn: string, bias: unknown, N: number): Input | null {
  if (bias === undefined || bias === null) return null;
  const [len] = checkTensor(fn, "bias", bias, ["N"]);
  if (len !== N) {
    throw new RangeError(`${fn}: bias must have shape [${N}], one per column of the product (N); got [${len}]`);
  }
  return bias as Input;
}

/**
 * Matrix product in float32 (the SIMD SGEMM): a [..., M, K] x b [..., K, N] -> [..., M, N], the
 * batch dimensions broadcast as NumPy's matmul does; both operands have rank 2 or more. Options:
 * transposes of the last two dimensions (strides, never copies), a fused bias [N] and activation,
 * and `out`. An unknown option key is a TypeError.
 */
export function matmul(a: TensorLike, b: Input, opts?: MatmulOptions): Tensor;
export function matmul(a: WasmTensor, b: Input, opts?: MatmulOptions): WasmTensor;
export function matmul(a: Input, b: Input, opts?: MatmulOptions): Tensor | WasmTensor;
export function matmul(a: Input, b: Input, opts?: MatmulOptions): Tensor | WasmTensor {
  const fn = "matmul";
  const rt = getRuntime();
  const o = checkOptions<MatmulOptions>(fn, opts, MATMUL_KEYS, "{ transposeB: true, out }");
  const full = product(fn, a, b, checkBool(fn, "transposeA", o.transposeA), checkBool(fn, "transposeB", o.transposeB));
  const bias = checkMatmulBias(fn, o.bias, full.N);
  const act = checkActivation(fn, o.activation, o.alpha, full.N, "column");
  const outShape = [...full.batch, full.M, full.N];
  const place = placement(fn, a, o.out, outShape, resultDims(full.batch.length));
  const p = folded(full);
  const { M, N, K } = p;
  const threads = gemmThreads(rt, p.items, M);
  const prelu = act.prelu;
  const sizes = [
    floatsIn(a),
    floatsIn(b),
    bias ? floatsIn(bias) : 0,
    prelu ? floatsIn(prelu) : 0,
    ...Array<number>(threads).fill(sgemmWorkspaceFloats(rt)),
  ];
  return withResult(rt, fn, outShape, place, sizes, ([a0, b0, bias0, prelu0, ...works], pc) => {
    const pa = placeInput(rt, fn, "a", a0, a);
    const pb = placeInput(rt, fn, "b", b0, b);
    const pBias = bias ? placeInput(rt, fn, "opts.bias", bias0, bias) : 0;
    const pPrelu = prelu ? placeInput(rt, fn, "opts.alpha", prelu0, prelu) : 0;
    const items: GemmItem[] = Array.from({ length: p.items }, (_, i) => ({
      c: pc + i * M * N * 4,
      terms: [[pa + p.aOf[i] * M * K * 4, pb + p.bOf[i] * K * N * 4]],
    }));
    const epilogue =
      bias !== null || act.code !== 0 ? { bias: bias ? pBias : 0, act, prelu: prelu ? pPrelu : 0 } : null;
    runGemms(rt, { m: M, n: N, k: K, ...strides(p) }, items, threads, works, epilogue);
  });
}

export interface MatmulBackwardOptions {
  /** As given to matmul. */
  transposeA?: boolean;
  /** As given to matmul. */
  transposeB?: boolean;
  /** matmul's bias tensor (only its shape is read), or true: compute dbias. */
  bias?: TensorLike | boolean | null;
  /**
   * Only "linear" (the default): matmulBackward differentiates the product and the bias, not an
   * activation. With a fused activation, pass dy already multiplied by its derivative, i.e. the
   * gradient with respect to the pre-activation z = a·b + bias.
   */
  activation?: "linear";
}

const BACKWARD_KEYS = ["transposeA", "transposeB", "bias", "activation"] as const;

/** The gradients of a loss with respect to matmul's operands, each in its operand's shape. */
export interface MatmulGradients {
  /** dL/da, a's shape; summed over the batch dimensions a was broadcast along. */
  da: Tensor;
  /** dL/db, b's shape; summed over the batch dimensions b was broadcast along. */
  db: Tensor;
  /** dL/dbias [N], the sum of dy over every batch item and row; null unless opts.bias was given. */
  dbias: Tensor | null;
}

/**
 * The gradients of z = matmul(a, b, { transposeA, transposeB, bias }) given dy = dL/dz, shaped as
 * z: da and db (each summed over the batch dimensions its operand was broadcast along, so that it
 * has the operand's own shape) and, when opts.bias is given, dbias. Every gradient is one or more
 * SGEMMs with transposes as strides; an operand broadcast along the batch sums its items' products
 * in its GEMM (beta = 1), and a 2-D b under a batched a is one GEMM over all of a's rows.
 */
export function matmulBackward(
  a: TensorLike,
  b: TensorLike,
  dy: TensorLike,
  opts?: MatmulBackwardOptions,
): MatmulGradients {
  const fn = "matmulBackward";
  const rt = getRuntime();
  const o = checkOptions<MatmulBackwardOptions>(fn, opts, BACKWARD_KEYS, "{ transposeB: true, bias: true }");
  const full = product(fn, a, b, checkBool(fn, "transposeA", o.transposeA), checkBool(fn, "transposeB", o.transposeB));
  const wantBias = checkBackwardBias(fn, o.bias, full.N);
  checkLinear(fn, o.activation);
  const zShape = [...full.batch, full.M, full.N];
  const dims = resultDims(full.batch.length);
  const got = checkTensor(fn, "dy", dy, dims);
  if (got.some((d, i) => d !== zShape[i])) {
    throw new RangeError(
      `${fn}: dy must have the product's shape ${formatShape(zShape)} [${dims.join(", ")}]; got ${formatShape(got)}`,
    );
  }
  const p = folded(full);
  const { M, N, K } = p;
  const { rsA, csA, rsB, csB } = strides(p);
  // dA: !tA: dY [M, N] x op(b)^T [N, K]; tA: op(b) [K, N] x dY^T [N, M]. dB likewise with op(a).
  const gA: GemmShape = p.transposeA
    ? { m: K, n: M, k: N, rsA: rsB, csA: csB, rsB: 1, csB: N }
    : { m: M, n: K, k: N, rsA: N, csA: 1, rsB: csB, csB: rsB };
  const gB: GemmShape = p.transposeB
    ? { m: N, n: K, k: M, rsA: 1, csA: N, rsB: rsA, csB: csA }
    : { m: K, n: N, k: M, rsA: csA, csA: rsA, rsB: N, csB: 1 };
  const threadsA = gemmThreads(rt, p.aItems, gA.m),
    threadsB = gemmThreads(rt, p.bItems, gB.m);
  const sizes = [
    a.data.length,
    b.data.length,
    dy.data.length,
    a.data.length,
    b.data.length,
    wantBias ? N : 0,
    ...Array<number>(Math.max(threadsA, threadsB)).fill(sgemmWorkspaceFloats(rt)),
  ];
  return withBuffers(rt, fn, sizes, ([pa, pb, pdy, pda, pdb, pdbias, ...works]) => {
    writeFloats(rt, pa, a.data);
    writeFloats(rt, pb, b.data);
    writeFloats(rt, pdy, dy.data);
    const dyItem = (i: number) => pdy + i * M * N * 4;
    const aItem = (i: number) => pa + p.aOf[i] * M * K * 4;
    const bItem = (i: number) => pb + p.bOf[i] * K * N * 4;
    // Each operand item gathers the product's items that read it, in order.
    const itemsA: GemmItem[] = Array.from({ length: p.aItems }, (_, i) => ({ c: pda + i * M * K * 4, terms: [] }));
    const itemsB: GemmItem[] = Array.from({ length: p.bItems }, (_, i) => ({ c: pdb + i * K * N * 4, terms: [] }));
    for (let i = 0; i < p.items; i++) {
      itemsA[p.aOf[i]].terms.push(p.transposeA ? [bItem(i), dyItem(i)] : [dyItem(i), bItem(i)]);
      itemsB[p.bOf[i]].terms.push(p.transposeB ? [dyItem(i), aItem(i)] : [aItem(i), dyItem(i)]);
    }
    runGemms(rt, gA, itemsA, threadsA, works);
    runGemms(rt, gB, itemsB, threadsB, works);
    // Affine's column sums: bias_grad with a plane of one element per channel.
    if (wantBias) rt.kernels.bias_grad(pdy, p.items * M, N, 1, pdbias);
    return {
      da: readTensor(rt, pda, full.aShape),
      db: readTensor(rt, pdb, full.bShape),
      dbias: wantBias ? readTensor(rt, pdbias, [N]) : null,
    };
  });
}

function checkBackwardBias(fn: string, bias: unknown, N: number): boolean {
  if (bias === undefined || bias === null || bias === false) return false;
  if (bias === true) return true;
  checkMatmulBias(fn, bias, N);
  return true;
}

function checkLinear(fn: string, activation: unknown): void {
  if (activation === undefined || activation === "linear") return;
  throw new TypeError(
    `${fn}: activation must be "linear" or absent, as only a·b + bias is differentiated here; got ${describe(activation)}. ` +
      "For a fused activation pass dy already multiplied by its derivative: the gradient with respect to the pre-activation",
  );
}
