// The element-wise kernels a tf.layers CNN's training step spends its time in once its
// convolutions run on zeroconv: Add for the biases, Relu, and relu's gradient Multiply(dy,
// Step(x)); Sum over the batch and pixels for the bias gradients; and the optimisers' updates,
// element-wise against scalars (Sub, RealDiv, Sqrt, Square); and a CNN's global average pool as
// tfjs spells it, Mean over the pixels. They take one shape for both
// operands, a scalar on either side, and for Add a bias [C] along the last axis; every other
// broadcast or reduction is the CPU kernel's.
import { type TensorInfo, util } from "@tensorflow/tfjs-core";
import type { TensorLike } from "../tensor/tensor.js";
import { binary as binaryOp, sumLeading, unary as unaryOp, type BinaryOp, type UnaryOp } from "../ops/elementwise.js";
import { globalAvgPool2d } from "../ops/global_pool2d.js";
import type { Input } from "../runtime/memory.js";
import { output, resident, served, type ZeroconvKernel } from "./kernel.js";
import { sameShape } from "./windows.js";

/** Whether a shape broadcasts onto x's as one value per channel of x's last axis. */
function perChannel(s: readonly number[], x: readonly number[]): boolean {
  const C = x[x.length - 1];
  return s.length > 0 && s.length <= x.length && s[s.length - 1] === C && s.slice(0, -1).every((d) => d === 1);
}

function binary(op: BinaryOp): ZeroconvKernel {
  return ({ inputs, backend }) => {
    const { a, b } = inputs;
    if (!served(a) || !served(b)) return null;
    const [ra, rb] = [a.shape.length, b.shape.length];
    const [na, nb] = [util.sizeFromShape(a.shape), util.sizeFromShape(b.shape)];
    // The tensor operand is read where it lies; a scalar's one value is read from its array.
    const big = (t: TensorInfo) => backend.resident(t);
    const one = (t: TensorInfo): TensorLike => ({
      shape: [1],
      data: backend.data.get(t.dataId).values as Float32Array,
    });
    const run = (x: Input, y: Input) => output(backend, binaryOp(op, x, y));
    if (ra > 0 && sameShape(a.shape, b.shape)) {
      const [x, y] = resident(backend, a, b) as Input[];
      return run(x, y);
    }
    // A scalar keeps the other's shape only if its rank is no higher.
    if (ra > 0 && nb === 1 && rb <= ra) return run(big(a), one(b));
    if (rb > 0 && na === 1 && ra <= rb) return run(one(a), big(b));
    if (op !== "add") return null;
    const channels = (t: TensorInfo) => backend.resident({ ...t, shape: [util.sizeFromShape(t.shape)] });
    if (ra > 0 && perChannel(b.shape, a.shape)) return run(big(a), channels(b));
    if (rb > 0 && perChannel(a.shape, b.shape)) return run(big(b), channels(a));
    return null;
  };
}

function unary(op: UnaryOp): ZeroconvKernel {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    if (!served(x) || x.shape.length === 0) return null;
    return output(backend, unaryOp(op, backend.resident(x), op === "step" ? (attrs.alpha ?? 0) : 0));
  };
}

export const add = binary("add");
export const sub = binary("sub");
export const multiply = binary("mul");
export const realDiv = binary("div");
export const relu = unary("relu");
export const step = unary("step");
export const sqrt = unary("sqrt");
export const square = unary("square");

/** Sum over every axis but the last (a bias's gradient); any other reduction is the CPU kernel's. */
export const sum: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const x = inputs.x;
  if (!served(x)) return null;
  const r = x.shape.length;
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
  if (r < 2 || axes.length !== r - 1 || axes.some((a, i) => a !== i)) return null;
  const y = sumLeading(backend.resident(x));
  return output(backend, y, attrs.keepDims ? [...Array(r - 1).fill(1), y.shape[0]] : y.shape);
};

/** Mean of an NHWC image over its pixels, axes [1, 2]: global average pooling; any other mean is the CPU kernel's. */
export const mean: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const x = inputs.x;
  if (!served(x) || x.shape.length !== 4) return null;
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
  if (axes.length !== 2 || axes[0] !== 1 || axes[1] !== 2) return null;
  const y = globalAvgPool2d((resident(backend, x) as Input[])[0], { layout: "NHWC" });
  return output(backend, y, attrs.keepDims ? y.shape : [y.shape[0], y.shape[3]]);
};
