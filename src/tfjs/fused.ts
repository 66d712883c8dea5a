// The bias and activation of tfjs's fused kernels (FusedConv2D, FusedDepthwiseConv2D,
// _FusedMatMul) as zeroconv's fused bias and activation, where tfjs's broadcast of them is one
// value per output channel; any other broadcast is the CPU kernel's.
import { type TensorInfo, util } from "@tensorflow/tfjs-core";
import type { Activation } from "../ops/activation.js";
import type { Input } from "../runtime/memory.js";
import { Tensor } from "../tensor/tensor.js";
import type { ZeroconvBackend } from "./backend.js";
import type { KernelArgs } from "./kernel.js";

export interface Fused {
  bias: Input | null;
  activation: Activation;
  alpha?: number | Input;
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
 * A bias or prelu slope tensor as one value per channel, when tfjs broadcasts it that way (in WASM
 * memory, where its entry keeps it); undefined when there is none, null when it broadcasts some
 * other way.
 */
function perChannel(
  backend: ZeroconvBackend,
  t: TensorInfo | undefined,
  channels: number,
  rank: number,
  axis: number,
): Input | null | undefined {
  if (t === undefined) return undefined;
  if (t.dtype !== "float32" || t.shape.length > rank) return null;
  const size = util.sizeFromShape(t.shape);
  const s = t.shape;
  // tfjs-backend-cpu's FusedConv2D takes an NCHW rank-1 [C] as the channels' (reshaped to [C, 1, 1]).
  const at = s.length === 1 && size === channels ? 0 : s.length - 1 - axis;
  if (!s.every((d, i) => d === 1 || (i === at && d === channels))) return null;
  if (size === channels) return backend.resident({ ...t, shape: [channels] });
  if (size !== 1) return null;
  const value = (backend.data.get(t.dataId).values as Float32Array)[0];
  return new Tensor(new Float32Array(channels).fill(value), [channels]);
}
