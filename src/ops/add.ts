// The residual connection of ResNet and MobileNetV2: a + b of one shape, with ResNet's relu after
// it fused into the same call. With WasmTensors it is what keeps a whole network in WASM memory.
import type { Tensor, TensorLike } from "../tensor/tensor.js";
import { formatShape } from "../tensor/tensor.js";
import { checkAnyTensor } from "../tensor/validate.js";
import { WasmTensor } from "../tensor/wasm_tensor.js";
import { floatsIn, placeInput, placement, withResult, type Input, type OutTensor } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { checkOptions } from "./options.js";

export interface AddOptions {
  /** "relu" applies max(0, a + b) (NaN stays NaN) in the same call; default "linear". */
  activation?: "linear" | "relu";
  /** Where to write the result, of exactly its shape (see conv2d's `out`); not with WasmTensors. */
  out?: OutTensor | null;
}

const ADD_KEYS = ["activation", "out"] as const;
/** assembly/elementwise/binary.ts's code for a + b. */
const ADD = 0;

/** a + b element by element, a and b of one shape; a WasmTensor when either is one. */
export function add(a: TensorLike, b: TensorLike, opts?: AddOptions): Tensor;
export function add(a: WasmTensor, b: Input, opts?: AddOptions): WasmTensor;
export function add(a: Input, b: WasmTensor, opts?: AddOptions): WasmTensor;
export function add(a: Input, b: Input, opts?: AddOptions): Tensor | WasmTensor;
export function add(a: Input, b: Input, opts?: AddOptions): Tensor | WasmTensor {
  const fn = "add";
  const o = checkOptions<AddOptions>(fn, opts, ADD_KEYS, '{ activation: "relu" }');
  if (o.activation !== undefined && o.activation !== "linear" && o.activation !== "relu") {
    throw new TypeError(`${fn}: opts.activation must be "linear" or "relu"; got ${JSON.stringify(o.activation)}`);
  }
  const as = checkAnyTensor(fn, "a", a);
  const bs = checkAnyTensor(fn, "b", b);
  if (as.length !== bs.length || as.some((d, i) => d !== bs[i])) {
    throw new RangeError(`${fn}: b must have a's shape ${formatShape(as)}; got ${formatShape(bs)}`);
  }
  const rt = getRuntime();
  const n = as.reduce((p, d) => p * d, 1);
  const place = placement(
    fn,
    b instanceof WasmTensor ? b : a,
    o.out,
    as,
    as.map((_, i) => `d${i}`),
  );
  return withResult(rt, fn, as, place, [floatsIn(a), floatsIn(b)], ([a0, b0], py) => {
    rt.kernels.binary(ADD, placeInput(rt, fn, "a", a0, a), placeInput(rt, fn, "b", b0, b), n, py);
    if (o.activation === "relu") rt.kernels.relu_forward(py, n, py);
  });
}
