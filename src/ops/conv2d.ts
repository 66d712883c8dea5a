import { describe, formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkTensor } from "../tensor/validate.js";
import { windowGeometry, type WindowGeometry } from "./im2col.js";
import {
  checkOut,
  readResult,
  sgemmWorkspaceFloats,
  withBuffers,
  writeFloats,
  type OutTensor,
} from "../runtime/memory.js";
import { getRuntime, type Runtime } from "../runtime/wasm.js";
import { forShares, threadsFor } from "../runtime/parallel.js";

export interface ConvGeometry extends WindowGeometry {
  FN: number;
  /** C*FH*FW: one im2col row. */
  K: number;
  /** outH*outW: output pixels per image. */
  P: number;
}

export function convGeometry(
  fn: string,
  x: unknown,
  W: unknown,
  stride: unknown,
  pad: unknown,
  wName: string,
): ConvGeometry {
  const xShape = checkTensor(fn, "x", x, ["N", "C", "H", "W"]);
  const wShape = checkTensor(fn, wName, W, ["FN", "C", "FH", "FW"]);
  if (wShape[1] !== xShape[1]) {
    throw new RangeError(
      `${fn}: x has C = ${xShape[1]} channels but ${wName} has C = ${wShape[1]}; ` +
        `x is ${formatShape(xShape)} [N, C, H, W], ${wName} is ${formatShape(wShape)} [FN, C, FH, FW]`,
    );
  }
  const g = windowGeometry(fn, xShape, wShape[2], wShape[3], stride, pad, {
    filterH: `${wName}'s FH`,
    filterW: `${wName}'s FW`,
  });
  return { ...g, FN: wShape[0], K: g.C * g.FH * g.FW, P: g.outH * g.outW };
}

export function checkBias(fn: string, name: string, b: unknown, FN: number): void {
  const [len] = checkTensor(fn, name, b, ["FN"]);
  if (len !== FN) throw new RangeError(`${fn}: ${name} must have shape [${FN}], one bias per filter; got [${len}]`);
}

/**
 * Taps per output (C*FH*FW) up to which the direct kernel beats the GEMM path (conv_gemm + bias):
 * measured by bench/conv_paths.ts at 1.18x (1x5x5), 1.16x (3x3x3), 1.10x (4x4x4), 1.05x
 * (8x3x3 = 72 taps) and 0.95x (16x3x3 = 144 taps).
 */
const DIRECT_MAX_TAPS = 72;

/**
 * y = W x im2col(x) + b, one image at a time. Stride 1 without padding and few taps per output
 * (the MNIST net's 1-channel 5x5) runs the direct kernel. Other inference convolutions run
 * conv_gemm, which packs the GEMM's panels straight from the image and writes no im2col matrix.
 * Training keeps every image's colT for backward (`colStride` = K*P floats): im2col, then
 * W[FN, K] x colT[K, P], which lands in NCHW with no transpose. `pb` is the bias, or 0.
 */
export function convForward(
  rt: Runtime,
  g: ConvGeometry,
  px: number,
  pw: number,
  pb: number,
  pcolT: number,
  colStride: number,
  py: number,
  work: number,
): void {
  const k = rt.kernels;
  const imageBytes = g.C * g.H * g.W * 4;
  const direct = colStride === 0 && pb !== 0 && g.stride === 1 && g.pad === 0 && g.K <= DIRECT_MAX_TAPS;
  // The direct kernel reads W packed in groups of 4 filters; the SGEMM scratch holds it (FN*K floats, far below its size).
  if (direct) k.sgemm_pack_a_4(pw, g.K, 1, g.FN, g.K, work);
  for (let n = 0; n < g.N; n++) {
    const x = px + n * imageBytes;
    const y = py + n * g.FN * g.P * 4;
    if (direct) {
      k.conv_direct_4x8(x, g.C, g.H, g.W, g.FH, g.FW, g.outH, g.outW, work, g.FN, pb, y);
      continue;
    }
    if (colStride === 0) {
      k.conv_gemm(
        x,
        g.C,
        g.H,
        g.W,
        g.FH,
        g.FW,
        g.stride,
        g.stride,
        1,
        1,
        g.pad,
        g.pad,
        g.outW,
        0,
        g.P,
        pw,
        g.FN,
        y,
        g.P,
        work,
      );
    } else {
      const col = pcolT + n * colStride * 4;
      k.im2col_kernel_order(x, 1, g.C, g.H, g.W, g.FH, g.FW, g.stride, g.pad, g.outH, g.outW, col);
      k.sgemm(g.FN, g.P, g.K, pw, g.K, 1, col, g.P, 1, 0, y, g.P, work);
    }
    if (pb !== 0) k.bias_add(y, pb, 1, g.FN, g.P); // while the image's output is still in cache
  }
}

/**
 * convForward across the thread pool, with one SGEMM scratch per thread in `works`: images are
 * shared out whole; with fewer images than threads (one large image), each image's output pixels
 * are shared out instead (whole 8-column panels), each thread packing only its own columns.
 */
function convForwardShared(
  rt: Runtime,
  g: ConvGeometry,
  px: number,
  pw: number,
  pb: number,
  py: number,
  works: number[],
): void {
  const imageBytes = g.C * g.H * g.W * 4,
    outBytes = g.FN * g.P * 4;
  if (g.N >= works.length) {
    forShares(rt, g.N, works.length, (k, first, n, t) => {
      convForward(
        { ...rt, kernels: k },
        { ...g, N: n },
        px + first * imageBytes,
        pw,
        pb,
        0,
        0,
        py + first * outBytes,
        works[t],
      );
    });
    return;
  }
  for (let n = 0; n < g.N; n++) {
    const x = px + n * imageBytes,
      y = py + n * outBytes;
    forShares(
      rt,
      g.P,
      works.length,
      (k, first, count, t) => {
        k.conv_gemm(
          x,
          g.C,
          g.H,
          g.W,
          g.FH,
          g.FW,
          g.stride,
          g.stride,
          1,
          1,
          g.pad,
          g.pad,
          g.outW,
          first,
          count,
          pw,
          g.FN,
          y + first * 4,
          g.P,
          works[t],
        );
      },
      8,
    );
    if (pb !== 0) rt.kernels.bias_add(y, pb, 1, g.FN, g.P);
  }
}

/**
 * dW and db from dout = dL/dy and every image's kept colT; dx too when `pdx` is not 0 (the first
 * layer of a network needs no dx, and skipping it skips a GEMM and col2im per image).
 */
export function convBackward(
  rt: Runtime,
  g: ConvGeometry,
  pdout: number,
  pw: number,
  pcolT: number,
  pdW: number,
  pdb: number,
  pdcolT: number,
  pdx: number,
  work: number,
): void {
  const k = rt.kernels;
  const imageBytes = g.C * g.H * g.W * 4;
  for (let n = 0; n < g.N; n++) {
    const dy = pdout + n * g.FN * g.P * 4;
    const col = pcolT + n * g.K * g.P * 4;
    // dW += dy[FN, P] x colT[K, P]^T: B is colT read transposed (row stride 1, column stride P).
    k.sgemm(g.FN, g.K, g.P, dy, g.P, 1, col, 1, g.P, n === 0 ? 0 : 1, pdW, g.K, work);
    if (pdx === 0) continue;
    // dcolT = W^T[K, FN] x dy[FN, P], then fold the slices back onto the image.
    k.sgemm(g.K, g.P, g.FN, pw, 1, g.K, dy, g.P, 1, 0, pdcolT, g.P, work);
    k.col2im(pdcolT, 1, g.C, g.H, g.W, g.FH, g.FW, g.stride, g.pad, g.outH, g.outW, pdx + n * imageBytes);
  }
  k.bias_grad(pdout, g.N, g.FN, g.P, pdb);
}

export interface ConvOptions {
  stride?: number;
  pad?: number;
  /**
   * Where to write the result, [N, FN, outH, outW] exactly: a Tensor or any { shape, data } with
   * Float32Array data, which is returned (or wrapped in a Tensor) instead of a new array. For a
   * caller that reuses its buffers: the first writes to a fresh array cost page faults, and for
   * the MNIST net's first layer (a 6.9 MB result) those took ~3.5 ms, more than the convolution.
   * It may be one of the inputs' arrays: they are copied in before the result is written.
   */
  out?: OutTensor | null;
}

/** 2-D convolution (cross-correlation, as the book and every framework): x [N, C, H, W], W [FN, C, FH, FW], b [FN] -> [N, FN, outH, outW]. */
export function conv2d(x: TensorLike, W: TensorLike, b?: TensorLike | null, opts: ConvOptions = {}): Tensor {
  const fn = "conv2d";
  const rt = getRuntime();
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`${fn}: opts must be an object like { stride: 1, pad: 0 }; got ${describe(opts)}`);
  }
  const g = convGeometry(fn, x, W, opts.stride ?? 1, opts.pad ?? 0, "W");
  const hasBias = b !== undefined && b !== null;
  if (hasBias) checkBias(fn, "b", b, g.FN);
  const yShape = [g.N, g.FN, g.outH, g.outW];
  const out = checkOut(fn, opts.out, yShape, ["N", "FN", "outH", "outW"]);
  // Whole images per thread, or one image's output pixels shared out (8 at a time) when there are fewer images.
  const threads = threadsFor(rt, Math.max(g.N, Math.ceil(g.P / 8)));
  const works = Array<number>(threads).fill(sgemmWorkspaceFloats(rt));
  const sizes = [x.data.length, W.data.length, hasBias ? g.FN : 0, g.N * g.FN * g.P, ...works];
  return withBuffers(rt, fn, sizes, ([px, pw, pb, py, ...rest]) => {
    writeFloats(rt, px, x.data);
    writeFloats(rt, pw, W.data);
    if (hasBias) writeFloats(rt, pb, b.data);
    convForwardShared(rt, g, px, pw, hasBias ? pb : 0, py, rest);
    return readResult(rt, py, yShape, out);
  });
}
