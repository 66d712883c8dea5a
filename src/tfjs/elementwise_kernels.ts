// The element-wise kernels a tf.layers CNN's training step spends its time in once its
// convolutions run on zeroconv: Add for the biases, Relu, and relu's gradient Multiply(dy,
// Step(x)); Sum over the batch and pixels for the bias gradients; and the optimisers' updates,
// element-wise against scalars (Sub, RealDiv, Sqrt, Square); and a CNN's global average pool as
// tfjs spells it, Mean over the pixels. They take one shape for both
// operands, a scalar on either side, and for Add a bias [C] along the last axis; every other
// broadcast or reduction is the CPU kernel's.
import { util } from "@tensorflow/tfjs-core";
import type { TensorLike } from "../tensor/tensor.js";
import { binary as binaryOp, sumLeading, unary as unaryOp, type BinaryOp, type UnaryOp } from "../ops/elementwise.js";
import { globalAvgPool2d } from "../ops/global_pool2d.js";
import { add as addOp } from "../ops/add.js";
import type { Input } from "../runtime/memory.js";
import { floats, output, resident, served, type ZeroconvKernel } from "./kernel.js";
import { sameShape } from "./windows.js";

const size = (v: TensorLike) => v.data.length;
/** v as zeroconv's rank >= 1 tensor: tfjs scalars have shape []. */
const flat = (v: TensorLike): TensorLike => ({ shape: [v.data.length], data: v.data });

/** Whether v broadcasts onto x as one value per channel of x's last axis. */
function perChannel(v: TensorLike, x: TensorLike): boolean {
  const s = Array.from(v.shape);
  const C = x.shape[x.shape.length - 1];
  return s.length > 0 && s.length <= x.shape.length && s[s.length - 1] === C && s.slice(0, -1).every((d) => d === 1);
}

function binary(op: BinaryOp): ZeroconvKernel {
  return ({ inputs, backend }) => {
    const { a: ta, b: tb } = inputs;
    // One shape on both sides: the residual adds, which read and leave their operands in WASM memory.
    if (op === "add" && served(ta) && served(tb) && ta.shape.length > 0 && sameShape(ta.shape, tb.shape)) {
      const [ra, rb] = resident(backend, ta, tb) as Input[];
      return output(backend, addOp(ra, rb));
    }
    const t = floats(backend, ta, tb);
    if (t === null) return null;
    const [a, b] = t;
    const [ra, rb] = [a.shape.length, b.shape.length];
    if (ra > 0 && sameShape(a.shape as number[], b.shape as number[])) return output(backend, binaryOp(op, a, b));
    // A scalar keeps the other's shape only if its rank is no higher.
    if (ra > 0 && size(b) === 1 && rb <= ra) return output(backend, binaryOp(op, a, flat(b)));
    if (rb > 0 && size(a) === 1 && ra <= rb) return output(backend, binaryOp(op, flat(a), b));
    if (op !== "add") return null;
    if (ra > 0 && perChannel(b, a)) return output(backend, binaryOp(op, a, flat(b)));
    if (rb > 0 && perChannel(a, b)) return output(backend, binaryOp(op, b, flat(a)));
    return null;
  };
}

function unary(op: UnaryOp): ZeroconvKernel {
  return ({ inputs, backend, attrs }) => {
    const t = floats(backend, inputs.x);
    if (t === null || t[0].shape.length === 0) return null;
    return output(backend, unaryOp(op, t[0], op === "step" ? (attrs.alpha ?? 0) : 0));
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
  const t = floats(backend, inputs.x);
  if (t === null) return null;
  const x = t[0];
  const r = x.shape.length;
  const axes = util.parseAxisParam(attrs.axis, x.shape as number[]).sort((p, q) => p - q);
  if (r < 2 || axes.length !== r - 1 || axes.some((a, i) => a !== i)) return null;
  const y = sumLeading(x);
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
