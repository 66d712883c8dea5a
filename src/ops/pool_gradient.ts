// What the pooling gradients check beyond the forward's options: dy must have the forward's
// output shape, and avgPool2dBackward's xShape must be a shape in the layout.
import { describe, formatShape } from "../tensor/tensor.js";
import { checkShape, checkTensor, isArrayLike } from "../tensor/validate.js";
import { imageDims, inLayout, nchw } from "./conv_geometry.js";
import type { Layout } from "./options.js";
import { outputDims, outputShape, type PoolGeometry2d } from "./pool_geometry.js";

export function checkGradient(fn: string, dy: unknown, g: PoolGeometry2d): void {
  const dims = outputDims(g.layout);
  const got = checkTensor(fn, "dy", dy, dims);
  const want = outputShape(g);
  if (got.some((d, i) => d !== want[i])) {
    throw new RangeError(
      `${fn}: dy must have the forward's output shape ${formatShape(want)} [${dims.join(", ")}] for x ` +
        `${formatShape(inLayout(g.layout, g.N, g.C, g.H, g.W))} and these options; got ${formatShape(got)}`,
    );
  }
}

/** [N, C, H, W] from an xShape argument in `layout`. */
export function checkXShape(fn: string, xShape: unknown, layout: Layout): [number, number, number, number] {
  const dims = imageDims(layout);
  if (!isArrayLike(xShape)) {
    throw new TypeError(
      `${fn}: xShape must be x's shape, an array of sizes [${dims.join(", ")}]; got ${describe(xShape)}`,
    );
  }
  return nchw(layout, checkShape(fn, "xShape", xShape, dims));
}
