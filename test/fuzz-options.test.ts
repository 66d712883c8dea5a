// Fuzzing the option surfaces of issue 13 -- conv2d with its gradients and transpose, the pools
// with theirs, batched matmul -- every option as a good value, a wrong kind, a wrong size or
// missing, unknown keys now and then, both layouts. Each call gives the float64 reference's
// numbers, or a TypeError/RangeError whose message names the function; after every case nothing
// is left allocated and the module still computes right.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dTranspose,
  globalAvgPool2d,
  globalMaxPool2d,
  init,
  matmul,
  matmulBackward,
  maxPool2d,
  maxPool2dBackward,
  memoryStats,
} from "../src/index.js";
import { type Act, ACTS, broadcastBatch, refBatched } from "./reference_matmul.js";
import { refPool, refPoolBackward, refSame } from "./reference_pool.js";
import { same } from "./conv_cases.js";
import {
  refActivate,
  refConvBackpropFilter,
  refConvBackpropInput,
  refConvGeneral,
  toHwio,
  toNchw,
  toNhwc,
  type RefConvOptions,
} from "./reference_conv.js";
import { expectClose, randTensor, rng } from "./util.js";

const SEED = 20261203;
const OPS = ["conv2d", "conv2dBackpropInput", "conv2dBackpropFilter", "conv2dTranspose"] as const;
const ACTIVATIONS = ["linear", "relu", "relu6", "leakyRelu", "elu", "sigmoid"] as const;
const JUNK = [0, -1, 1.5, NaN, "2", null, [], [1], [1, 2, 3], {}, true, "SAME", [0, 0, 0, -1]];

// The known-good call after every case: the module still computes right.
const good = { x: randTensor(rng(1), [1, 2, 5, 5]), w: randTensor(rng(2), [3, 2, 3, 3]) };
const goodWant = refConvGeneral(good.x.ref, good.w.ref, null, {
  sy: 1,
  sx: 2,
  dh: 1,
  dw: 1,
  top: 1,
  bottom: 1,
  left: 1,
  right: 1,
  groups: 1,
});

let answered = 0;
let refused = 0;

beforeAll(async () => {
  await init();
});

const intIn = (min: number, max: number) => fc.integer({ min, max });
const pair = fc.oneof(intIn(1, 3), fc.tuple(intIn(1, 3), intIn(1, 3)));
/** Mostly good, sometimes junk, sometimes absent. */
const maybe = (arb: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 10, arbitrary: arb },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...JUNK) },
  );

const arb = fc.record({
  op: fc.constantFrom(...OPS),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  sizes: fc.record({
    N: intIn(1, 2),
    Cg: intIn(1, 3),
    FNg: intIn(1, 3),
    H: intIn(1, 8),
    W: intIn(1, 8),
    FH: intIn(1, 4),
    FW: intIn(1, 4),
  }),
  opts: fc.record(
    {
      stride: maybe(pair),
      dilation: maybe(pair),
      pad: maybe(
        fc.oneof(
          intIn(0, 2),
          fc.tuple(intIn(0, 2), intIn(0, 2)),
          fc.tuple(intIn(0, 3), intIn(0, 3), intIn(0, 3), intIn(0, 3)),
          fc.constantFrom("same", "valid"),
        ),
      ),
      groups: maybe(intIn(1, 3)),
      layout: maybe(fc.constantFrom("NCHW", "NHWC")),
      activation: maybe(fc.constantFrom(...ACTIVATIONS)),
      // conv2d's only: Winograd's on a shape it cannot take is a RangeError naming the option.
      algorithm: maybe(fc.constantFrom("auto", "gemm", "winograd", "winograd-2x2", "winograd-4x4")),
      strides: fc.constant(2), // the misspelling users make
    },
    { requiredKeys: [] },
  ),
});

const pairOf = (v: unknown): [number, number] => (typeof v === "number" ? [v, v] : (v as [number, number]));

/** The geometry the options mean, for the reference; only called on a call that was answered. */
function refOptions(o: Record<string, unknown>, H: number, W: number, FH: number, FW: number, groups: number) {
  const [sy, sx] = pairOf(o.stride ?? 1);
  const [dh, dw] = pairOf(o.dilation ?? 1);
  const pad = o.pad ?? 0;
  let pads: number[];
  if (pad === "same") pads = [...same(H, FH, sy, dh), ...same(W, FW, sx, dw)];
  else if (pad === "valid") pads = [0, 0, 0, 0];
  else if (typeof pad === "number") pads = [pad, pad, pad, pad];
  else if ((pad as number[]).length === 2)
    pads = [(pad as number[])[0], (pad as number[])[0], (pad as number[])[1], (pad as number[])[1]];
  else pads = pad as number[];
  const [top, bottom, left, right] = pads;
  return { sy, sx, dh, dw, top, bottom, left, right, groups } satisfies RefConvOptions;
}

function clean(e: unknown, fn: string): void {
  if (!(e instanceof TypeError || e instanceof RangeError))
    throw new Error(`${fn}: not a TypeError/RangeError: ${String(e)}`);
  if (!e.message.startsWith(`${fn}:`)) throw new Error(`${fn}: the message does not name it: ${e.message}`);
}

describe("fuzz: conv2d's options, gradients and transpose", () => {
  it("the reference's numbers, or a TypeError/RangeError naming the function; memory settles", () => {
    fc.assert(
      fc.property(arb, ({ op, seed, sizes, opts }) => {
        const before = memoryStats().bytesInUse;
        const r = rng(seed);
        const groups =
          typeof opts.groups === "number" && Number.isInteger(opts.groups) && opts.groups > 0 ? opts.groups : 1;
        const { N, Cg, FNg, H, W, FH, FW } = sizes;
        const C = Cg * groups,
          FN = FNg * groups;
        const layout = opts.layout === "NHWC" ? "NHWC" : "NCHW";
        const x = randTensor(r, [N, C, H, W]);
        const w = randTensor(r, [FN, Cg, FH, FW]);
        const nhwc = layout === "NHWC";
        const img = (d: Float32Array, s: number[]) =>
          nhwc ? { shape: [s[0], s[2], s[3], s[1]], data: toNhwc(d, s) } : { shape: s, data: d };
        const back = (d: Float32Array, s: number[]) => (nhwc ? toNchw(d, s) : d);
        const filter = nhwc ? { shape: [FH, FW, Cg, FN], data: toHwio(w.t.data, [FN, Cg, FH, FW]) } : w.t;
        // Half the cases spell every key right.
        const given: Record<string, unknown> = { ...opts };
        if (r() < 0.5) delete given.strides;
        if (op !== "conv2d") {
          delete given.activation;
          delete given.algorithm;
        }
        try {
          if (op === "conv2d") {
            const y = conv2d(img(x.t.data, [N, C, H, W]), filter, null, given as never);
            const want = refActivate(
              refConvGeneral(x.ref, w.ref, null, refOptions(given, H, W, FH, FW, groups)),
              (given.activation as string) ?? "linear",
              0.2,
            );
            expectClose({ shape: want.shape, data: back(y.data, want.shape) }, want, 1e-5);
          } else {
            // The output side's shape, as conv2d gives it (that call must succeed for these options).
            const y = conv2d(img(x.t.data, [N, C, H, W]), filter, null, { ...given, activation: undefined } as never);
            const o = refOptions(given, H, W, FH, FW, groups);
            const ys = nhwc ? [y.shape[0], y.shape[3], y.shape[1], y.shape[2]] : Array.from(y.shape);
            const dy = randTensor(r, ys);
            if (op === "conv2dBackpropInput") {
              const dx = conv2dBackpropInput(
                img(dy.t.data, ys),
                filter,
                img(x.t.data, [N, C, H, W]).shape,
                given as never,
              );
              const want = refConvBackpropInput(dy.ref, w.ref, [N, C, H, W], o);
              expectClose({ shape: want.shape, data: back(dx.data, want.shape) }, want, 1e-5);
            } else if (op === "conv2dBackpropFilter") {
              const dw = conv2dBackpropFilter(
                img(x.t.data, [N, C, H, W]),
                img(dy.t.data, ys),
                Array.from(filter.shape),
                given as never,
              );
              const want = refConvBackpropFilter(x.ref, dy.ref, [FN, Cg, FH, FW], o);
              const got = nhwc ? toHwio(Float32Array.from(want.data), [FN, Cg, FH, FW]) : Float32Array.from(want.data);
              expectClose(dw, { shape: Array.from(filter.shape), data: Float64Array.from(got) }, 1e-4);
            } else {
              const t = conv2dTranspose(img(dy.t.data, ys), filter, null, given as never);
              const want = refConvBackpropInput(
                dy.ref,
                w.ref,
                nhwc ? [t.shape[0], t.shape[3], t.shape[1], t.shape[2]] : Array.from(t.shape),
                {
                  ...o,
                  ...(given.pad === "same" ? refOptions(given, ys[2] * o.sy, ys[3] * o.sx, FH, FW, groups) : {}),
                },
              );
              expectClose({ shape: want.shape, data: back(t.data, want.shape) }, want, 1e-5);
            }
          }
          answered++;
        } catch (e) {
          if (e instanceof Error && e.message.startsWith("element")) throw e; // a wrong number
          const fn = e instanceof Error && e.message.startsWith("conv2d:") ? "conv2d" : op;
          clean(e, fn);
          refused++;
        }
        expect(memoryStats().bytesInUse).toBe(before);
        expectClose(conv2d(good.x.t, good.w.t, null, { pad: 1, stride: [1, 2] }), goodWant, 1e-5);
      }),
      { seed: SEED, numRuns: 1500 },
    );
    report("conv2d and its gradients", 1500);
  });

  it("pools and their gradients: the reference's numbers, or a TypeError/RangeError; memory settles", () => {
    const poolArb = fc.record({
      op: fc.constantFrom("maxPool2d", "avgPool2d", "maxPool2dBackward", "avgPool2dBackward", "global"),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
      sizes: fc.record({ N: intIn(1, 2), C: intIn(1, 5), H: intIn(1, 9), W: intIn(1, 9) }),
      opts: fc.record(
        {
          window: maybe(pair),
          stride: maybe(pair),
          dilation: maybe(fc.oneof(fc.constant(1), pair)),
          pad: maybe(
            fc.oneof(
              intIn(0, 2),
              fc.tuple(intIn(0, 2), intIn(0, 2)),
              fc.tuple(intIn(0, 2), intIn(0, 2), intIn(0, 2), intIn(0, 2)),
              fc.constantFrom("same", "valid"),
            ),
          ),
          ceilMode: maybe(fc.boolean()),
          countIncludePad: maybe(fc.boolean()),
          layout: maybe(fc.constantFrom("NCHW", "NHWC")),
          windows: fc.constant(2), // a misspelling
        },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(poolArb, ({ op, seed, sizes, opts }) => {
        const before = memoryStats().bytesInUse;
        const r = rng(seed);
        const { N, C, H, W } = sizes;
        const layout = opts.layout === "NHWC" ? "NHWC" : "NCHW";
        const nhwc = layout === "NHWC";
        const x = randTensor(r, [N, C, H, W]);
        const img = (d: Float32Array, s: number[]) =>
          nhwc ? { shape: [s[0], s[2], s[3], s[1]], data: toNhwc(d, s) } : { shape: s, data: d };
        const back = (d: Float32Array, s: number[]) => (nhwc ? toNchw(d, s) : d);
        const given: Record<string, unknown> = { ...opts };
        if (r() < 0.6) delete given.windows;
        const kind = op.startsWith("max") ? "max" : "avg";
        const name = op === "global" ? (r() < 0.5 ? "globalAvgPool2d" : "globalMaxPool2d") : op;
        try {
          const xl = img(x.t.data, [N, C, H, W]);
          if (op === "global") {
            const f = name === "globalAvgPool2d" ? globalAvgPool2d : globalMaxPool2d;
            const y = f(xl, { layout: opts.layout as never });
            const want = new Float64Array(N * C);
            for (let i = 0; i < N * C; i++) {
              const plane = x.ref.data.subarray(i * H * W, (i + 1) * H * W);
              want[i] = name === "globalAvgPool2d" ? plane.reduce((a, v) => a + v, 0) / (H * W) : Math.max(...plane);
            }
            expectClose({ shape: [N, C], data: y.data }, { shape: [N, C], data: want }, 1e-5);
          } else {
            const forward = kind === "max" ? maxPool2d : avgPool2d;
            const y = forward(xl, given as never);
            // Answered: the options are good, so the reference can read them.
            const [fh, fw] = pairOf(given.window);
            const [sy, sx] = pairOf(given.stride ?? given.window);
            const [dh, dw] = pairOf(given.dilation ?? 1);
            const pad = given.pad ?? 0;
            const pads =
              pad === "same"
                ? [...refSame(H, fh, sy, dh), ...refSame(W, fw, sx, dw)]
                : pad === "valid"
                  ? [0, 0, 0, 0]
                  : typeof pad === "number"
                    ? [pad, pad, pad, pad]
                    : (pad as number[]).length === 2
                      ? [(pad as number[])[0], (pad as number[])[0], (pad as number[])[1], (pad as number[])[1]]
                      : (pad as number[]);
            const ref = refPool(x.ref, kind, {
              fh,
              fw,
              sy,
              sx,
              dh,
              dw,
              top: pads[0],
              bottom: pads[1],
              left: pads[2],
              right: pads[3],
              ceilMode: given.ceilMode === true,
              countIncludePad: given.countIncludePad === true,
            });
            expect(ref.empty).toBeNull();
            const ys = ref.y.shape;
            expectClose({ shape: ys, data: back(y.data, ys) }, ref.y, 1e-5);
            if (op.endsWith("Backward")) {
              const dy = randTensor(r, ys);
              const dx =
                kind === "max"
                  ? maxPool2dBackward(img(dy.t.data, ys), xl, given as never)
                  : avgPool2dBackward(img(dy.t.data, ys), xl.shape, given as never);
              const want = refPoolBackward([N, C, H, W], kind, ref, dy.ref);
              expectClose({ shape: want.shape, data: back(dx.data, want.shape) }, want, 1e-5);
            }
          }
          answered++;
        } catch (e) {
          if (e instanceof Error && e.message.startsWith("element")) throw e;
          const fn = e instanceof Error && /^(maxPool2d|avgPool2d):/.test(e.message) ? e.message.split(":")[0] : name;
          clean(e, fn);
          refused++;
        }
        expect(memoryStats().bytesInUse).toBe(before);
        expectClose(conv2d(good.x.t, good.w.t, null, { pad: 1, stride: [1, 2] }), goodWant, 1e-5);
      }),
      { seed: SEED + 1, numRuns: 1500 },
    );
    report("pools and their gradients", 1500);
  });

  it("batched matmul and matmulBackward: the reference's numbers, or a TypeError/RangeError; memory settles", () => {
    const batch = fc.array(intIn(1, 3), { maxLength: 3 });
    const mmArb = fc.record({
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
      backward: fc.boolean(),
      M: intIn(1, 9),
      K: intIn(1, 9),
      N: intIn(1, 9),
      aBatch: batch,
      bBatch: batch,
      tA: maybe(fc.boolean()),
      tB: maybe(fc.boolean()),
      bias: fc.constantFrom("none", "good", "wrong"),
      act: maybe(fc.constantFrom(...ACTS.filter((a) => a !== "prelu"))),
      typo: fc.boolean(),
    });
    fc.assert(
      fc.property(mmArb, (c) => {
        const before = memoryStats().bytesInUse;
        const r = rng(c.seed);
        const tA = c.tA === true,
          tB = c.tB === true;
        const a = randTensor(r, [...c.aBatch, ...(tA ? [c.K, c.M] : [c.M, c.K])]);
        const b = randTensor(r, [...c.bBatch, ...(tB ? [c.N, c.K] : [c.K, c.N])]);
        const bias = c.bias === "none" ? null : randTensor(r, [c.bias === "good" ? c.N : c.N + 1]);
        const opts: Record<string, unknown> = { transposeA: c.tA, transposeB: c.tB };
        if (bias) opts.bias = bias.t;
        if (!c.backward) opts.activation = c.act;
        if (c.typo) opts.tranposeA = true;
        const name = c.backward ? "matmulBackward" : "matmul";
        try {
          const act = (typeof c.act === "string" && !c.backward ? c.act : "linear") as Act;
          const ref = () => refBatched(a.ref, b.ref, { tA, tB, bias: bias?.ref ?? null, act });
          if (!c.backward) {
            const y = matmul(a.t, b.t, opts as never);
            expectClose(y, ref(), 1e-5); // answered: the shapes broadcast, so the reference can run
          } else {
            // dy in the product's shape where the batches broadcast, else any: the call must refuse.
            const dyShape = broadcastBatch(c.aBatch, c.bBatch) ? ref().shape : [c.M, c.N];
            const dy = randTensor(r, dyShape);
            const g = matmulBackward(a.t, b.t, dy.t, opts as never);
            // <dy, a·b> is linear in each operand: its gradient against a is da, checked on one element.
            const i = Math.floor(r() * a.t.data.length);
            const bump = { shape: a.t.shape, data: a.t.data.slice() };
            bump.data[i] += 1;
            const lin = (t: typeof a.ref) => refBatched(t, b.ref, { tA, tB, bias: null, act: "linear" }).data;
            const base = lin(a.ref);
            const bumped = lin({ shape: a.ref.shape, data: Float64Array.from(bump.data) });
            let fd = 0;
            for (let j = 0; j < base.length; j++) fd += (bumped[j] - base[j]) * dy.ref.data[j];
            expect(Math.abs(g.da.data[i] - fd)).toBeLessThan(1e-4 * (1 + Math.abs(fd)));
          }
          answered++;
        } catch (e) {
          if (e instanceof Error && (e.message.startsWith("element") || e.name === "AssertionError")) throw e;
          clean(e, name);
          refused++;
        }
        expect(memoryStats().bytesInUse).toBe(before);
        expectClose(conv2d(good.x.t, good.w.t, null, { pad: 1, stride: [1, 2] }), goodWant, 1e-5);
      }),
      { seed: SEED + 2, numRuns: 1500 },
    );
    report("batched matmul", 1500);
  });
});

/** Prints and checks one property's tally since the last report: both outcomes must be common. */
let lastAnswered = 0;
let lastRefused = 0;
function report(what: string, cases: number): void {
  const a = answered - lastAnswered,
    f = refused - lastRefused;
  lastAnswered = answered;
  lastRefused = refused;
  console.log(`fuzz-options, ${what}: ${cases} cases: ${a} answered and checked, ${f} refused`);
  expect(a).toBeGreaterThan(cases / 10);
  expect(f).toBeGreaterThan(cases / 10);
}
