// The activations a kernel fuses into its store (tfjs's fused set), checked once and handed to
// assembly/elementwise/epilogue.ts by code.
import { describe } from "../tensor/tensor.js";
import type { Input } from "../runtime/memory.js";
import { checkTensor } from "../tensor/validate.js";
import type { Kernels } from "../runtime/wasm.js";

export type Activation = "linear" | "relu" | "relu6" | "leakyRelu" | "prelu" | "elu" | "sigmoid";

/** The codes of epilogue.ts's ACT_* constants. */
const CODES: Record<Activation, number> = { linear: 0, relu: 1, relu6: 2, leakyRelu: 3, prelu: 4, elu: 5, sigmoid: 6 };

export interface FusedActivation {
  code: number;
  /** leakyRelu's slope for negative inputs. */
  alpha: number;
  /** prelu's slope per channel (a WasmTensor only where the op takes them). */
  prelu: Input | null;
}

export const NO_ACTIVATION: FusedActivation = { code: 0, alpha: 0, prelu: null };

/**
 * `alpha` is leakyRelu's slope (default 0.2, tfjs's) or prelu's tensor of one slope per channel
 * (required); for every other activation it must be absent, since it would be silently ignored.
 */
export function checkActivation(
  fn: string,
  activation: unknown,
  alpha: unknown,
  channels: number,
  channelName: string,
): FusedActivation {
  if (activation === undefined) activation = "linear";
  if (typeof activation !== "string" || !Object.hasOwn(CODES, activation)) {
    throw new TypeError(
      `${fn}: activation must be one of ${Object.keys(CODES)
        .map((a) => `"${a}"`)
        .join(", ")}; got ${describe(activation)}`,
    );
  }
  const code = CODES[activation as Activation];
  if (activation === "leakyRelu") {
    if (alpha === undefined) return { code, alpha: 0.2, prelu: null };
    if (typeof alpha !== "number" || !Number.isFinite(alpha)) {
      throw new TypeError(`${fn}: alpha for "leakyRelu" must be a finite number; got ${describe(alpha)}`);
    }
    return { code, alpha, prelu: null };
  }
  if (activation === "prelu") {
    if (alpha === undefined) {
      throw new TypeError(`${fn}: activation "prelu" needs alpha, a tensor of one slope per ${channelName}`);
    }
    const [n] = checkTensor(fn, "alpha", alpha, [channelName]);
    if (n !== channels) {
      throw new RangeError(
        `${fn}: alpha for "prelu" must have shape [${channels}], one per ${channelName}; got [${n}]`,
      );
    }
    return { code, alpha: 0, prelu: alpha as Input };
  }
  if (alpha !== undefined) {
    throw new TypeError(`${fn}: alpha is for "leakyRelu" and "prelu" only; activation is "${activation}"`);
  }
  return { code, alpha: 0, prelu: null };
}

/** Arms `k`'s one-shot epilogue for its next GEMM or depthwise call; axis 1: channels are rows, 2: columns. */
export function setEpilogue(k: Kernels, pBias: number, axis: 1 | 2, act: FusedActivation, pPrelu: number): void {
  if (pBias !== 0 || act.code !== 0) k.epilogue_set(pBias, axis, act.code, act.alpha, pPrelu);
}
