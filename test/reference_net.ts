// The book's SimpleConvNet in float64, forward and backward, composed from the scalar layer
// references in the book's order (conv, relu, pool, affine, relu, affine, softmax-with-loss): the
// network's independent check.
import {
  refAffine,
  refAffineBackward,
  refConv2d,
  refConv2dBackward,
  refMaxPool,
  refMaxPoolBackward,
  refRelu,
  refReluBackward,
  refSoftmaxLoss,
  refSoftmaxLossBackward,
  type Ref,
} from "./reference.js";

export interface RefParams {
  W1: Ref;
  b1: Ref;
  W2: Ref;
  b2: Ref;
  W3: Ref;
  b3: Ref;
}
export interface RefConv {
  stride: number;
  pad: number;
}

/** Scores, and everything backward needs, for x [N, C, H, W]. */
export function refForward(p: RefParams, conv: RefConv, x: Ref) {
  const c = refConv2d(x, p.W1, p.b1, conv.stride, conv.pad);
  const r = refRelu(c);
  const pool = refMaxPool(r, 2, 2, 2, 2, 0);
  const h = refAffine(pool.y, p.W2, p.b2);
  const hr = refRelu(h);
  const scores = refAffine(hr, p.W3, p.b3);
  return { c, r, pool, h, hr, scores };
}

/** Mean cross-entropy with the book's log(y + 1e-7), and the six gradients. */
export function refLossAndGradient(p: RefParams, conv: RefConv, x: Ref, labels: ArrayLike<number>) {
  const f = refForward(p, conv, x);
  const { y, loss } = refSoftmaxLoss(f.scores, labels);
  const g3 = refAffineBackward(f.hr, p.W3, refSoftmaxLossBackward(y, labels, 1));
  const g2 = refAffineBackward(f.pool.y, p.W2, refReluBackward(f.h, g3.dx));
  const dr = refMaxPoolBackward(f.r.shape, f.pool.argmax, g2.dx);
  const g1 = refConv2dBackward(x, p.W1, refReluBackward(f.c, dr), conv.stride, conv.pad);
  return { loss, grads: { W1: g1.dW, b1: g1.db, W2: g2.dW, b2: g2.db, W3: g3.dW, b3: g3.db } };
}
