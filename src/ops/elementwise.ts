// Element-wise ops and the sum over leading axes, for zeroconv/tfjs: tf.layers adds a conv's bias
// and applies its relu as ops of their own, and relu's gradient is dy * step(x), so a training
// step on tfjs-backend-cpu spent 85% of its time in Add, Relu, Step, Multiply and Sum (the bias
// gradient) once the convolutions ran on zeroconv. Shapes are any rank; results are float32.
import { formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkAnyTensor } from "../tensor/validate.js";
import { readTensor, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";

const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** a + b for a and b of one shape, or for b of one value per channel of a: b [C] onto a [..., C]. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const fn = "add";
  const as = checkAnyTensor(fn, "a", a);
  const bs = checkAnyTensor(fn, "b", b);
  const n = size(as);
  const C = as.length === 0 ? 1 : as[as.length - 1];
  const rows = bs.length === as.length && bs.every((d, i) => d === as[i]) ? 0 : size(bs) === C ? n / C : -1;
  if (rows < 0) {
    throw new RangeError(
      `${fn}: b must have a's shape ${formatShape(as)} or one value per channel, [${C}]; got ${formatShape(bs)}`,
    );
  }
  const rt = getRuntime();
  return withBuffers(rt, fn, [n, size(bs)], ([pa, pb]) => {
    writeFloats(rt, pa, a.data);
    writeFloats(rt, pb, b.data);
    if (rows === 0) rt.kernels.add(pa, pb, n, pa);
    else rt.kernels.bias_add_rows(pa, pb, rows, C, pa);
    return readTensor(rt, pa, as);
  });
}

/** a * b for a and b of one shape, or for b of one value. */
export function multiply(a: TensorLike, b: TensorLike): Tensor {
  const fn = "multiply";
  const as = checkAnyTensor(fn, "a", a);
  const bs = checkAnyTensor(fn, "b", b);
  const n = size(as);
  const same = bs.length === as.length && bs.every((d, i) => d === as[i]);
  if (!same && size(bs) !== 1) {
    throw new RangeError(`${fn}: b must have a's shape ${formatShape(as)} or be one value; got ${formatShape(bs)}`);
  }
  const rt = getRuntime();
  return withBuffers(rt, fn, [n, same ? n : 0], ([pa, pb]) => {
    writeFloats(rt, pa, a.data);
    if (same) {
      writeFloats(rt, pb, b.data);
      rt.kernels.multiply(pa, pb, n, pa);
    } else rt.kernels.scale(pa, n, b.data[0], pa);
    return readTensor(rt, pa, as);
  });
}

/** max(x, 0), NaN kept. */
export function relu(x: TensorLike): Tensor {
  return unary("relu", x, (rt, p, n) => rt.kernels.relu_forward(p, n, p));
}

/** 1 where x > 0, alpha elsewhere, NaN kept: TensorFlow's step. */
export function step(x: TensorLike, alpha = 0): Tensor {
  return unary("step", x, (rt, p, n) => rt.kernels.step(p, n, alpha, p));
}

function unary(
  fn: string,
  x: TensorLike,
  kernel: (rt: ReturnType<typeof getRuntime>, p: number, n: number) => void,
): Tensor {
  const s = checkAnyTensor(fn, "x", x);
  const rt = getRuntime();
  return withBuffers(rt, fn, [size(s)], ([p]) => {
    writeFloats(rt, p, x.data);
    kernel(rt, p, size(s));
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
