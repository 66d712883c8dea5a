// A TypeScript user's code (the API both entries share), type-checked, never run, against the
// installed tarball's .d.ts under two module resolutions: node16 (Node's own rules, exports conditions "node" + "types") and
// bundler (Vite, esbuild). A type error here means the published types do not resolve.
import { type ConvOptions, conv2d, type InitResult, init, maxPool2d, SimpleConvNet, Tensor } from "zeroconv";

const ready: InitResult = await init({ threads: 1 });
const build: "simd" | "relaxed-simd" = ready.build;
const options: ConvOptions = { stride: [2, 1], pad: "same", activation: "relu" };
const y: Tensor = conv2d(
  new Tensor(new Float32Array(16), [1, 1, 4, 4]),
  new Tensor(new Float32Array(9), [1, 1, 3, 3]),
  null,
  options,
);
const p: Tensor = maxPool2d(y, { poolH: 2, poolW: 2 });
const net = new SimpleConvNet();
const accuracy: number = net.accuracy(p, new Uint8Array(1));
// @ts-expect-error: an unknown option key is a type error as well as a runtime one.
conv2d(y, y, null, { strides: 2 });
export { accuracy, build, p };
