// The book's trained SimpleConvNet ("Deep Learning from Scratch" ch.7, ../shared/fixtures/params.pkl)
// run by zeroconv and by the book's NumPy layers (test/reference/book_params.py, run here each time:
// the weights stay out of the repository). conv -> relu -> 2x2 stride-2 pooling -> affine -> relu ->
// affine on two synthetic digits, a "0" and a "7".
//
// Tolerance: |got - want| <= 1e-4 * max|want| over each tensor (zeroconv computes in float32,
// NumPy in float64 with the unrounded weights). Every stage takes zeroconv's own previous result,
// so errors accumulate through the network as they would in use.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { conv2d, Convolution, init, matmul, maxPool2d, Pooling, Tensor, type TensorLike } from "../src/index.js";
import { expectRelClose, type Stored } from "./util.js";
import { needs, paramsPath } from "./requirements.js";

interface BookRun {
  W1: Stored;
  b1: Stored;
  W2: Stored;
  b2: Stored;
  W3: Stored;
  b3: Stored;
  x: Stored;
  conv: Stored;
  relu: Stored;
  pool: Stored;
  hidden: Stored;
  scores: Stored;
  predicted: number[];
}

const scriptPath = fileURLToPath(new URL("./reference/book_params.py", import.meta.url));
const book = needs(
  "test/book-params.test.ts",
  "zeroconv runs the book's trained SimpleConvNet (../shared/fixtures/params.pkl) as NumPy does",
  { params: true, numpy: true },
);

const relu = (t: TensorLike): Tensor =>
  new Tensor(
    Float32Array.from(t.data, (v) => Math.max(v, 0)),
    Array.from(t.shape),
  );

/** a [M, K] x b [K, N] + bias [N] by zeroconv's matmul, then the bias in JS. */
function affine(a: TensorLike, w: Stored, b: Stored): Tensor {
  const y = matmul(a, w);
  const [M, N] = y.shape;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) y.data[i * N + j] += b.data[j];
  return y;
}

const argmaxRows = (t: TensorLike): number[] => {
  const [M, N] = Array.from(t.shape);
  return Array.from({ length: M }, (_, i) => {
    let best = 0;
    for (let j = 1; j < N; j++) if (t.data[i * N + j] > t.data[i * N + best]) best = j;
    return best;
  });
};

describe.skipIf(book.skip)(book.title, () => {
  let book: BookRun;

  beforeAll(async () => {
    await init();
    const run = spawnSync("python3", [scriptPath, paramsPath], {
      encoding: "utf8",
      maxBuffer: 256 << 20,
      timeout: 120_000,
    });
    if (run.status !== 0)
      throw new Error(`book_params.py failed (status ${run.status}): ${run.error?.message ?? run.stderr}`);
    book = JSON.parse(run.stdout) as BookRun;
  }, 120_000);

  it("the script saw the book's weights and an input of [2, 1, 28, 28] in [0, 1]", () => {
    expect(book.W1.shape).toEqual([30, 1, 5, 5]);
    expect(book.W2.shape).toEqual([4320, 100]);
    expect(book.W3.shape).toEqual([100, 10]);
    expect(book.x.shape).toEqual([2, 1, 28, 28]);
    expect(book.x.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("conv2d and Convolution.forward with W1, b1 give the book's conv output [2, 30, 24, 24]", () => {
    expectRelClose("conv2d", conv2d(book.x, book.W1, book.b1), book.conv);
    const layer = new Convolution(book.W1, book.b1);
    expectRelClose("Convolution.forward", layer.forward(book.x), book.conv);
    layer.dispose();
    expectRelClose("relu(conv2d)", relu(conv2d(book.x, book.W1, book.b1)), book.relu);
  });

  it("2x2 stride-2 pooling of the relu gives the book's [2, 30, 12, 12]", () => {
    const r = relu(conv2d(book.x, book.W1, book.b1));
    expectRelClose("maxPool2d", maxPool2d(r, { poolH: 2, poolW: 2 }), book.pool);
    const layer = new Pooling(2, 2, 2);
    expectRelClose("Pooling.forward", layer.forward(r), book.pool);
    layer.dispose();
  });

  it("the full forward pass gives the book's scores [2, 10] and the same digits (0 and 7)", () => {
    const pooled = maxPool2d(relu(conv2d(book.x, book.W1, book.b1)), { poolH: 2, poolW: 2 });
    const flat = new Tensor(pooled.data, [2, 4320]);
    const hidden = relu(affine(flat, book.W2, book.b2));
    expectRelClose("hidden relu(pool x W2 + b2)", hidden, book.hidden);
    const scores = affine(hidden, book.W3, book.b3);
    expectRelClose("scores", scores, book.scores);
    expect(book.predicted).toEqual([0, 7]);
    expect(argmaxRows(scores)).toEqual(book.predicted);
  });
});
