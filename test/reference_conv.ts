// Scalar float64 references for the general convolution, straight from the definition: a sliding
// window over a zero-padded NCHW image. Nothing here shares code with src/ or assembly/.
import type { Ref } from "./reference.js";

export interface RefConvOptions {
  sy: number;
  sx: number;
  dh: number;
  dw: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
  groups: number;
}

/** x [N, C, H, W] * w [FN, C/groups, FH, FW] + b -> [N, FN, outH, outW]. */
export function refConvGeneral(x: Ref, w: Ref, b: Ref | null, o: RefConvOptions): Ref {
  const [N, C, H, W] = x.shape;
  const [FN, Cg, FH, FW] = w.shape;
  const outH = Math.floor((H + o.top + o.bottom - ((FH - 1) * o.dh + 1)) / o.sy) + 1;
  const outW = Math.floor((W + o.left + o.right - ((FW - 1) * o.dw + 1)) / o.sx) + 1;
  const FNg = FN / o.groups;
  const y = new Float64Array(N * FN * outH * outW);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < FN; f++) {
      const g = Math.floor(f / FNg);
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          let s = b ? b.data[f] : 0;
          for (let c = 0; c < Cg; c++)
            for (let fy = 0; fy < FH; fy++)
              for (let fx = 0; fx < FW; fx++) {
                const iy = oy * o.sy - o.top + fy * o.dh;
                const ix = ox * o.sx - o.left + fx * o.dw;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                s += x.data[((n * C + g * Cg + c) * H + iy) * W + ix] * w.data[((f * Cg + c) * FH + fy) * FW + fx];
              }
          y[((n * FN + f) * outH + oy) * outW + ox] = s;
        }
    }
  return { shape: [N, FN, outH, outW], data: y };
}

/** Every (output, input, tap) triple of the convolution: body(yIndex, xIndex, wIndex) for taps inside the image. */
function eachTap(
  xShape: number[],
  wShape: number[],
  o: RefConvOptions,
  body: (yi: number, xi: number, wi: number) => void,
): [number, number] {
  const [N, C, H, W] = xShape;
  const [FN, Cg, FH, FW] = wShape;
  const outH = Math.floor((H + o.top + o.bottom - ((FH - 1) * o.dh + 1)) / o.sy) + 1;
  const outW = Math.floor((W + o.left + o.right - ((FW - 1) * o.dw + 1)) / o.sx) + 1;
  const FNg = FN / o.groups;
  for (let n = 0; n < N; n++)
    for (let f = 0; f < FN; f++) {
      const g = Math.floor(f / FNg);
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let c = 0; c < Cg; c++)
            for (let fy = 0; fy < FH; fy++)
              for (let fx = 0; fx < FW; fx++) {
                const iy = oy * o.sy - o.top + fy * o.dh;
                const ix = ox * o.sx - o.left + fx * o.dw;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                body(
                  ((n * FN + f) * outH + oy) * outW + ox,
                  ((n * C + g * Cg + c) * H + iy) * W + ix,
                  ((f * Cg + c) * FH + fy) * FW + fx,
                );
              }
    }
  return [outH, outW];
}

/** dL/dx of y = conv(x, w): each dy scattered back through every tap that read x. */
export function refConvBackpropInput(dy: Ref, w: Ref, xShape: number[], o: RefConvOptions): Ref {
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  eachTap(xShape, w.shape, o, (yi, xi, wi) => {
    dx[xi] += dy.data[yi] * w.data[wi];
  });
  return { shape: xShape, data: dx };
}

/** dL/dw of y = conv(x, w), summed over the batch. */
export function refConvBackpropFilter(x: Ref, dy: Ref, wShape: number[], o: RefConvOptions): Ref {
  const dw = new Float64Array(wShape.reduce((a, b) => a * b, 1));
  eachTap(x.shape, wShape, o, (yi, xi, wi) => {
    dw[wi] += dy.data[yi] * x.data[xi];
  });
  return { shape: wShape, data: dw };
}

/** The activation of value v of channel ch, as tfjs defines its fused set. */
export function refActivation(kind: string, v: number, alpha: number | Float64Array, ch: number): number {
  switch (kind) {
    case "linear":
      return v;
    case "relu":
      return Math.max(v, 0);
    case "relu6":
      return Math.min(Math.max(v, 0), 6);
    case "leakyRelu":
      return v < 0 ? v * (alpha as number) : v;
    case "prelu":
      return v < 0 ? v * (alpha as Float64Array)[ch] : v;
    case "elu":
      return v < 0 ? Math.exp(v) - 1 : v;
    case "sigmoid":
      return 1 / (1 + Math.exp(-v));
  }
  throw new Error(`no activation ${kind}`);
}

/** Applies refActivation to every element of an NCHW tensor, channel = dim 1. */
export function refActivate(y: Ref, kind: string, alpha: number | Float64Array): Ref {
  const [N, C] = y.shape;
  const plane = y.data.length / (N * C);
  const data = y.data.map((v, i) => refActivation(kind, v, alpha, Math.floor(i / plane) % C));
  return { shape: y.shape, data };
}

/** NCHW <-> NHWC of a float array with the given NCHW sizes. */
export function toNhwc<T extends Float32Array | Float64Array>(a: T, [N, C, H, W]: number[]): T {
  const out = new (a.constructor as { new (n: number): T })(a.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) out[((n * H + y) * W + x) * C + c] = a[((n * C + c) * H + y) * W + x];
  return out;
}

export function toNchw<T extends Float32Array | Float64Array>(a: T, [N, C, H, W]: number[]): T {
  const out = new (a.constructor as { new (n: number): T })(a.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) out[((n * C + c) * H + y) * W + x] = a[((n * H + y) * W + x) * C + c];
  return out;
}

/** [FN, Cg, FH, FW] -> TensorFlow's HWIO [FH, FW, Cg, FN]. */
export function toHwio(a: Float32Array, [FN, Cg, FH, FW]: number[]): Float32Array {
  const out = new Float32Array(a.length);
  for (let f = 0; f < FN; f++)
    for (let c = 0; c < Cg; c++)
      for (let y = 0; y < FH; y++)
        for (let x = 0; x < FW; x++) out[((y * FW + x) * Cg + c) * FN + f] = a[((f * Cg + c) * FH + y) * FW + x];
  return out;
}
