// Element-wise ops and the sum over leading axes, for zeroconv/tfjs: tf.layers adds a conv's bias
// and applies its relu as ops of their own, relu's gradient is dy * step(x), and tfjs's
// optimisers update each weight with a few element-wise ops against scalars; on tfjs-backend-cpu's
// kernels these took 85% of a training step once the convolutions ran on zeroconv. Shapes are of
// any rank; results are float32. They read WasmTensors where they lie, as the network ops do: a
// training step's gradients and optimiser updates then stay in WASM memory too.
import { formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkAnyTensor } from "../tensor/validate.js";
import { WasmTensor } from "../tensor/wasm_tensor.js";
import { floatsIn, type Input, placeInput, placement, withResult } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";

export type BinaryOp = "add" | "sub" | "mul" | "div";
export type UnaryOp = "relu" | "step" | "sqrt" | "square";

/** assembly/elementwise/binary.ts's codes; the second is for a scalar on the left. */
const BINARY: Record<BinaryOp, [number, number]> = { add: [0, 0], sub: [1, 4], mul: [2, 2], div: [3, 5] };
/** assembly/elementwise/unary.ts's codes (relu is relu_forward). */
const UNARY: Record<Exclude<UnaryOp, "relu">, number> = { step: 0, sqrt: 1, square: 2 };

const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const dims = (s: readonly number[]) => s.map((_, i) => `d${i}`);

/** The one float of a single-value operand (a WasmTensor's is read where it lies). */
function single(x: Input): number {
  if (!(x instanceof WasmTensor)) return x.data[0];
  const rt = getRuntime();
  return new Float32Array(rt.kernels.memory.buffer, x.address("binary", "scalar"), 1)[0];
}

/**
 * a (op) b for a and b of one shape, or with either a single value (shape [1]); for "add", also b
 * of one value per channel of a's last axis, [C] onto [..., C]. The result has the larger shape,
 * and is a WasmTensor when the larger operand (either, for one shape) is one.
 */
export function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor;
export function binary(op: BinaryOp, a: Input, b: Input): Tensor | WasmTensor;
export function binary(op: BinaryOp, a: Input, b: Input): Tensor | WasmTensor {
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
    const main = alike && b instanceof WasmTensor ? b : big;
    const place = placement(fn, main, undefined, bigShape, dims(bigShape));
    const scalar = alike ? 0 : single(other);
    return withResult(rt, fn, bigShape, place, [floatsIn(big), alike ? floatsIn(other) : 0], ([px, pb], py) => {
      const x = placeInput(rt, fn, scalarLeft ? "b" : "a", px, big);
      if (alike) rt.kernels.binary(code, x, placeInput(rt, fn, "b", pb, b), n, py);
      else rt.kernels.binary_scalar(scalarLeft ? leftCode : code, x, scalar, n, py);
    });
  }
  const C = as[as.length - 1];
  if (op !== "add" || size(bs) !== C) {
    const per = op === "add" ? ` or one value per channel, [${C}]` : "";
    throw new RangeError(
      `${fn}: b must have a's shape ${formatShape(as)}${per}, or be one value; got ${formatShape(bs)}`,
    );
  }
  const place = placement(fn, a, undefined, as, dims(as));
  return withResult(rt, fn, as, place, [floatsIn(a), floatsIn(b)], ([px, pb], py) => {
    rt.kernels.bias_add_rows(placeInput(rt, fn, "a", px, a), placeInput(rt, fn, "b", pb, b), size(as) / C, C, py);
  });
}

/**
 * relu (NaN kept), step (1 where x > 0, alpha elsewhere, NaN kept: TensorFlow's), sqrt, square;
 * a WasmTensor when x is one.
 */
export function unary(op: UnaryOp, x: TensorLike, alpha?: number): Tensor;
export function unary(op: UnaryOp, x: Input, alpha?: number): Tensor | WasmTensor;
export function unary(op: UnaryOp, x: Input, alpha = 0): Tensor | WasmTensor {
  const s = checkAnyTensor(op, "x", x);
  const n = size(s);
  const rt = getRuntime();
  const place = placement(op, x, undefined, s, dims(s));
  return withResult(rt, op, s, place, [floatsIn(x)], ([p], py) => {
    const px = placeInput(rt, op, "x", p, x);
    if (op === "relu") rt.kernels.relu_forward(px, n, py);
    else rt.kernels.unary(UNARY[op], px, n, alpha, py);
  });
}

/** x [..., C] summed over every axis but the last: [C] (a bias's gradient); a WasmTensor when x is one. */
export function sumLeading(x: TensorLike): Tensor;
export function sumLeading(x: Input): Tensor | WasmTensor;
export function sumLeading(x: Input): Tensor | WasmTensor {
  const fn = "sumLeading";
  const s = checkAnyTensor(fn, "x", x);
  if (s.length === 0) throw new RangeError(`${fn}: x must have at least one dimension; got a scalar`);
  const C = s[s.length - 1];
  const rt = getRuntime();
  const place = placement(fn, x, undefined, [C], ["C"]);
  return withResult(rt, fn, [C], place, [floatsIn(x)], ([px], py) => {
    // A plane of one element per channel: bias_grad's sum over rows of C channels.
    rt.kernels.bias_grad(placeInput(rt, fn, "x", px, x), size(s) / C, C, 1, py);
  });
}
