import { beforeAll, describe, expect, it } from "vitest";
import { init, matmul } from "../src/index.js";
import { getRuntime } from "../src/wasm.js";
import { readTensor, sgemmWorkspaceFloats, withBuffers, writeFloats } from "../src/memory.js";
import { refMatmul, type Ref } from "./reference.js";
import { expectClose, randInt, randTensor, rng } from "./util.js";

beforeAll(async () => { await init(); });

// Sizes around the 4x8 tile and the MC = 128, KC = 256, NC = 1024 cache blocks.
const edges: [number, number, number][] = [
  [1, 1, 1], [4, 8, 1], [3, 7, 5], [5, 9, 4], [33, 17, 13], [128, 64, 256], [129, 65, 257],
  [130, 9, 600], [2, 1030, 3], [7, 1100, 300], [300, 33, 20],
];

describe("matmul", () => {
  it("matches the scalar reference on 200 random shapes and the tile/block edges", () => {
    const r = rng(42);
    const shapes = [...edges, ...Array.from({ length: 200 }, () => [randInt(r, 1, 70), randInt(r, 1, 70), randInt(r, 1, 70)])];
    shapes.forEach(([M, N, K], i) => {
      const a = randTensor(rng(i), [M, K]), b = randTensor(rng(i + 77), [K, N]);
      try {
        expectClose(matmul(a.t, b.t), refMatmul(a.ref, b.ref), 1e-5);
      } catch (e) {
        throw new Error(`[${M},${K}] x [${K},${N}]: ${(e as Error).message}`);
      }
    });
  });

  it("keeps NaN and Infinity as IEEE arithmetic does", () => {
    const y = matmul({ shape: [2, 2], data: [NaN, 0, Infinity, 1] }, { shape: [2, 1], data: [1, 1] });
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(y.data[1]).toBe(Infinity);
  });
});

/** The reference for C = op(A) op(B) + beta C with explicit strides, element by element. */
function refStrided(M: number, N: number, K: number, a: Ref, rsA: number, csA: number, b: Ref, rsB: number, csB: number, beta: number, c: Ref): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = beta * c.data[i * N + j];
      for (let k = 0; k < K; k++) s += a.data[i * rsA + k * csA] * b.data[k * rsB + j * csB];
      out[i * N + j] = s;
    }
  return out;
}

describe("sgemm kernel (transposed operands and beta, as the layers call it)", () => {
  it("handles A and B transposed through strides, and beta = 0 / 1", () => {
    const rt = getRuntime();
    const r = rng(3);
    const shapes = [...edges, ...Array.from({ length: 60 }, () => [randInt(r, 1, 40), randInt(r, 1, 40), randInt(r, 1, 300)])];
    shapes.forEach(([M, N, K], i) => {
      for (const transA of [false, true]) for (const transB of [false, true]) {
        const beta = (i + Number(transA)) % 2;
        const a = randTensor(rng(i), transA ? [K, M] : [M, K]);
        const b = randTensor(rng(i + 1), transB ? [N, K] : [K, N]);
        const c = randTensor(rng(i + 2), [M, N]);
        // A NaN in C must not leak through when beta = 0.
        if (beta === 0) c.t.data[0] = NaN;
        const [rsA, csA] = transA ? [1, M] : [K, 1];
        const [rsB, csB] = transB ? [1, K] : [N, 1];
        const got = withBuffers(rt, "test", [M * K, K * N, M * N, sgemmWorkspaceFloats(rt)], ([pa, pb, pc, work]) => {
          writeFloats(rt, pa, a.t.data);
          writeFloats(rt, pb, b.t.data);
          writeFloats(rt, pc, c.t.data);
          rt.kernels.sgemm(M, N, K, pa, rsA, csA, pb, rsB, csB, beta, pc, N, work);
          return readTensor(rt, pc, [M, N]);
        });
        const want = refStrided(M, N, K, a.ref, rsA, csA, b.ref, rsB, csB, beta, beta ? c.ref : { shape: [M, N], data: new Float64Array(M * N) });
        try {
          expectClose(got, { shape: [M, N], data: want }, 1e-5);
        } catch (e) {
          throw new Error(`M=${M} N=${N} K=${K} transA=${transA} transB=${transB} beta=${beta}: ${(e as Error).message}`);
        }
      }
    });
  });
});
