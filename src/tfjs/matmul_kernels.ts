// BatchMatMul and _FusedMatMul on zeroconv's batched matmul, which broadcasts the batch dimensions
// as tfjs does and takes the transposes as strides.
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { matmul } from "../ops/matmul.js";
import { fusedOf, NONE } from "./fused.js";
import { floats, output, type KernelArgs, type ZeroconvKernel } from "./kernel.js";

function product(args: KernelArgs, fused: boolean): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const t = floats(backend, inputs.a, inputs.b);
  if (t === null) return null;
  const [a, b] = t;
  const rank = Math.max(a.shape.length, b.shape.length);
  const N = b.shape[b.shape.length - (attrs.transposeB ? 2 : 1)];
  const f = fused ? fusedOf(args, N, rank, 0) : NONE;
  if (f === null) return null;
  const opts = { transposeA: !!attrs.transposeA, transposeB: !!attrs.transposeB };
  return output(backend, matmul(a, b, { ...opts, bias: f.bias, activation: f.activation, alpha: f.alpha }));
}

export const batchMatMul: ZeroconvKernel = (args) => product(args, false);
export const fusedMatMul: ZeroconvKernel = (args) => product(args, true);
