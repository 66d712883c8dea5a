// Element-wise ops and the sum over leading axes, for zeroconv/tfjs: tf.layers adds a conv's bias
// and applies its relu as ops of their own, relu's gradient is dy * step(x), and tfjs's
// optimisers update each weight with a few element-wise ops against scalars; on tfjs-backend-cpu's
// kernels these took 85% of a training step once the convolutions ran on zeroconv. Shapes are of
// any rank; results are float32.
import { formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkAnyTensor } from "../tensor/validate.js";
import { readTensor, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";

export type BinaryOp = "add" | "sub" | "mul" | "div";
export type UnaryOp = "relu" | "step" | "sqrt" | "square";

/** assembly/elementwise/binary.ts's codes; the second is for a scalar on the left. */
const BINARY: Record<BinaryOp, [number, number]> = { add: [0, 0], sub: [1, 4], mul: [2, 2], div: [3, 5] };
/** assembly/elementwise/unary.ts's codes (relu is relu_forward). */
const UNARY: Record<Exclude<UnaryOp, "relu">, number> = { step: 0, sqrt: 1, square: 2 };

const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * a (op) b for a and b of one shape, or with either a single value (shape [1]); for "add", also b
 * of one value per channel of a's last axis, [C] onto [..., C]. The result has the larger shape.
 */
export function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const fn = op;
  const as = checkAnyTensor(fn, "a", a);
  const bs = checkAnyTensor(fn, "b", b);
  const [code, leftCode] = BINARY[op];
  const rt = getRuntime();
  const alike = same(as, bs);
  if (alike || size(bs) === 1 || size(as) === 1) {
    const scalarLeft = !alike && size(as) === 1 && size(bs) !== 1;
    const [big, bigShape, other] = scalarLeft ? [b, bs, a] : [a, as, b];
    const n = size(bigShape);
    return withBuffers(rt, fn, [n, alike ? n : 0], ([px, pb]) => {
      writeFloats(rt, px, big.data);
      if (alike) {
        writeFloats(rt, pb, b.data);
        rt.kernels.binary(code, px, pb, n, px);
      } else rt.kernels.binary_scalar(scalarLeft ? leftCode : code, px, other.data[0], n, px);
      return readTensor(rt, px, bigShape);
    });
  }
  const C = as[as.length - 1];
  if (op !== "add" || size(bs) !== C) {
    const per = op === "add" ? ` or one value per channel, [${C}]` : "";
    throw new RangeError(
      `${fn}: b must have a's shape ${formatShape(as)}${per}, or be one value; got ${formatShape(bs)}`,
    );
  }
  return withBuffers(rt, fn, [size(as), C], ([px, pb]) => {
    writeFloats(rt, px, a.data);
    writeFloats(rt, pb, b.data);
    rt.kernels.bias_add_rows(px, pb, size(as) / C, C, px);
    return readTensor(rt, px, as);
  });
}

/** relu (NaN kept), step (1 where x > 0, alpha elsewhere, NaN kept: TensorFlow's), sqrt, square. */
export function unary(op: UnaryOp, x: TensorLike, alpha = 0): Tensor {
  const s = checkAnyTensor(op, "x", x);
  const n = size(s);
  const rt = getRuntime();
  return withBuffers(rt, op, [n], ([p]) => {
    writeFloats(rt, p, x.data);
    if (op === "relu") rt.kernels.relu_forward(p, n, p);
    else rt.kernels.unary(UNARY[op], p, n, alpha, p);
    return readTensor(rt, p, s);
  });
}

/** x [..., C] summed over every axis but the last: [C] (a bias's gradient). */
export function sumLeading(x: TensorLike): Tensor {
  const fn = "sumLeading";
  const s = checkAnyTensor(fn, "x", x);
  if (s.length === 0) throw new RangeError(`${fn}: x must have at least one dimension; got a scalar`);
  const C = s[s.length - 1];
  const rt = getRuntime();
  return withBuffers(rt, fn, [size(s), C], ([px, py]) => {
    writeFloats(rt, px, x.data);
    // A plane of one element per channel: bias_grad's sum over rows of C channels.
    rt.kernels.bias_grad(px, size(s) / C, C, 1, py);
    return readTensor(rt, py, [C]);
  });
}
