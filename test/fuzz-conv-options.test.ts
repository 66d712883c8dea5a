// Fuzzing conv2d's option surface, its gradients and the transposed convolution: every option as
// a good value, a wrong kind, a wrong size or missing, unknown keys now and then, both layouts.
// Each call gives the float64 reference's numbers, or a TypeError/RangeError whose message names
// the function; after every case nothing is left allocated and the module still computes right.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, conv2dTranspose, init, memoryStats } from "../src/index.js";
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
        if (op !== "conv2d") delete given.activation;
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
    console.log(`fuzz-conv-options: 1500 cases: ${answered} answered and checked, ${refused} refused`);
    // Both outcomes happen often enough to mean something.
    expect(answered).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(150);
  });
});
