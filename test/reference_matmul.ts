// A float64 reference for batched matmul: NumPy's broadcasting of the batch dimensions written
// out index by index (nothing shared with src/'s odometer), transposes, bias and activation.
import type { Ref } from "./reference.js";

export type Act = "linear" | "relu" | "relu6" | "leakyRelu" | "prelu" | "elu" | "sigmoid";
export const ACTS: Act[] = ["linear", "relu", "relu6", "leakyRelu", "prelu", "elu", "sigmoid"];

export const prod = (s: readonly number[]): number => s.reduce((x, y) => x * y, 1);

/** The broadcast batch of two batch shapes (NumPy's rule), or null when they do not broadcast. */
export function broadcastBatch(a: number[], b: number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    const x = a[d - (rank - a.length)] ?? 1,
      y = b[d - (rank - b.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

/** Row-major flat index of `index` (the product batch's) in `shape` (an operand's batch), broadcasting. */
export function itemOf(index: number[], shape: number[]): number {
  const skip = index.length - shape.length;
  let flat = 0;
  shape.forEach((d, i) => {
    flat = flat * d + (d === 1 ? 0 : index[skip + i]);
  });
  return flat;
}

export function unflatten(i: number, shape: number[]): number[] {
  const index = Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return index;
}

export interface Spec {
  tA: boolean;
  tB: boolean;
  bias: Ref | null;
  act: Act;
  /** leakyRelu's slope (undefined: the default 0.2) or prelu's slopes. */
  alpha?: number | Ref;
}

export function activate(z: number, act: Act, slope: number): number {
  switch (act) {
    case "relu":
      return Math.max(z, 0);
    case "relu6":
      return Math.min(Math.max(z, 0), 6);
    case "leakyRelu":
    case "prelu":
      return z < 0 ? slope * z : z;
    case "elu":
      return z < 0 ? Math.exp(z) - 1 : z;
    case "sigmoid":
      return 1 / (1 + Math.exp(-z));
    default:
      return z;
  }
}

/** act(op(a) op(b) + bias) in float64, one element at a time. */
export function refBatched(a: Ref, b: Ref, s: Spec): Ref {
  const aB = a.shape.slice(0, -2),
    bB = b.shape.slice(0, -2);
  const [a0, a1] = a.shape.slice(-2),
    [b0, b1] = b.shape.slice(-2);
  const [M, K] = s.tA ? [a1, a0] : [a0, a1];
  const N = s.tB ? b0 : b1;
  const batch = broadcastBatch(aB, bB)!;
  const items = prod(batch);
  const out = new Float64Array(items * M * N);
  const A = (ia: number, i: number, p: number) => a.data[ia * M * K + (s.tA ? p * M + i : i * K + p)];
  const B = (ib: number, p: number, j: number) => b.data[ib * K * N + (s.tB ? j * K + p : p * N + j)];
  for (let t = 0; t < items; t++) {
    const index = unflatten(t, batch);
    const ia = itemOf(index, aB),
      ib = itemOf(index, bB);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let z = s.bias ? s.bias.data[j] : 0;
        for (let p = 0; p < K; p++) z += A(ia, i, p) * B(ib, p, j);
        const slope =
          s.act === "prelu" ? (s.alpha as Ref).data[j] : s.act === "leakyRelu" ? ((s.alpha as number) ?? 0.2) : 0;
        out[(t * M + i) * N + j] = activate(z, s.act, slope);
      }
  }
  return { shape: [...batch, M, N], data: out };
}
