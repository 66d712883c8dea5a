// The bias and activation of tfjs's fused kernels (FusedConv2D, FusedDepthwiseConv2D,
// _FusedMatMul) as zeroconv's fused bias and activation, where tfjs's broadcast of them is one
// value per output channel; any other broadcast is the CPU kernel's.
import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { Activation } from "../ops/activation.js";
import { Tensor } from "../tensor/tensor.js";
import type { KernelArgs } from "./kernel.js";

export interface Fused {
  bias: Tensor | null;
  activation: Activation;
  alpha?: number | Tensor;
}

/** The unfused kernels' part: no bias, no activation. */
export const NONE: Fused = { bias: null, activation: "linear" };

/** tfjs's fused activation names, zeroconv's spelling; one missing here runs on the CPU kernel, which names it. */
const ACTIVATIONS: Record<string, Activation> = {
  linear: "linear",
  relu: "relu",
  relu6: "relu6",
  leakyrelu: "leakyRelu",
  prelu: "prelu",
  elu: "elu",
  sigmoid: "sigmoid",
};

/**
 * The fused kernel's bias and activation for a result of rank `rank` with `channels` channels on
 * axis `axis` counted from the end; null where zeroconv has no form for them.
 */
export function fusedOf(
  { inputs, backend, attrs }: KernelArgs,
  channels: number,
  rank: number,
  axis: number,
): Fused | null {
  const name = attrs.activation ?? "linear";
  if (!Object.hasOwn(ACTIVATIONS, name)) return null;
  const activation = ACTIVATIONS[name];
  const bias = perChannel(backend, inputs.bias, channels, rank, axis);
  const prelu = perChannel(backend, inputs.preluActivationWeights, channels, rank, axis);
  if (bias === null || prelu === null || (activation === "prelu" && prelu === undefined)) return null;
  const alpha = activation === "prelu" ? prelu : activation === "leakyRelu" ? (attrs.leakyreluAlpha ?? 0.2) : undefined;
  return { bias: bias ?? null, activation, alpha };
}

/**
 * A bias or prelu slope tensor as one value per channel, when tfjs broadcasts it that way; undefined
 * when there is none, null when it broadcasts some other way.
 */
function perChannel(
  backend: MathBackendCPU,
  t: TensorInfo | undefined,
  channels: number,
  rank: number,
  axis: number,
): Tensor | null | undefined {
  if (t === undefined) return undefined;
  if (t.dtype !== "float32" || t.shape.length > rank) return null;
  const values = backend.data.get(t.dataId).values as Float32Array;
  const s = t.shape;
  // tfjs-backend-cpu's FusedConv2D takes an NCHW rank-1 [C] as the channels' (reshaped to [C, 1, 1]).
  const at = s.length === 1 && values.length === channels ? 0 : s.length - 1 - axis;
  if (!s.every((d, i) => d === 1 || (i === at && d === channels))) return null;
  if (values.length === channels) return new Tensor(values, [channels]);
  return values.length === 1 ? new Tensor(new Float32Array(channels).fill(values[0]), [channels]) : null;
}
