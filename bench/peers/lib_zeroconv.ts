// zeroconv through its public API, as a user calls it: Tensors wrap typed arrays, every call copies
// its inputs (weights included) into WASM memory and returns a Tensor whose data is a fresh
// Float32Array. With `out` (the zeroconv-fma-out variant), W1, W2 and W4-W6 pass one output
// Tensor, allocated once, as opts.out instead, as a backend that owns its buffers would; W3 and W7
// are left out (SimpleConvNet takes no out).
import { Adam, conv2d, matmul, maxPool2d, SimpleConvNet, Tensor } from "../../src/index.js";
import { networkCase, PARAMS_PATH, testBatches, type Library } from "./common.js";

export function zeroconvLibrary(info: Library["info"], { out: reuse = false } = {}): Library {
  /** The output array of a case: one Tensor for every call with `out`, else none (each call allocates). */
  const outFor = (shape: number[]) =>
    reuse ? new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape) : undefined;
  const conv = (x: Tensor, W: Tensor, bias: Tensor | null, stride: number, pad: number) => {
    const [N, , H, Wd] = x.shape,
      [FN, , FH, FW] = W.shape;
    const out = outFor([
      N,
      FN,
      Math.floor((H + 2 * pad - FH) / stride) + 1,
      Math.floor((Wd + 2 * pad - FW) / stride) + 1,
    ]);
    const run = () => conv2d(x, W, bias, { stride, pad, out }).data;
    return { run, output: async () => run() };
  };
  const cases: Library["cases"] = {
    W1: async (d) => {
      const p = d.params();
      return conv(
        new Tensor(await d.w1x(), [100, 1, 28, 28]),
        new Tensor(p.W1, [30, 1, 5, 5]),
        new Tensor(p.b1, [30]),
        1,
        0,
      );
    },
    W2: async (d) => {
      const x = new Tensor(await d.w2x(), [100, 30, 24, 24]);
      const out = outFor([100, 30, 12, 12]);
      const run = () => maxPool2d(x, { poolH: 2, poolW: 2, stride: 2, out }).data;
      return { run, output: async () => run() };
    },
    W4: async (d) => {
      const { x, W } = d.w4();
      return conv(new Tensor(x, [1, 64, 56, 56]), new Tensor(W, [64, 64, 3, 3]), null, 1, 1);
    },
    W5: async (d) => {
      const { x, W } = d.w5();
      return conv(new Tensor(x, [1, 3, 224, 224]), new Tensor(W, [64, 3, 7, 7]), null, 2, 3);
    },
    W6: async (d) => {
      const { a, b } = d.w6();
      const [ta, tb] = [new Tensor(a, [512, 512]), new Tensor(b, [512, 512])];
      const out = outFor([512, 512]);
      const run = () => matmul(ta, tb, { out }).data;
      return { run, output: async () => run() };
    },
  };
  if (reuse) return { info, cases };
  cases.W3 = async (d) => {
    const net = new SimpleConvNet();
    net.loadParams(PARAMS_PATH);
    const { xs, t } = await testBatches(d);
    const batches = xs.map((x) => new Tensor(x, [100, 1, 28, 28]));
    return networkCase(t, (i) => net.predict(batches[i]).data);
  };
  cases.W7 = async (d) => {
    // From the book's weights, Adam lr 0.001, cycling through the first 20 training batches.
    const net = new SimpleConvNet();
    net.loadParams(PARAMS_PATH);
    const adam = new Adam({ lr: 0.001 });
    const batches = (await d.trainBatches(20)).map(({ x, t }) => ({ x: new Tensor(x, [100, 1, 28, 28]), t }));
    let k = 0;
    return {
      run: () => {
        const { x, t } = batches[k++ % batches.length];
        adam.update(net.params, net.gradient(x, t));
      },
    };
  };
  return { info, cases };
}
