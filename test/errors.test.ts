import { beforeAll, describe, expect, it } from "vitest";
import {
  col2im,
  conv2d,
  Convolution,
  im2col,
  init,
  matmul,
  avgPool2d,
  avgPool2dBackward,
  globalAvgPool2d,
  maxPool2d,
  maxPool2dBackward,
  memoryStats,
  Pooling,
  Tensor,
} from "../src/index.js";
import { refConv2d } from "./reference.js";
import { expectClose, randTensor, rng } from "./util.js";

beforeAll(async () => {
  await init();
});

const x4 = { shape: [1, 1, 4, 4], data: new Float32Array(16) };
const w = { shape: [2, 1, 3, 3], data: new Float32Array(18) };
const b = { shape: [2], data: [0, 0] };
const bad = (f: () => unknown) => f;
/** Runs `use` on a fresh layer and disposes it, so the memory check below sees only the call. */
function layer<L extends { dispose(): void }>(make: () => L, use: (l: L) => unknown): () => unknown {
  return () => {
    const l = make();
    try {
      return use(l);
    } finally {
      l.dispose();
    }
  };
}

// [what, call, error class, message pattern]: every message names the argument, the expectation and what came.
const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
  [
    "x not a tensor",
    bad(() => im2col(42 as never, 3, 3)),
    TypeError,
    /im2col: x must be a tensor \{ shape, data \}; got number 42/,
  ],
  ["x null", bad(() => conv2d(null as never, w)), TypeError, /conv2d: x must be a tensor .*got null/],
  [
    "x of wrong rank",
    bad(() => im2col({ shape: [1, 28, 28], data: new Float32Array(784) }, 5, 5)),
    RangeError,
    /im2col: x must be 4-D \[N, C, H, W\]; got shape \[1, 28, 28\]/,
  ],
  [
    "data length ≠ product of shape",
    bad(() => im2col({ shape: [1, 1, 4, 4], data: new Float32Array(15) }, 2, 2)),
    RangeError,
    /x\.data has 15 elements but shape \[1, 1, 4, 4\] \[N, C, H, W\] needs 16/,
  ],
  [
    "shape with a zero",
    bad(() => im2col({ shape: [1, 0, 4, 4], data: [] }, 2, 2)),
    RangeError,
    /x's shape\[1\] \(C\) must be a positive integer; got shape \[1, 0, 4, 4\]/,
  ],
  [
    "shape with a fraction",
    bad(() => im2col({ shape: [1, 1.5, 4, 4], data: [] }, 2, 2)),
    RangeError,
    /shape\[1\] \(C\) must be a positive integer/,
  ],
  [
    "shape with a string",
    bad(() => im2col({ shape: [1, "1", 4, 4] as never, data: [] }, 2, 2)),
    TypeError,
    /x's shape\[1\] \(C\) must be a number; got string "1"/,
  ],
  [
    "shape not an array",
    bad(() => im2col({ shape: 16 as never, data: [] }, 2, 2)),
    TypeError,
    /x's shape must be an array of sizes; got number 16/,
  ],
  [
    "data with a string",
    bad(() => matmul({ shape: [1, 2], data: [1, "2"] as never }, { shape: [2, 1], data: [1, 1] })),
    TypeError,
    /matmul: a\.data\[1\] must be a number; got string "2"/,
  ],
  [
    "data not array-like",
    bad(() => matmul({ shape: [1, 1], data: 3 as never }, { shape: [1, 1], data: [1] })),
    TypeError,
    /a\.data must be an array or typed array of numbers; got number 3/,
  ],
  [
    "BigInt data",
    bad(() => matmul({ shape: [1, 1], data: new BigInt64Array(1) as never }, { shape: [1, 1], data: [1] })),
    TypeError,
    /a\.data must be an array or typed array of numbers; got BigInt64Array/,
  ],
  ["filter of size 0", bad(() => im2col(x4, 0, 3)), RangeError, /im2col: filterH must be an integer >= 1; got 0/],
  ["filter of size 2.5", bad(() => im2col(x4, 3, 2.5)), RangeError, /filterW must be an integer >= 1; got 2.5/],
  [
    "filter size as a string",
    bad(() => im2col(x4, "3" as never, 3)),
    TypeError,
    /filterH must be a number; got string "3"/,
  ],
  ["stride 0", bad(() => im2col(x4, 3, 3, 0)), RangeError, /stride must be an integer >= 1; got 0/],
  ["negative pad", bad(() => im2col(x4, 3, 3, 1, -1)), RangeError, /pad must be an integer >= 0; got -1/],
  [
    "output below 1x1",
    bad(() => im2col(x4, 5, 3)),
    RangeError,
    /output height would be below 1: input height 4 \+ 2\*pad 0 = 4 is smaller than the window's 5/,
  ],
  [
    "unknown slice order",
    bad(() => im2col(x4, 3, 3, 1, 0, "rows" as never)),
    TypeError,
    /order must be "kernel" or "output"; got string "rows"/,
  ],
  [
    "padded size past int32",
    bad(() => im2col(x4, 3, 3, 1, 2 ** 30)),
    RangeError,
    /im2col: height 4 \+ 2\*pad 1073741824 = 2147483652 exceeds 2\^31 - 1/,
  ],
  [
    "output over the 4 GiB memory limit",
    bad(() => im2col({ shape: [1, 1, 1, 1], data: [1] }, 1, 1, 1, 30000)),
    RangeError,
    /im2col: needs \d+ bytes of WebAssembly memory .* over the 4294967296-byte limit/,
  ],
  [
    "col2im col of the wrong shape (rows)",
    bad(() => col2im({ shape: [5, 9], data: new Float32Array(45) }, [1, 1, 4, 4], 3, 3)),
    RangeError,
    /col2im: col must have shape \[4, 9\] for inputShape \[1, 1, 4, 4\] with a 3x3 filter, stride 1, pad 0; got \[5, 9\]/,
  ],
  [
    "col2im inputShape of wrong rank",
    bad(() => col2im({ shape: [4, 9], data: new Float32Array(36) }, [4, 4], 3, 3)),
    RangeError,
    /col2im: inputShape must be 4-D \[N, C, H, W\]; got shape \[4, 4\]/,
  ],
  [
    "col2im inputShape not an array",
    bad(() => col2im({ shape: [4, 9], data: new Float32Array(36) }, null as never, 3, 3)),
    TypeError,
    /inputShape's shape must be an array of sizes; got null/,
  ],
  [
    "matmul inner sizes differ",
    bad(() => matmul({ shape: [2, 3], data: new Float32Array(6) }, { shape: [4, 2], data: new Float32Array(8) })),
    RangeError,
    /matmul: b must have 3 rows to match a's columns; a is \[2, 3\], b is \[4, 2\]/,
  ],
  [
    "matmul of a vector",
    bad(() => matmul({ shape: [3], data: [1, 2, 3] }, { shape: [3, 1], data: [1, 2, 3] })),
    RangeError,
    /^matmul: a must have 2 to 64 dimensions \[\.\.\., M, K\]; got shape \[3\] \(vectors are not promoted: reshape it to \[1, 3\], as NumPy's matmul reads it\)$/,
  ],
  [
    "conv2d channel mismatch",
    bad(() => conv2d({ shape: [1, 3, 4, 4], data: new Float32Array(48) }, w)),
    RangeError,
    /conv2d: x has C = 3 channels but W has C = 1; x is \[1, 3, 4, 4\] \[N, C, H, W\], W is \[2, 1, 3, 3\] \[FN, C, FH, FW\]/,
  ],
  [
    "conv2d bias length",
    bad(() => conv2d(x4, w, { shape: [3], data: [1, 2, 3] })),
    RangeError,
    /conv2d: b must have shape \[2\], one bias per filter; got \[3\]/,
  ],
  [
    "conv2d W of wrong rank",
    bad(() => conv2d(x4, { shape: [2, 9], data: new Float32Array(18) })),
    RangeError,
    /conv2d: W must be 4-D \[FN, C, FH, FW\]; got shape \[2, 9\]/,
  ],
  [
    "conv2d opts not an object",
    bad(() => conv2d(x4, w, b, 2 as never)),
    TypeError,
    /conv2d: opts must be an object like \{ stride: 1, pad: 0 \}; got number 2/,
  ],
  [
    "conv2d filter larger than the image",
    bad(() => conv2d({ shape: [1, 1, 2, 2], data: [1, 2, 3, 4] }, w)),
    RangeError,
    /conv2d: output height would be below 1: input height 2 padded by 0 \+ 0 = 2 is smaller than the window.s span 3/,
  ],
  [
    "maxPool2d without options",
    bad(() => maxPool2d(x4, undefined as never)),
    TypeError,
    /maxPool2d: opts must be an object like \{ window: 2 \}; got undefined/,
  ],
  [
    "maxPool2d pad that leaves a window on padding alone",
    bad(() => maxPool2d(x4, { poolH: 2, poolW: 2, pad: 2 })),
    RangeError,
    /maxPool2d: window 0 along the height covers only padding \(rows -2 to -1; x has 4 rows, padded by 2 \+ 2\); every window must cover an element of x/,
  ],
  [
    "avgPool2d with an unknown option",
    bad(() => avgPool2d(x4, { window: 2, count_include_pad: true } as never)),
    TypeError,
    /avgPool2d: unknown option "count_include_pad"; the options are window, poolH, poolW, stride, pad, dilation, ceilMode, countIncludePad, layout, out/,
  ],
  [
    "avgPool2d with dilation",
    bad(() => avgPool2d(x4, { window: 2, dilation: 2 as never })),
    RangeError,
    /avgPool2d: dilation must be 1: average pooling has no dilated form; got 2/,
  ],
  [
    "maxPool2dBackward with dy of the wrong shape",
    bad(() => maxPool2dBackward(x4, x4, { window: 2 })),
    RangeError,
    /maxPool2dBackward: dy must have the forward's output shape \[1, 1, 2, 2\] \[N, C, outH, outW\] for x \[1, 1, 4, 4\] and these options; got \[1, 1, 4, 4\]/,
  ],
  [
    "avgPool2dBackward with xShape not a shape",
    bad(() => avgPool2dBackward(x4, "1x1x4x4" as never, { window: 2 })),
    TypeError,
    /avgPool2dBackward: xShape must be x's shape, an array of sizes \[N, C, H, W\]; got string "1x1x4x4"/,
  ],
  [
    "globalAvgPool2d options not an object",
    bad(() => globalAvgPool2d(x4, "NHWC" as never)),
    TypeError,
    /globalAvgPool2d: opts must be an object like \{ layout: "NHWC" \}; got string "NHWC"/,
  ],
  [
    "maxPool2d window larger than the image",
    bad(() => maxPool2d(x4, { poolH: 5, poolW: 2 })),
    RangeError,
    /maxPool2d: output height would be below 1/,
  ],
  [
    "Convolution with a bias of the wrong length",
    bad(() => new Convolution(w, { shape: [3], data: [1, 2, 3] })),
    RangeError,
    /Convolution: b must have shape \[2\], one bias per filter; got \[3\]/,
  ],
  [
    "Convolution with stride 0",
    bad(() => new Convolution(w, b, 0)),
    RangeError,
    /Convolution: stride must be an integer >= 1; got 0/,
  ],
  [
    "Convolution.forward channel mismatch",
    layer(
      () => new Convolution(w, b),
      (l) => l.forward({ shape: [1, 2, 4, 4], data: new Float32Array(32) }),
    ),
    RangeError,
    /Convolution\.forward: x has C = 2 channels but this\.W has C = 1/,
  ],
  [
    "Convolution.backward before forward",
    bad(() => new Convolution(w, b).backward({ shape: [1, 2, 2, 2], data: new Float32Array(8) })),
    TypeError,
    /Convolution\.backward: call forward\(\) before backward\(\)/,
  ],
  [
    "Convolution.backward with the wrong shape",
    layer(
      () => new Convolution(w, b),
      (l) => {
        l.forward(x4);
        return l.backward({ shape: [1, 2, 3, 2], data: new Float32Array(12) });
      },
    ),
    RangeError,
    /Convolution\.backward: dout must have shape \[1, 2, 2, 2\] \(the last forward's output\); got \[1, 2, 3, 2\]/,
  ],
  [
    "Convolution used after dispose",
    bad(() => {
      const l = new Convolution(w, b);
      l.dispose();
      return l.forward(x4);
    }),
    TypeError,
    /Convolution\.forward: this Convolution was disposed/,
  ],
  [
    "Pooling with a negative size",
    bad(() => new Pooling(-1, 2)),
    RangeError,
    /Pooling: poolH must be an integer >= 1; got -1/,
  ],
  [
    "Pooling.backward before forward",
    bad(() => new Pooling(2, 2).backward(x4)),
    TypeError,
    /Pooling\.backward: call forward\(\) before backward\(\)/,
  ],
  [
    "Pooling.backward with the wrong shape",
    layer(
      () => new Pooling(2, 2),
      (l) => {
        l.forward(x4);
        return l.backward(x4);
      },
    ),
    RangeError,
    /Pooling\.backward: dout must have shape \[1, 1, 2, 2\] \(the last forward's output\); got \[1, 1, 4, 4\]/,
  ],
  [
    "Tensor with mismatched data",
    bad(() => new Tensor(new Float32Array(3), [2, 2])),
    RangeError,
    /Tensor: shape \[2, 2\] needs 4 elements; data has 3/,
  ],
  [
    "Tensor with Float64 data",
    bad(() => new Tensor(new Float64Array(4) as never, [2, 2])),
    TypeError,
    /Tensor: data must be a Float32Array; got Float64Array\(4\)/,
  ],
  [
    "init with 65 threads",
    bad(() => init({ threads: 65 })),
    RangeError,
    /init: options\.threads must be an integer from 1 to 64; got 65/,
  ],
  [
    "init with 0 threads",
    bad(() => init({ threads: 0 })),
    RangeError,
    /init: options\.threads must be an integer from 1 to 64; got 0/,
  ],
  [
    "init with an unknown build",
    bad(() => init({ build: "avx" as never })),
    TypeError,
    /init: options\.build must be "auto", "simd" or "relaxed-simd"; got "avx"/,
  ],
  [
    "init with warmUp as a string",
    bad(() => init({ warmUp: "yes" as never })),
    TypeError,
    /init: options\.warmUp must be true or false; got string/,
  ],
  [
    "init with a misspelt option",
    bad(() => init({ thread: 2 } as never)),
    TypeError,
    /init: unknown option "thread"; the options are threads, build, warmUp, wasmUrl, wasmBinary/,
  ],
  [
    "init with threads as a string",
    bad(() => init({ threads: "2" as never })),
    TypeError,
    /init: options\.threads must be a number; got string/,
  ],
];

describe("errors", () => {
  it.each(cases)("%s", async (_what, call, type, message) => {
    const before = memoryStats().bytesInUse;
    let caught: unknown;
    try {
      await call();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(type);
    expect((caught as Error).message).toMatch(message);
    // A failed call leaves nothing allocated...
    expect(memoryStats().bytesInUse).toBe(before);
    // ...and the module answers the next good call correctly.
    const xg = randTensor(rng(1), [1, 2, 5, 5]),
      wg = randTensor(rng(2), [3, 2, 3, 3]);
    expectClose(conv2d(xg.t, wg.t, null, { pad: 1 }), refConv2d(xg.ref, wg.ref, null, 1, 1), 1e-5);
  });

  it("refuses an oversized request without growing memory first", () => {
    const grown = memoryStats().memoryBytes;
    expect(() =>
      conv2d({ shape: [1, 1, 1, 1], data: [1] }, { shape: [64, 1, 1, 1], data: new Float32Array(64) }, null, {
        pad: 5000,
      }),
    ).toThrow(/needs \d+ bytes/);
    expect(memoryStats().memoryBytes).toBe(grown);
  });

  it("a layer whose forward is refused for memory is left as it was, growing nothing", () => {
    const conv = new Convolution({ shape: [1, 1, 1, 1], data: [2] }, { shape: [1], data: [0] }, 1, 1000);
    const y = conv.forward({ shape: [1, 1, 1, 1], data: [1] }); // a 2001 x 2001 map of padding and one pixel
    expect(y.shape).toEqual([1, 1, 2001, 2001]);
    const grown = memoryStats().memoryBytes;
    // 200 images need 2 x 3.2 GB: refused before anything is allocated or grown.
    expect(() => conv.forward({ shape: [200, 1, 1, 1], data: new Float32Array(200) })).toThrow(
      /Convolution\.forward: needs \d+ bytes/,
    );
    expect(memoryStats().memoryBytes).toBe(grown);
    // backward still belongs to the first forward: one pixel under a 1x1 filter of weight 2.
    const dx = conv.backward({ shape: y.shape, data: new Float32Array(y.size).fill(1) });
    expect(Array.from(dx.data)).toEqual([2]);
    expect(Array.from(conv.dW!.data)).toEqual([1]);
    conv.dispose();
    expect(memoryStats().bytesInUse).toBe(0);
  });
});
