import { beforeAll, describe, expect, it } from "vitest";
import {
  Adam,
  Affine,
  conv2d,
  Convolution,
  im2col,
  init,
  maxPool2d,
  memoryStats,
  Pooling,
  Relu,
  SoftmaxWithLoss,
  Tensor,
} from "../src/index.js";
import { randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

describe("memory", () => {
  it("10,000 forward/backward calls of varied shapes leave WASM memory flat after the first few", () => {
    const shapes = [
      { N: 4, C: 1, H: 28, W: 28, FN: 6, F: 5, pad: 0 },
      { N: 1, C: 3, H: 17, W: 9, FN: 2, F: 3, pad: 1 },
      { N: 2, C: 2, H: 12, W: 12, FN: 8, F: 1, pad: 0 },
      { N: 3, C: 4, H: 8, W: 11, FN: 3, F: 4, pad: 2 },
    ];
    const nets = shapes.map((s, i) => ({
      s,
      x: randTensor(rng(i), [s.N, s.C, s.H, s.W]).t,
      conv: new Convolution(
        randTensor(rng(10 + i), [s.FN, s.C, s.F, s.F]).t,
        randTensor(rng(20 + i), [s.FN]).t,
        1,
        s.pad,
      ),
      pool: new Pooling(2, 2, 2),
    }));
    const step = (i: number) => {
      // A pseudo-random order, so frees and reallocations interleave differently each time.
      const net = nets[(i * 7 + (i >> 3)) % nets.length];
      const y = net.conv.forward(net.x);
      const p = net.pool.forward(y);
      net.conv.backward(net.pool.backward(p));
    };
    for (let i = 0; i < 100; i++) step(i);
    const settled = memoryStats().memoryBytes;
    for (let i = 100; i < 10_000; i++) step(i);
    expect(memoryStats().memoryBytes).toBe(settled);
    for (const n of nets) {
      n.conv.dispose();
      n.pool.dispose();
    }
    expect(memoryStats().bytesInUse).toBe(0);
  });

  it("plain calls hold nothing afterwards", () => {
    const x = randTensor(rng(1), [2, 3, 16, 16]).t;
    im2col(x, 3, 3, 1, 1, "kernel");
    im2col(x, 3, 3, 1, 1, "output");
    conv2d(x, randTensor(rng(2), [4, 3, 3, 3]).t);
    maxPool2d(x, { poolH: 2, poolW: 2 });
    expect(memoryStats().bytesInUse).toBe(0);
  });

  it("[Symbol.dispose]() frees what each memory-holding object holds, as dispose() does (`using` blocks)", () => {
    expect(typeof Symbol.dispose).toBe("symbol"); // Node 20.20 has it; browsers without it fall back to dispose()
    const x = new Tensor(new Float32Array(2 * 3 * 6 * 6).fill(0.5), [2, 3, 6, 6]);
    const before = memoryStats().bytesInUse;
    const holders: Disposable[] = [];
    const conv = new Convolution(
      new Tensor(new Float32Array(2 * 3 * 3 * 3).fill(0.1), [2, 3, 3, 3]),
      new Tensor(new Float32Array(2), [2]),
    );
    conv.forward(x);
    const pool = new Pooling(2, 2);
    pool.forward(x);
    const relu = new Relu();
    relu.forward(x);
    const affine = new Affine(new Tensor(new Float32Array(108 * 4), [108, 4]), new Tensor(new Float32Array(4), [4]));
    affine.forward(x);
    const loss = new SoftmaxWithLoss();
    loss.forward(new Tensor(new Float32Array(8), [2, 4]), [0, 1]);
    const adam = new Adam();
    adam.update(
      { w: new Tensor(new Float32Array(10), [10]) },
      { w: { shape: [10], data: new Float32Array(10).fill(1) } },
    );
    holders.push(conv, pool, relu, affine, loss, adam);
    expect(memoryStats().bytesInUse).toBeGreaterThan(before);
    for (const h of holders) h[Symbol.dispose]();
    expect(memoryStats().bytesInUse).toBe(before);
    expect(() => conv.forward(x)).toThrow(TypeError);
  });
});
