import { describe, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkInt, checkTensor, outputLength } from "../tensor/validate.js";
import { checkOut, readResult, withBuffers, writeFloats, type OutTensor } from "../runtime/memory.js";
import { getRuntime, type Runtime } from "../runtime/wasm.js";

export interface PoolGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  PH: number;
  PW: number;
  SY: number;
  SX: number;
  pad: number;
  outH: number;
  outW: number;
}

export interface PoolParams {
  PH: number;
  PW: number;
  SY: number;
  SX: number;
  pad: number;
}

export function poolParams(
  fn: string,
  poolH: unknown,
  poolW: unknown,
  strideY: unknown,
  strideX: unknown,
  pad: unknown,
): PoolParams {
  const PH = checkInt(fn, "poolH", poolH, 1);
  const PW = checkInt(fn, "poolW", poolW, 1);
  const SY = checkInt(fn, "stride", strideY, 1);
  const SX = checkInt(fn, "stride", strideX, 1);
  const p = checkInt(fn, "pad", pad, 0);
  // PyTorch's rule; it guarantees every window covers at least one real element.
  if (2 * p > Math.min(PH, PW)) {
    throw new RangeError(
      `${fn}: pad must be at most half the ${PH}x${PW} pool window (at most ${Math.floor(Math.min(PH, PW) / 2)}); got ${p}`,
    );
  }
  return { PH, PW, SY, SX, pad: p };
}

export function poolGeometry(fn: string, x: unknown, p: PoolParams): PoolGeometry {
  const [N, C, H, W] = checkTensor(fn, "x", x, ["N", "C", "H", "W"]);
  const outH = outputLength(fn, "height", H, p.PH, p.SY, p.pad);
  const outW = outputLength(fn, "width", W, p.PW, p.SX, p.pad);
  return { N, C, H, W, ...p, outH, outW };
}

/**
 * Max-pooling of g's planes, with each window's argmax at pargmax (0: none, for inference); the
 * common 2x2 stride-2 unpadded case has SIMD kernels of its own.
 */
export function poolForward(rt: Runtime, g: PoolGeometry, px: number, py: number, pargmax: number): void {
  const k = rt.kernels;
  if (g.PH === 2 && g.PW === 2 && g.SY === 2 && g.SX === 2 && g.pad === 0) {
    if (pargmax === 0) k.maxpool_2x2s2_max(px, g.N * g.C, g.H, g.W, g.outH, g.outW, py);
    else k.maxpool_2x2s2_forward(px, g.N * g.C, g.H, g.W, g.outH, g.outW, py, pargmax);
  } else {
    k.maxpool_forward(px, g.N * g.C, g.H, g.W, g.PH, g.PW, g.SY, g.SX, g.pad, g.outH, g.outW, py, pargmax);
  }
}

export interface MaxPoolOptions {
  poolH: number;
  poolW: number;
  /** Defaults to the pool size (poolH down, poolW across), as PyTorch. */
  stride?: number;
  /** Padding counts as -infinity; at most half the pool window. */
  pad?: number;
  /**
   * Where to write the result, [N, C, outH, outW] exactly: a Tensor or any { shape, data } with
   * Float32Array data, which is returned (or wrapped in a Tensor) instead of a new array, so a
   * caller can reuse its buffers and skip a fresh array's page faults. It may be x's array.
   */
  out?: OutTensor | null;
}

/** Max-pooling of NCHW x: [N, C, H, W] -> [N, C, outH, outW]. */
export function maxPool2d(x: TensorLike, opts: MaxPoolOptions): Tensor {
  const fn = "maxPool2d";
  const rt = getRuntime();
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`${fn}: opts must be an object like { poolH: 2, poolW: 2 }; got ${describe(opts)}`);
  }
  const p = poolParams(fn, opts.poolH, opts.poolW, opts.stride ?? opts.poolH, opts.stride ?? opts.poolW, opts.pad ?? 0);
  const g = poolGeometry(fn, x, p);
  const outSize = g.N * g.C * g.outH * g.outW;
  const yShape = [g.N, g.C, g.outH, g.outW];
  const out = checkOut(fn, opts.out, yShape, ["N", "C", "outH", "outW"]);
  return withBuffers(rt, fn, [x.data.length, outSize], ([px, py]) => {
    writeFloats(rt, px, x.data);
    // One thread: sharing the planes out was measured no faster (bench:peers W2), the copies in and out dominate.
    poolForward(rt, g, px, py, 0);
    return readResult(rt, py, yShape, out);
  });
}
