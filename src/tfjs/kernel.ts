// How a zeroconv kernel stands in for one of tfjs-backend-cpu's: it reads its inputs where they
// lie in WASM memory (or from the CPU backend's typed arrays, for ops that take only those), runs
// a zeroconv op, and hands the result back as a new tensor of the backend. A case it cannot serve (another dtype, an empty tensor, a broadcast zeroconv has no
// form for) returns null and runs the CPU kernel it replaced, so no model that ran on "cpu" fails
// on "zeroconv".
import { getKernel, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { Input } from "../runtime/memory.js";
import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { WasmTensor } from "../tensor/wasm_tensor.js";
import type { ZeroconvBackend } from "./backend.js";
import { sameShape } from "./windows.js";

export const BACKEND_NAME = "zeroconv";

export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: ZeroconvBackend;
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

/** Whether zeroconv can take the tensor: present, float32 and not empty. */
export const served = (t: TensorInfo | undefined): t is TensorInfo =>
  t !== undefined && t.dtype === "float32" && t.shape.every((d) => d !== 0);

/**
 * The tensors' float32 arrays, for ops that take no WasmTensors, or null when one is missing, of
 * another dtype, or empty. A result left in WASM memory is copied out here, once.
 */
export function floats(backend: ZeroconvBackend, ...tensors: (TensorInfo | undefined)[]): TensorLike[] | null {
  const out: TensorLike[] = [];
  for (const t of tensors) {
    if (!served(t)) return null;
    out.push({ shape: t.shape, data: backend.data.get(t.dataId).values as Float32Array });
  }
  return out;
}

/**
 * The tensors in WASM memory, for ops that read WasmTensors where they lie (their entries keep the
 * copies), or null as floats() says. A dataId given twice under two shapes (x and its reshape) is
 * passed as floats the second time: its one WasmTensor has one shape.
 */
export function resident(backend: ZeroconvBackend, ...tensors: (TensorInfo | undefined)[]): Input[] | null {
  if (!tensors.every(served)) return null;
  const out: Input[] = [];
  for (const t of tensors) {
    const first = tensors.find((u) => u.dataId === t.dataId) as TensorInfo;
    if (first === t || sameShape(first.shape, t.shape)) out.push(backend.resident(t));
    else out.push({ shape: t.shape, data: backend.data.get(t.dataId).values as Float32Array });
  }
  return out;
}

/** zeroconv's result as a tensor of the backend, in tfjs's shape for it; a WasmTensor stays in WASM memory. */
export function output(
  backend: ZeroconvBackend,
  t: Tensor | WasmTensor,
  shape: readonly number[] = t.shape,
): TensorInfo {
  if (!(t instanceof WasmTensor)) return backend.makeTensorInfo([...shape], "float32", t.data);
  return backend.writeResident(sameShape(shape, t.shape) ? t : t.reshape(shape));
}
