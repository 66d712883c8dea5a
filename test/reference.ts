// Scalar references written for clarity, straight from the definitions, in float64. The kernels
// are checked against these; nothing here shares code with src/ or assembly/.

export interface Ref {
  shape: number[];
  data: Float64Array;
}

export const outLen = (size: number, window: number, stride: number, pad: number): number =>
  Math.floor((size + 2 * pad - window) / stride) + 1;

/** x[n][c][y][x] with zero outside the image. */
function padded(x: Ref, n: number, c: number, y: number, xx: number): number {
  const [, C, H, W] = x.shape;
  if (y < 0 || y >= H || xx < 0 || xx >= W) return 0;
  return x.data[((n * C + c) * H + y) * W + xx];
}

/** The book's im2col: row (n, oy, ox), column (c, fy, fx). */
export function refIm2col(x: Ref, fh: number, fw: number, stride: number, pad: number): Ref {
  const [N, C, H, W] = x.shape;
  const oh = outLen(H, fh, stride, pad),
    ow = outLen(W, fw, stride, pad);
  const K = C * fh * fw;
  const out = new Float64Array(N * oh * ow * K);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++)
          for (let fy = 0; fy < fh; fy++)
            for (let fx = 0; fx < fw; fx++) {
              const row = (n * oh + oy) * ow + ox;
              const col = (c * fh + fy) * fw + fx;
              out[row * K + col] = padded(x, n, c, oy * stride - pad + fy, ox * stride - pad + fx);
            }
  return { shape: [N * oh * ow, K], data: out };
}

/** The book's col2im: every im2col entry added back where it came from; padding dropped. */
export function refCol2im(col: Ref, shape: number[], fh: number, fw: number, stride: number, pad: number): Ref {
  const [N, C, H, W] = shape;
  const oh = outLen(H, fh, stride, pad),
    ow = outLen(W, fw, stride, pad);
  const K = C * fh * fw;
  const out = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++)
          for (let fy = 0; fy < fh; fy++)
            for (let fx = 0; fx < fw; fx++) {
              const y = oy * stride - pad + fy,
                xx = ox * stride - pad + fx;
              if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
              out[((n * C + c) * H + y) * W + xx] += col.data[((n * oh + oy) * ow + ox) * K + (c * fh + fy) * fw + fx];
            }
  return { shape: [...shape], data: out };
}

export function refMatmul(a: Ref, b: Ref): Ref {
  const [M, K] = a.shape,
    [, N] = b.shape;
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a.data[i * K + k] * b.data[k * N + j];
      out[i * N + j] = s;
    }
  return { shape: [M, N], data: out };
}

/** y[n][f][oy][ox] = b[f] + sum over c, fy, fx of W[f][c][fy][fx] * x[n][c][oy*s-p+fy][ox*s-p+fx]. */
export function refConv2d(x: Ref, w: Ref, b: Ref | null, stride: number, pad: number): Ref {
  const [N, C, H, W] = x.shape,
    [F, , fh, fw] = w.shape;
  const oh = outLen(H, fh, stride, pad),
    ow = outLen(W, fw, stride, pad);
  const out = new Float64Array(N * F * oh * ow);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let s = b ? b.data[f] : 0;
          for (let c = 0; c < C; c++)
            for (let fy = 0; fy < fh; fy++)
              for (let fx = 0; fx < fw; fx++)
                s +=
                  w.data[((f * C + c) * fh + fy) * fw + fx] *
                  padded(x, n, c, oy * stride - pad + fy, ox * stride - pad + fx);
          out[((n * F + f) * oh + oy) * ow + ox] = s;
        }
  return { shape: [N, F, oh, ow], data: out };
}

/** Gradients of sum(y * dout) for y = conv2d(x, w, b): the chain rule written out per element. */
export function refConv2dBackward(
  x: Ref,
  w: Ref,
  dout: Ref,
  stride: number,
  pad: number,
): { dx: Ref; dW: Ref; db: Ref } {
  const [N, C, H, W] = x.shape,
    [F, , fh, fw] = w.shape;
  const oh = outLen(H, fh, stride, pad),
    ow = outLen(W, fw, stride, pad);
  const dx = new Float64Array(x.data.length),
    dW = new Float64Array(w.data.length),
    db = new Float64Array(F);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const g = dout.data[((n * F + f) * oh + oy) * ow + ox];
          db[f] += g;
          for (let c = 0; c < C; c++)
            for (let fy = 0; fy < fh; fy++)
              for (let fx = 0; fx < fw; fx++) {
                const y = oy * stride - pad + fy,
                  xx = ox * stride - pad + fx;
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                const xi = ((n * C + c) * H + y) * W + xx,
                  wi = ((f * C + c) * fh + fy) * fw + fx;
                dW[wi] += g * x.data[xi];
                dx[xi] += g * w.data[wi];
              }
        }
  return { dx: { shape: [...x.shape], data: dx }, dW: { shape: [...w.shape], data: dW }, db: { shape: [F], data: db } };
}

/**
 * Max-pooling with -infinity padding (PyTorch's rule). Returns the maxima and, per window, the
 * flat input index of the first maximum in row-major window order (NaN counts as the maximum).
 */
export function refMaxPool(
  x: Ref,
  ph: number,
  pw: number,
  sy: number,
  sx: number,
  pad: number,
): { y: Ref; argmax: Int32Array } {
  const [N, C, H, W] = x.shape;
  const oh = outLen(H, ph, sy, pad),
    ow = outLen(W, pw, sx, pad);
  const y = new Float64Array(N * C * oh * ow),
    argmax = new Int32Array(y.length);
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let best = -Infinity,
            at = -1;
          for (let fy = 0; fy < ph; fy++)
            for (let fx = 0; fx < pw; fx++) {
              const iy = oy * sy - pad + fy,
                ix = ox * sx - pad + fx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const i = ((n * C + c) * H + iy) * W + ix;
              const v = x.data[i];
              if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                best = v;
                at = i;
              }
            }
          y[o] = best;
          argmax[o++] = at;
        }
  return { y: { shape: [N, C, oh, ow], data: y }, argmax };
}

/** Max-pooling backward: each output gradient added to its window's argmax element. */
export function refMaxPoolBackward(xShape: number[], argmax: Int32Array, dout: Ref): Ref {
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  argmax.forEach((i, o) => {
    dx[i] += dout.data[o];
  });
  return { shape: [...xShape], data: dx };
}

/** The book's Relu: out = x.copy(); out[x <= 0] = 0. NaN is not <= 0, so it stays NaN; -0 becomes +0. */
export function refRelu(x: Ref): Ref {
  const out = new Float64Array(x.data.length);
  // biome-ignore lint/complexity/useMathMinMax: the book's mask x <= 0, written as the book writes it
  for (let i = 0; i < x.data.length; i++) out[i] = x.data[i] <= 0 ? 0 : x.data[i];
  return { shape: [...x.shape], data: out };
}

/** The book's Relu backward: dx = dout.copy(); dx[x <= 0] = 0, with x the forward input. */
export function refReluBackward(x: Ref, dout: Ref): Ref {
  const dx = new Float64Array(dout.data.length);
  for (let i = 0; i < dout.data.length; i++) dx[i] = x.data[i] <= 0 ? 0 : dout.data[i];
  return { shape: [...dout.shape], data: dx };
}

/** The book's Affine: x reshaped to [N, D] (D = everything after the first axis), y = x W + b. */
export function refAffine(x: Ref, w: Ref, b: Ref): Ref {
  const N = x.shape[0],
    D = x.data.length / N;
  const [, M] = w.shape;
  const y = new Float64Array(N * M);
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++) {
      let s = b.data[m];
      for (let d = 0; d < D; d++) s += x.data[n * D + d] * w.data[d * M + m];
      y[n * M + m] = s;
    }
  return { shape: [N, M], data: y };
}

/** Affine backward: dx = dout W^T in x's own shape, dW = x^T dout (x as [N, D]), db = column sums of dout. */
export function refAffineBackward(x: Ref, w: Ref, dout: Ref): { dx: Ref; dW: Ref; db: Ref } {
  const N = x.shape[0],
    D = x.data.length / N;
  const [, M] = w.shape;
  const dx = new Float64Array(N * D),
    dW = new Float64Array(D * M),
    db = new Float64Array(M);
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let m = 0; m < M; m++) s += dout.data[n * M + m] * w.data[d * M + m];
      dx[n * D + d] = s;
    }
  for (let d = 0; d < D; d++)
    for (let m = 0; m < M; m++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += x.data[n * D + d] * dout.data[n * M + m];
      dW[d * M + m] = s;
    }
  for (let m = 0; m < M; m++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += dout.data[n * M + m];
    db[m] = s;
  }
  return { dx: { shape: [...x.shape], data: dx }, dW: { shape: [D, M], data: dW }, db: { shape: [M], data: db } };
}

/** Labels as the reference takes them: one class index per row, or one-hot rows [N, classes]. */
export type RefLabels = ArrayLike<number> | Ref;

const isRef = (t: RefLabels): t is Ref => "shape" in t && "data" in t;

/** The class of each row: the index itself, or np.argmax of a one-hot row (the first largest entry). */
function refClassOf(t: RefLabels, N: number, classes: number): number[] {
  if (!isRef(t)) return Array.from({ length: N }, (_, i) => t[i]);
  return Array.from({ length: N }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (t.data[i * classes + c] > t.data[i * classes + best]) best = c;
    return best;
  });
}

/**
 * The book's SoftmaxWithLoss forward: per row, y = exp(x - max(x)) / sum(exp(x - max(x))), and
 * loss = -sum_i log(y[i, t_i] + 1e-7) / N; a one-hot t counts through its argmax as the book's
 * cross_entropy_error does.
 */
export function refSoftmaxLoss(x: Ref, t: RefLabels): { y: Ref; loss: number } {
  const [N, K] = x.shape;
  const cls = refClassOf(t, N, K);
  const y = new Float64Array(N * K);
  let loss = 0;
  for (let i = 0; i < N; i++) {
    const row = Array.from(x.data.subarray(i * K, (i + 1) * K));
    // np.max: NaN anywhere makes the max NaN.
    const max = row.some(Number.isNaN) ? NaN : Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < K; k++) y[i * K + k] = e[k] / sum;
    loss -= Math.log(y[i * K + cls[i]] + 1e-7);
  }
  return { y: { shape: [N, K], data: y }, loss: loss / N };
}

/** SoftmaxWithLoss backward: dx = dout * (y - t) / N, with t the one-hot rows (given, or built from the indices). */
export function refSoftmaxLossBackward(y: Ref, t: RefLabels, dout: number): Ref {
  const [N, K] = y.shape;
  const dx = new Float64Array(N * K);
  for (let i = 0; i < N; i++)
    for (let k = 0; k < K; k++) {
      const target = isRef(t) ? t.data[i * K + k] : t[i] === k ? 1 : 0;
      dx[i * K + k] = (dout * (y.data[i * K + k] - target)) / N;
    }
  return { shape: [N, K], data: dx };
}
