// tfjs's depthwise convolutions on zeroconv, forward and gradients, in TensorFlow's filter layout
// [FH, FW, C, M]. tfjs-backend-cpu computes these in NHWC whatever the dataFormat says; so does this.
import { backend_util, type TensorInfo } from "@tensorflow/tfjs-core";
import { depthwiseConv2d } from "../ops/conv2d.js";
import { depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from "../ops/conv2d_grad.js";
import type { Input } from "../runtime/memory.js";
import { output, resident, served, type KernelArgs, type ZeroconvKernel } from "./kernel.js";
import { fusedOf, NONE } from "./fused.js";
import { windowOf, type Window } from "./windows.js";

type Shape4 = [number, number, number, number];

/** The window, or null where zeroconv's sizes differ or tfjs refuses (strides and dilations both above 1). */
function depthwiseWindow(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: KernelArgs["attrs"],
  dy?: { shape: readonly number[] },
): Window | null {
  const dilations = attrs.dilations ?? 1;
  if (!backend_util.eitherStridesOrDilationsAreOne(attrs.strides, dilations)) return null;
  const ci = backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  return windowOf(ci, dy);
}

function depthwise(args: KernelArgs, fused: boolean): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  if (!served(x) || !served(filter)) return null;
  const w = depthwiseWindow(x.shape, filter.shape, attrs);
  if (w === null) return null;
  const CM = filter.shape[2] * filter.shape[3];
  const f = fused ? fusedOf(args, CM, 4, 0) : NONE;
  if (f === null) return null;
  const t = resident(backend, x, filter) as Input[];
  const y = depthwiseConv2d(t[0], t[1], f.bias, { ...w, activation: f.activation, alpha: f.alpha });
  return output(backend, y);
}

export const depthwiseConv2dNative: ZeroconvKernel = (args) => depthwise(args, false);
export const fusedDepthwiseConv2D: ZeroconvKernel = (args) => depthwise(args, true);

export const depthwiseConv2dNativeBackpropInput: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs;
  if (!served(dy) || !served(filter)) return null;
  const w = depthwiseWindow(attrs.inputShape, filter.shape, attrs, dy);
  if (w === null) return null;
  const [d, W] = resident(backend, dy, filter) as Input[];
  return output(backend, depthwiseConv2dBackpropInput(d, W, attrs.inputShape, w));
};

export const depthwiseConv2dNativeBackpropFilter: ZeroconvKernel = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  if (!served(x) || !served(dy)) return null;
  const w = depthwiseWindow(x.shape, attrs.filterShape, attrs, dy);
  if (w === null) return null;
  const [rx, d] = resident(backend, x, dy) as Input[];
  return output(backend, depthwiseConv2dBackpropFilter(rx, d, attrs.filterShape, w));
};
