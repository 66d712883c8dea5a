// Transposed convolution (U-Net's and GANs' upsampling): the adjoint of conv2d as a layer of its
// own. x is what conv2d would output, W is conv2d's filter, and the result has the shape of what
// conv2d would take: y = conv2dBackpropInput(x, W, yShape), then bias and activation.
import { formatShape, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { checkTensor } from "../tensor/validate.js";
import { checkOut, placeInput, readResult, withBuffers, writeFloats } from "../runtime/memory.js";
import { getRuntime } from "../runtime/wasm.js";
import { checkActivation, setEpilogue } from "./activation.js";
import { checkBias, type ConvOptions } from "./conv2d.js";
import { convBackpropInputAll, convGradScratch } from "./conv_backward.js";
import { convParams, filterDims, geometryFor, imageDims, inLayout, nchw } from "./conv_geometry.js";
import { checkOptions, checkPair, type Pair } from "./options.js";

export interface ConvTransposeOptions extends ConvOptions {
  /**
   * Extra rows and columns at the bottom and right of the output, `n` or `[oh, ow]`, each below
   * that axis's stride (default 0): conv2d maps several input sizes to one output size, and this
   * picks which one the transpose gives back. With pad "same" the output is x's size times the
   * stride and outputPadding must be 0.
   */
  outputPadding?: Pair;
}

const KEYS = ["stride", "pad", "dilation", "groups", "layout", "outputPadding", "activation", "alpha", "out"] as const;

/**
 * x [N, FN, H', W'] (NHWC: [N, H', W', FN]), W conv2d's filter [FN, C/groups, FH, FW] (NHWC: HWIO
 * [FH, FW, C/groups, FN], tfjs's conv2dTranspose filter), b [C] -> [N, C, H, W] with
 * H = (H' - 1)·sh - top - bottom + (FH - 1)·dh + 1 + outputPadding.
 */
export function conv2dTranspose(
  x: TensorLike,
  W: TensorLike,
  b?: TensorLike | null,
  opts?: ConvTransposeOptions,
): Tensor {
  const fn = "conv2dTranspose";
  const o = checkOptions<ConvTransposeOptions>(fn, opts, KEYS, "{ stride: 2, pad: 0 }");
  const p = convParams(fn, o);
  const [oh, ow] = checkPair(fn, "outputPadding", o.outputPadding ?? 0, 0);
  const xShape = checkTensor(fn, "x", x, imageDims(p.layout, "FN"));
  const wShape = checkTensor(fn, "W", W, filterDims(p.layout));
  const [N, FN, Hi, Wi] = nchw(p.layout, xShape);
  const [wFN, Cg, FH, FW] = p.layout === "NCHW" ? wShape : [wShape[3], wShape[2], wShape[0], wShape[1]];
  if (wFN !== FN) {
    throw new RangeError(
      `${fn}: x has ${FN} channels but W has FN = ${wFN} filters; x is ${formatShape(xShape)}, W is ${formatShape(wShape)}`,
    );
  }
  if (FN % p.groups !== 0) {
    throw new RangeError(`${fn}: groups = ${p.groups} must divide W's FN = ${FN}`);
  }
  if (oh >= p.sy || ow >= p.sx) {
    throw new RangeError(
      `${fn}: outputPadding must be below the stride on each axis (${p.sy}, ${p.sx}); got [${oh}, ${ow}]`,
    );
  }
  if (p.pad === "same" && (oh > 0 || ow > 0)) {
    throw new RangeError(
      `${fn}: pad "same" gives x's size times the stride: outputPadding must be 0; got [${oh}, ${ow}]`,
    );
  }
  const span = (size: number, d: number) => (size - 1) * d + 1;
  const pads = p.pad === "same" ? null : p.pad;
  const H = pads ? (Hi - 1) * p.sy - pads.top - pads.bottom + span(FH, p.dh) + oh : Hi * p.sy;
  const Wd = pads ? (Wi - 1) * p.sx - pads.left - pads.right + span(FW, p.dw) + ow : Wi * p.sx;
  if (H < 1 || Wd < 1) {
    throw new RangeError(
      `${fn}: the padding leaves an output of ${H}x${Wd}; x ${formatShape(xShape)} with a ${FH}x${FW} filter ` +
        `at stride (${p.sy}, ${p.sx}) spans ${span(FH, p.dh) + (Hi - 1) * p.sy}x${span(FW, p.dw) + (Wi - 1) * p.sx} before padding`,
    );
  }
  const C = Cg * p.groups;
  const g = geometryFor(fn, p, N, C, H, Wd, FN, FH, FW);
  const hasBias = b !== undefined && b !== null;
  if (hasBias) checkBias(fn, "b", b, C);
  const act = checkActivation(fn, o.activation, o.alpha, C, "output channel");
  const yShape = inLayout(p.layout, N, C, H, Wd);
  const out = checkOut(fn, o.out, yShape, imageDims(p.layout));
  const rt = getRuntime();
  const prelu = act.prelu;
  const sizes = [
    x.data.length,
    W.data.length,
    hasBias ? C : 0,
    prelu ? C : 0,
    N * C * H * Wd,
    ...convGradScratch(rt, g),
  ];
  return withBuffers(rt, fn, sizes, ([px, pw, pb, pa, py, ...scratch]) => {
    writeFloats(rt, px, x.data);
    writeFloats(rt, pw, W.data);
    if (hasBias) writeFloats(rt, pb, b.data);
    const slopes = prelu ? placeInput(rt, fn, "opts.alpha", pa, prelu) : 0;
    convBackpropInputAll(rt, g, px, pw, py, scratch);
    // Bias and activation: a pass of its own, since col2im accumulates into every output pixel.
    const k = rt.kernels;
    const bias = hasBias ? pb : 0;
    if (p.layout === "NHWC") {
      setEpilogue(k, bias, 2, act, slopes);
      k.epilogue_apply(py, N * H * Wd, C);
    } else {
      for (let n = 0; n < N; n++) {
        setEpilogue(k, bias, 1, act, slopes);
        k.epilogue_apply(py + n * C * H * Wd * 4, C, H * Wd);
      }
    }
    return readResult(rt, py, yShape, out);
  });
}
