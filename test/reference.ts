// Scalar references written for clarity, straight from the definitions, in float64. The kernels
// are checked against these; nothing here shares code with src/ or assembly/.

export interface Ref { shape: number[]; data: Float64Array }

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
  const oh = outLen(H, fh, stride, pad), ow = outLen(W, fw, stride, pad);
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
  const oh = outLen(H, fh, stride, pad), ow = outLen(W, fw, stride, pad);
  const K = C * fh * fw;
  const out = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++)
          for (let fy = 0; fy < fh; fy++)
            for (let fx = 0; fx < fw; fx++) {
              const y = oy * stride - pad + fy, xx = ox * stride - pad + fx;
              if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
              out[((n * C + c) * H + y) * W + xx] += col.data[((n * oh + oy) * ow + ox) * K + (c * fh + fy) * fw + fx];
            }
  return { shape: [...shape], data: out };
}

export function refMatmul(a: Ref, b: Ref): Ref {
  const [M, K] = a.shape, [, N] = b.shape;
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
  const [N, C, H, W] = x.shape, [F, , fh, fw] = w.shape;
  const oh = outLen(H, fh, stride, pad), ow = outLen(W, fw, stride, pad);
  const out = new Float64Array(N * F * oh * ow);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let s = b ? b.data[f] : 0;
          for (let c = 0; c < C; c++)
            for (let fy = 0; fy < fh; fy++)
              for (let fx = 0; fx < fw; fx++)
                s += w.data[((f * C + c) * fh + fy) * fw + fx] * padded(x, n, c, oy * stride - pad + fy, ox * stride - pad + fx);
          out[((n * F + f) * oh + oy) * ow + ox] = s;
        }
  return { shape: [N, F, oh, ow], data: out };
}

/** Gradients of sum(y * dout) for y = conv2d(x, w, b): the chain rule written out per element. */
export function refConv2dBackward(x: Ref, w: Ref, dout: Ref, stride: number, pad: number): { dx: Ref; dW: Ref; db: Ref } {
  const [N, C, H, W] = x.shape, [F, , fh, fw] = w.shape;
  const oh = outLen(H, fh, stride, pad), ow = outLen(W, fw, stride, pad);
  const dx = new Float64Array(x.data.length), dW = new Float64Array(w.data.length), db = new Float64Array(F);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const g = dout.data[((n * F + f) * oh + oy) * ow + ox];
          db[f] += g;
          for (let c = 0; c < C; c++)
            for (let fy = 0; fy < fh; fy++)
              for (let fx = 0; fx < fw; fx++) {
                const y = oy * stride - pad + fy, xx = ox * stride - pad + fx;
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                const xi = ((n * C + c) * H + y) * W + xx, wi = ((f * C + c) * fh + fy) * fw + fx;
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
export function refMaxPool(x: Ref, ph: number, pw: number, sy: number, sx: number, pad: number): { y: Ref; argmax: Int32Array } {
  const [N, C, H, W] = x.shape;
  const oh = outLen(H, ph, sy, pad), ow = outLen(W, pw, sx, pad);
  const y = new Float64Array(N * C * oh * ow), argmax = new Int32Array(y.length);
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let best = -Infinity, at = -1;
          for (let fy = 0; fy < ph; fy++)
            for (let fx = 0; fx < pw; fx++) {
              const iy = oy * sy - pad + fy, ix = ox * sx - pad + fx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const i = ((n * C + c) * H + iy) * W + ix;
              const v = x.data[i];
              if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) { best = v; at = i; }
            }
          y[o] = best;
          argmax[o++] = at;
        }
  return { y: { shape: [N, C, oh, ow], data: y }, argmax };
}

/** Max-pooling backward: each output gradient added to its window's argmax element. */
export function refMaxPoolBackward(xShape: number[], argmax: Int32Array, dout: Ref): Ref {
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  argmax.forEach((i, o) => { dx[i] += dout.data[o]; });
  return { shape: [...xShape], data: dx };
}
