// Scalar float64 references for 2-D pooling, straight from the definition: each NCHW plane is laid
// into an explicit padded grid whose cells are elements of x, padding, or (for a ceil-mode window
// that hangs past the padding) outside; a window is a set of cells (o*s + j*d in grid coordinates)
// and is reduced over them. No window arithmetic is shared with src/ or assembly/, and no output
// size formula: windows are enumerated until the next one no longer qualifies.
import type { Ref } from "./reference.js";

export interface RefPoolOptions {
  fh: number;
  fw: number;
  sy: number;
  sx: number;
  dh: number;
  dw: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
  ceilMode: boolean;
  /** avg only: padding cells count in the divisor (outside cells never do). */
  countIncludePad: boolean;
}

const PAD = -1;
const OUTSIDE = -2;

/**
 * Window starts along one axis, in grid coordinates (0 = the first padding cell), as PyTorch
 * defines them: floor mode, every start whose window ends inside the padded extent; ceil mode,
 * every start below padded - span + stride (the count (padded - span) / stride rounded up, plus
 * one), less the last one if it starts past x and its leading padding. A window wider than the
 * padded extent has no start in either mode (zeroconv refuses it, where PyTorch's ceil mode can
 * still count one).
 */
function starts(size: number, before: number, after: number, span: number, stride: number, ceil: boolean): number[] {
  const padded = before + size + after;
  if (padded < span) return [];
  const limit = ceil ? padded - span + stride : padded - span + 1;
  const out: number[] = [];
  for (let s = 0; s < limit; s += stride) out.push(s);
  if (ceil && out.length > 0 && out[out.length - 1] >= before + size) out.pop();
  return out;
}

/** For each grid cell of one axis: the index in x, PAD or OUTSIDE. */
function axisCells(size: number, before: number, after: number, length: number): number[] {
  return Array.from({ length }, (_, g) =>
    g < before ? PAD : g < before + size ? g - before : g < before + size + after ? PAD : OUTSIDE,
  );
}

export interface RefPoolResult {
  y: Ref;
  /** Per output (NCHW order): the flat NCHW index of the window's first maximum (max), -1 for avg. */
  argmax: Int32Array;
  /** Per output: the taps of x in the window (flat NCHW indices) and the divisor (avg). */
  taps: number[][];
  divisor: Float64Array;
  /** The first window that holds no element of x, or null: such geometry must be refused. */
  empty: string | null;
}

/** Max or average pooling of NCHW x. */
export function refPool(x: Ref, kind: "max" | "avg", o: RefPoolOptions): RefPoolResult {
  const [N, C, H, W] = x.shape;
  const spanH = (o.fh - 1) * o.dh + 1;
  const spanW = (o.fw - 1) * o.dw + 1;
  const ys = starts(H, o.top, o.bottom, spanH, o.sy, o.ceilMode);
  const xs = starts(W, o.left, o.right, spanW, o.sx, o.ceilMode);
  const outH = ys.length,
    outW = xs.length;
  const gridH = Math.max(o.top + H + o.bottom, ...ys.map((s) => s + spanH));
  const gridW = Math.max(o.left + W + o.right, ...xs.map((s) => s + spanW));
  const rowsOf = axisCells(H, o.top, o.bottom, gridH);
  const colsOf = axisCells(W, o.left, o.right, gridW);
  const size = N * C * outH * outW;
  const y = new Float64Array(size);
  const argmax = new Int32Array(size).fill(-1);
  const taps: number[][] = [];
  const divisor = new Float64Array(size);
  let empty: string | null = null;
  let at = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          const inX: number[] = [];
          let padCells = 0;
          for (let fy = 0; fy < o.fh; fy++)
            for (let fx = 0; fx < o.fw; fx++) {
              const r = rowsOf[ys[oy] + fy * o.dh],
                q = colsOf[xs[ox] + fx * o.dw];
              if (r === OUTSIDE || q === OUTSIDE) continue;
              if (r === PAD || q === PAD) padCells++;
              else inX.push(((n * C + c) * H + r) * W + q);
            }
          if (inX.length === 0) empty ??= `window (${oy}, ${ox})`;
          taps.push(inX);
          if (kind === "max") {
            let best = -Infinity,
              arg = -1;
            for (const i of inX) {
              const v = x.data[i];
              if (arg < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                best = v;
                arg = i;
              }
            }
            y[at] = best;
            argmax[at] = arg;
          } else {
            const d = inX.length + (o.countIncludePad ? padCells : 0);
            let s = 0;
            for (const i of inX) s += x.data[i];
            y[at] = s / d;
            divisor[at] = d;
          }
          at++;
        }
  return { y: { shape: [N, C, outH, outW], data: y }, argmax, taps, divisor, empty };
}

/** dL/dx for dL/dy = dy (NCHW): max sends each dy to its argmax, avg spreads dy / divisor over its taps. */
export function refPoolBackward(xShape: number[], kind: "max" | "avg", r: RefPoolResult, dy: Ref): Ref {
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < dy.data.length; i++) {
    if (kind === "max") dx[r.argmax[i]] += dy.data[i];
    else for (const t of r.taps[i]) dx[t] += dy.data[i] / r.divisor[i];
  }
  return { shape: [...xShape], data: dx };
}

/** TensorFlow's SAME padding along one axis, [before, after], written out again here. */
export function refSame(size: number, k: number, stride: number, d: number): [number, number] {
  const span = (k - 1) * d + 1;
  const outputs = Math.ceil(size / stride);
  const total = Math.max(0, (outputs - 1) * stride + span - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
