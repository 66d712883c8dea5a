// The book's max-pooling, as the Pooling layer and SimpleConvNet train with it: NCHW, one pad on
// every side, each window's argmax kept in WASM memory for backward (maxpool_backward). The
// functional ops (./max_pool2d.ts) find the maximum again in backward instead.
import { checkInt, checkTensor, outputLength } from "../tensor/validate.js";
import type { Runtime } from "../runtime/wasm.js";
import { forPoolShares } from "./pool_shares.js";

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
  // With one pad on every side and no ceil mode this is exactly "every window covers an element
  // of x", maxPool2d's rule: the first window keeps a real row and column iff pad < the window.
  if (p >= Math.min(PH, PW)) {
    throw new RangeError(
      `${fn}: pad must be less than the ${PH}x${PW} pool window's sides, so that every window covers an ` +
        `element of x (at most ${Math.min(PH, PW) - 1}); got ${p}`,
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
 * common 2x2 stride-2 unpadded case has SIMD kernels of its own. Planes are shared out across
 * `threads` (an argmax is an index within its plane, so a share's are the same).
 */
export function poolForward(rt: Runtime, g: PoolGeometry, px: number, py: number, pargmax: number, threads = 1): void {
  forPoolShares(rt, g, threads, (k, planes, xAt, yAt) => {
    const [x, y, arg] = [px + xAt, py + yAt, pargmax === 0 ? 0 : pargmax + yAt];
    if (g.PH === 2 && g.PW === 2 && g.SY === 2 && g.SX === 2 && g.pad === 0) {
      if (arg === 0) k.maxpool_2x2s2_max(x, planes, g.H, g.W, g.outH, g.outW, y);
      else k.maxpool_2x2s2_forward(x, planes, g.H, g.W, g.outH, g.outW, y, arg);
    } else {
      k.maxpool_forward(x, planes, g.H, g.W, g.PH, g.PW, g.SY, g.SX, g.pad, g.outH, g.outW, y, arg);
    }
  });
}
