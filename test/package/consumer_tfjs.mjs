// zeroconv/tfjs from the installed tarball, with @tensorflow/tfjs installed beside it as a user
// would (tfjs-core alone registers no gradients in Node): a strided "same" conv, a fused
// depthwise conv and a max-pool with their gradients on "zeroconv" against tfjs's "cpu" backend,
// and zeroconv's kernels seen to run (under tf.grads tfjs runs a fused op unfused).
import * as tf from "@tensorflow/tfjs";
import { kernelStats, registerBackend } from "zeroconv/tfjs";

await registerBackend();
const x = tf.randomUniform([2, 11, 9, 3], -1, 1, "float32", 1);
const w = tf.randomUniform([3, 3, 3, 5], -1, 1, "float32", 2);
const dw = tf.randomUniform([3, 3, 5, 2], -1, 1, "float32", 3);
const net = (x, w, dw) => {
  const y = tf.conv2d(x, w, 2, "same");
  const z = tf.fused.depthwiseConv2d({ x: y, filter: dw, strides: 1, pad: "same", activation: "relu6" });
  return tf.sum(tf.maxPool(z, 2, 1, "valid"));
};
const run = () =>
  tf
    .grads(net)([x, w, dw])
    .map((t) => t.dataSync());
await tf.setBackend("cpu");
const want = run();
await tf.setBackend("zeroconv");
const got = run();
let worst = 0;
want.forEach((a, i) => a.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - got[i][j]) / (1 + Math.abs(v))))));
const ran = Object.entries(kernelStats())
  .filter(([, c]) => c.zeroconv > 0)
  .map(([k]) => k);
for (const k of [
  "Conv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNativeBackpropFilter",
  "MaxPool",
  "MaxPoolGrad",
]) {
  if (!ran.includes(k)) throw new Error(`${k} did not run on zeroconv (ran: ${ran.join(", ")})`);
}
if (!(worst < 1e-4)) throw new Error(`gradients differ from cpu's: worst relative error ${worst}`);
console.log(JSON.stringify({ node: process.versions.node, tfjs: tf.version_core, worst, ranOnZeroconv: ran.length }));
