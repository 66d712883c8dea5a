// How a zeroconv kernel stands in for one of tfjs-backend-cpu's: it reads its inputs from the CPU
// backend's typed arrays, runs a zeroconv op, and hands the result back as a new tensor of that
// backend. A case it cannot serve (another dtype, an empty tensor, a broadcast zeroconv has no
// form for) returns null and runs the CPU kernel it replaced, so no model that ran on "cpu" fails
// on "zeroconv".
import { getKernel, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { Tensor, TensorLike } from "../tensor/tensor.js";

export const BACKEND_NAME = "zeroconv";

export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: MathBackendCPU;
  // biome-ignore lint/suspicious/noExplicitAny: tfjs's NamedAttrMap; every kernel reads its own attributes.
  attrs: Record<string, any>;
}

/** A zeroconv kernel: its result, or null for "let the CPU kernel do it". */
export type ZeroconvKernel = (args: KernelArgs) => TensorInfo | null;

/** How often each kernel ran on zeroconv and how often it went to the CPU kernel. */
export type KernelStats = Record<string, { zeroconv: number; cpu: number }>;

const stats: KernelStats = {};

/** A copy of the counts since the module loaded (or since `reset`). */
export function kernelStats(reset = false): KernelStats {
  const copy = structuredClone(stats);
  // In place: each kernel holds its own counts object.
  if (reset) for (const count of Object.values(stats)) Object.assign(count, { zeroconv: 0, cpu: 0 });
  return copy;
}

/** The backend's config for `kernelName`: the zeroconv kernel, falling back to the CPU one. */
export function kernelConfig(kernelName: string, kernel: ZeroconvKernel): KernelConfig {
  const cpu = getKernel(kernelName, "cpu");
  if (cpu === undefined) {
    throw new Error(
      `zeroconv/tfjs: tfjs-backend-cpu registers no ${kernelName} kernel; import @tensorflow/tfjs-backend-cpu first`,
    );
  }
  const count = { zeroconv: 0, cpu: 0 };
  stats[kernelName] = count;
  const kernelFunc: KernelFunc = (args) => {
    const result = kernel(args as unknown as KernelArgs);
    if (result !== null) {
      count.zeroconv++;
      return result;
    }
    count.cpu++;
    return cpu.kernelFunc(args);
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc };
}

/** The tensors' float32 arrays, or null when one is missing, of another dtype, or empty. */
export function floats(backend: MathBackendCPU, ...tensors: (TensorInfo | undefined)[]): TensorLike[] | null {
  const out: TensorLike[] = [];
  for (const t of tensors) {
    if (t === undefined || t.dtype !== "float32" || t.shape.some((d) => d === 0)) return null;
    out.push({ shape: t.shape, data: backend.data.get(t.dataId).values as Float32Array });
  }
  return out;
}

/** zeroconv's result as a tensor of the CPU backend, in tfjs's shape for it. */
export function output(backend: MathBackendCPU, t: Tensor, shape: readonly number[] = t.shape): TensorInfo {
  return backend.makeTensorInfo([...shape], "float32", t.data);
}
