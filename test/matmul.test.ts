import { beforeAll, describe, expect, it } from "vitest";
import { init, matmul, memoryStats, Tensor } from "../src/index.js";
import { getRuntime } from "../src/runtime/wasm.js";
import { readTensor, sgemmWorkspaceFloats, withBuffers, writeFloats } from "../src/runtime/memory.js";
import { refMatmul, type Ref } from "./reference.js";
import { badOuts, expectClose, expectOutRefused, expectSameBytes, randInt, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

// Sizes around the 4x8 tile and the MC = 128, KC = 256, NC = 1024 cache blocks.
const edges: [number, number, number][] = [
  [1, 1, 1],
  [4, 8, 1],
  [3, 7, 5],
  [5, 9, 4],
  [33, 17, 13],
  [128, 64, 256],
  [129, 65, 257],
  [130, 9, 600],
  [2, 1030, 3],
  [7, 1100, 300],
  [300, 33, 20],
];

describe("matmul", () => {
  it("matches the scalar reference on 200 random shapes and the tile/block edges", () => {
    const r = rng(42);
    const shapes = [
      ...edges,
      ...Array.from({ length: 200 }, () => [randInt(r, 1, 70), randInt(r, 1, 70), randInt(r, 1, 70)]),
    ];
    shapes.forEach(([M, N, K], i) => {
      const a = randTensor(rng(i), [M, K]),
        b = randTensor(rng(i + 77), [K, N]);
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

describe("matmul's out option", () => {
  it("writes the bits of a call without out into out's own array (the tile edges and 30 random shapes)", () => {
    const r = rng(43);
    const shapes = [
      ...edges,
      ...Array.from({ length: 30 }, () => [randInt(r, 1, 70), randInt(r, 1, 70), randInt(r, 1, 70)]),
    ];
    shapes.forEach(([M, N, K], i) => {
      const a = randTensor(rng(500 + i), [M, K]).t,
        b = randTensor(rng(600 + i), [K, N]).t;
      const want = matmul(a, b);
      try {
        const plain = { shape: [M, N], data: new Float32Array(M * N).fill(NaN) };
        const y = matmul(a, b, { out: plain });
        expect(y).toBeInstanceOf(Tensor);
        expect(y.data).toBe(plain.data);
        expect(y.shape).toEqual([M, N]);
        expectSameBytes(y.data, want.data);
        const t = new Tensor(new Float32Array(M * N).fill(NaN), [M, N]);
        expect(matmul(a, b, { out: t })).toBe(t);
        expectSameBytes(t.data, want.data);
      } catch (e) {
        throw new Error(`[${M},${K}] x [${K},${N}]: ${(e as Error).message}`);
      }
    });
  });

  it("may be a's or b's own array: both are in WASM memory before the result is written", () => {
    const a = randTensor(rng(31), [33, 33]),
      b = randTensor(rng(32), [33, 33]);
    const want = refMatmul(a.ref, b.ref);
    const A = new Tensor(a.t.data.slice(), [33, 33]);
    expect(matmul(A, b.t, { out: A })).toBe(A);
    expectClose(A, want, 1e-5);
    const B = { shape: [33, 33], data: b.t.data.slice() };
    expectClose(matmul(a.t, B, { out: B }), want, 1e-5);
    // a · a into a: the product reads every row and column of the input it overwrites.
    const S = new Tensor(a.t.data.slice(), [33, 33]);
    expectClose(matmul(S, S, { out: S }), refMatmul(a.ref, a.ref), 1e-5);
  });

  it("refuses an out of the wrong shape or kind, or opts that are not an object, with nothing allocated or written", () => {
    const a = randTensor(rng(33), [6, 5]),
      b = randTensor(rng(34), [5, 7]);
    const want = refMatmul(a.ref, b.ref);
    for (const [what, out, kind, says] of badOuts([6, 7], ["M", "N"])) {
      expectOutRefused("matmul", what, () => matmul(a.t, b.t, { out: out as never }), out, kind, says);
      expectClose(matmul(a.t, b.t, { out: new Tensor(new Float32Array(42), [6, 7]) }), want, 1e-5);
    }
    expect(() => matmul(a.t, b.t, 3 as never)).toThrow(
      /^matmul: opts must be an object like \{ transposeB: true, out \}; got number 3$/,
    );
    expect(() => matmul(a.t, b.t, null as never)).toThrow(TypeError);
    // undefined and null mean no out, as for the other options.
    expectClose(matmul(a.t, b.t, { out: null }), want, 1e-5);
    expectClose(matmul(a.t, b.t, {}), want, 1e-5);
  });

  it("checks out before allocating: a 32 MB a with a wrong out leaves the high-water mark and memory size alone", () => {
    const before = memoryStats();
    const a = { shape: [2048, 4096], data: new Float32Array(2048 * 4096) };
    const out = { shape: [2047, 1], data: new Float32Array(2047) };
    expect(() => matmul(a, { shape: [4096, 1], data: new Float32Array(4096) }, { out })).toThrow(
      /^matmul: opts\.out must have the result's shape \[2048, 1\] \[M, N\]; got \[2047, 1\]$/,
    );
    expect(memoryStats()).toEqual(before);
  });

  it("reused over 1000 calls, grows no WASM memory and gives the same answer each time", () => {
    const a = randTensor(rng(35), [40, 30]).t,
      b = randTensor(rng(36), [30, 20]).t;
    const out = new Tensor(new Float32Array(800), [40, 20]);
    const want = matmul(a, b);
    matmul(a, b, { out });
    const before = memoryStats();
    for (let i = 0; i < 1000; i++) {
      out.data.fill(NaN);
      if (matmul(a, b, { out }) !== out) throw new Error(`call ${i} returned another tensor`);
    }
    expect(memoryStats()).toEqual(before);
    expectSameBytes(out.data, want.data);
  });
});

/** The reference for C = op(A) op(B) + beta C with explicit strides, element by element. */
function refStrided(
  M: number,
  N: number,
  K: number,
  a: Ref,
  rsA: number,
  csA: number,
  b: Ref,
  rsB: number,
  csB: number,
  beta: number,
  c: Ref,
): Float64Array {
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
    const shapes = [
      ...edges,
      ...Array.from({ length: 60 }, () => [randInt(r, 1, 40), randInt(r, 1, 40), randInt(r, 1, 300)]),
    ];
    shapes.forEach(([M, N, K], i) => {
      for (const transA of [false, true])
        for (const transB of [false, true]) {
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
          if (beta === 0) {
            // B packed whole once (SimpleConvNet shares W2 so between threads) gives the same bits.
            const packed = withBuffers(
              rt,
              "test",
              [M * K, K * N, K * Math.ceil(N / 8) * 8, M * N, sgemmWorkspaceFloats(rt)],
              ([pa, pb, pp, pc, work]) => {
                writeFloats(rt, pa, a.t.data);
                writeFloats(rt, pb, b.t.data);
                rt.kernels.sgemm_pack_b_8(pb, rsB, csB, K, N, pp);
                rt.kernels.sgemm_packed_b(M, N, K, pa, rsA, csA, pp, pc, N, work);
                return readTensor(rt, pc, [M, N]);
              },
            );
            expect(Array.from(packed.data), `packed B, M=${M} N=${N} K=${K}`).toEqual(Array.from(got.data));
          }
          const want = refStrided(
            M,
            N,
            K,
            a.ref,
            rsA,
            csA,
            b.ref,
            rsB,
            csB,
            beta,
            beta ? c.ref : { shape: [M, N], data: new Float64Array(M * N) },
          );
          try {
            expectClose(got, { shape: [M, N], data: want }, 1e-5);
          } catch (e) {
            throw new Error(
              `M=${M} N=${N} K=${K} transA=${transA} transB=${transB} beta=${beta}: ${(e as Error).message}`,
            );
          }
        }
    });
  });
});
