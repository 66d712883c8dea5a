// The element-wise kernels a tf.layers CNN's training step spends its time in once its
// convolutions run on zeroconv (Add for the biases, Relu, and relu's gradient Multiply(dy,
// Step(x)), Sum over the batch and pixels for the bias gradients), in the shapes that take: one
// shape for both operands, a bias [C] broadcast along the last axis, a scalar factor. Every other
// broadcast or reduction is the CPU kernel's.
import { util } from "@tensorflow/tfjs-core";
import type { TensorLike } from "../tensor/tensor.js";
import {
  add as addOp,
  multiply as multiplyOp,
  relu as reluOp,
  step as stepOp,
  sumLeading,
} from "../ops/elementwise.js";
import { floats, output, type ZeroconvKernel } from "./kernel.js";
import { sameShape } from "./windows.js";

/** Whether v broadcasts onto x as one value per channel of x's last axis. */
function perChannel(v: TensorLike, x: TensorLike): boolean {
  const C = x.shape[x.shape.length - 1];
  const s = Array.from(v.shape);
  return s.length <= x.shape.length && s.length > 0 && s[s.length - 1] === C && s.slice(0, -1).every((d) => d === 1);
}

const isScalar = (v: TensorLike, x: TensorLike) => v.data.length === 1 && v.shape.length <= x.shape.length;
const flat = (v: TensorLike): TensorLike => ({ shape: [v.data.length], data: v.data });

export const add: ZeroconvKernel = ({ inputs, backend }) => {
  const t = floats(backend, inputs.a, inputs.b);
  if (t === null || t[0].shape.length === 0) return null;
  const [a, b] = t;
  if (sameShape(a.shape as number[], b.shape as number[])) return output(backend, addOp(a, b));
  if (perChannel(b, a)) return output(backend, addOp(a, flat(b)));
  if (b.shape.length > 0 && perChannel(a, b)) return output(backend, addOp(b, flat(a)));
  return null;
};

export const multiply: ZeroconvKernel = ({ inputs, backend }) => {
  const t = floats(backend, inputs.a, inputs.b);
  if (t === null) return null;
  const [a, b] = t;
  if (a.shape.length > 0 && sameShape(a.shape as number[], b.shape as number[]))
    return output(backend, multiplyOp(a, b));
  if (a.shape.length > 0 && isScalar(b, a)) return output(backend, multiplyOp(a, flat(b)));
  if (b.shape.length > 0 && isScalar(a, b)) return output(backend, multiplyOp(b, flat(a)));
  return null;
};

export const relu: ZeroconvKernel = ({ inputs, backend }) => {
  const t = floats(backend, inputs.x);
  return t === null || t[0].shape.length === 0 ? null : output(backend, reluOp(t[0]));
};

export const step: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const t = floats(backend, inputs.x);
  return t === null || t[0].shape.length === 0 ? null : output(backend, stepOp(t[0], attrs.alpha ?? 0));
};

/** Sum over every axis but the last (a bias's gradient); any other reduction is the CPU kernel's. */
export const sum: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const t = floats(backend, inputs.x);
  if (t === null) return null;
  const x = t[0];
  const r = x.shape.length;
  const axes = util.parseAxisParam(attrs.axis, x.shape as number[]).sort((p, q) => p - q);
  if (r < 2 || axes.length !== r - 1 || axes.some((a, i) => a !== i)) return null;
  const y = sumLeading(x);
  return output(backend, y, attrs.keepDims ? [...Array(r - 1).fill(1), y.shape[0]] : y.shape);
};
