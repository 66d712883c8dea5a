// BatchMatMul and _FusedMatMul on zeroconv's batched matmul, which broadcasts the batch dimensions
// as tfjs does and takes the transposes as strides.
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { matmul } from "../ops/matmul.js";
import { fusedOf, NONE } from "./fused.js";
import type { Input } from "../runtime/memory.js";
import { output, resident, served, type KernelArgs, type ZeroconvKernel } from "./kernel.js";

function product(args: KernelArgs, fused: boolean): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  if (!served(a) || !served(b)) return null;
  const rank = Math.max(a.shape.length, b.shape.length);
  const N = b.shape[b.shape.length - (attrs.transposeB ? 2 : 1)];
  const f = fused ? fusedOf(args, N, rank, 0) : NONE;
  if (f === null) return null;
  const opts = { transposeA: !!attrs.transposeA, transposeB: !!attrs.transposeB };
  const [ra, rb] = resident(backend, a, b) as Input[];
  return output(backend, matmul(ra, rb, { ...opts, bias: f.bias, activation: f.activation, alpha: f.alpha }));
}

export const batchMatMul: ZeroconvKernel = (args) => product(args, false);
export const fusedMatMul: ZeroconvKernel = (args) => product(args, true);
