// The hardening issue's property suite: random shapes, sizes, data types and values thrown at every
// public function and class. Every call must either give the scalar reference's answer
// (test/reference.ts, test/reference_net.ts) or throw a TypeError or RangeError (FileFormatError
// for a weights file's bytes) whose message starts with the function's name: never a plain Error,
// a WebAssembly.RuntimeError or an engine message. Right after each call, nothing it allocated is
// still held (memoryStats().bytesInUse is back where it was; layers are disposed first) and a
// known-good call still gives the right answer. Non-finite values are computed through as NumPy
// would: NaN wherever the reference is NaN.
//
// fast-check drives it, each property with a fixed seed and a bounded number of runs, so a failure
// prints a counterexample that reproduces. What the generators choose is mostly valid (so results
// get checked) with one argument at a time made bad: a curated list of bad sizes and tensors plus
// fc.anything(). Sizes that would be valid but make a call slow (a pad of 20,000 at stride 1, a
// permutation of 2^31 - 1) are left out on purpose; sizes past the limits (2^31, 2^53, a pad of
// 2^15 at stride 1, which needs over 4 GiB) are in.
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Adam,
  Affine,
  col2im,
  conv2d,
  Convolution,
  FileFormatError,
  im2col,
  init,
  matmul,
  maxPool2d,
  memoryStats,
  PARAM_NAMES,
  Pooling,
  Random,
  Relu,
  SGD,
  SimpleConvNet,
  SoftmaxWithLoss,
  Tensor,
  train,
  type InitResult,
  type TensorLike,
} from "../src/index.js";
import { readSafetensors, writeSafetensors } from "../src/formats/safetensors.js";
import { readPickle } from "../src/formats/pickle_reader.js";
import { writePickle } from "../src/formats/pickle_writer.js";
import {
  outLen,
  refAffine,
  refAffineBackward,
  refCol2im,
  refConv2d,
  refConv2dBackward,
  refIm2col,
  refMatmul,
  refMaxPool,
  refMaxPoolBackward,
  refRelu,
  refReluBackward,
  refSoftmaxLoss,
  refSoftmaxLossBackward,
  type Ref,
  type RefLabels,
} from "./reference.js";
import { refForward, type RefParams } from "./reference_net.js";
import { expectClose, randTensor, rng } from "./util.js";

const SEED = 20261125;
let cases = 0;
/** Calls made, by outcome: answered (and checked against the reference) or refused with the right error. */
const calls = { answered: 0, refused: 0 };
let firstInit: InitResult;
const scratch = mkdtempSync(join(tmpdir(), "zeroconv-fuzz-"));

beforeAll(async () => {
  firstInit = await init();
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  console.log(
    `fuzz: ${cases} cases, ${calls.answered + calls.refused} calls: ${calls.answered} answered and checked, ${calls.refused} refused with a TypeError, RangeError or FileFormatError`,
  );
});

/** fc.assert with this file's seed for property `k`; FUZZ_DEBUG=1 prints how many of its calls were answered and refused. */
function check<T>(k: number, numRuns: number, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void {
  const start = { ...calls };
  fc.assert(
    fc.property(arb, (v) => {
      cases++;
      predicate(v);
    }),
    { seed: SEED + k, numRuns },
  );
  if (process.env.FUZZ_DEBUG)
    console.log(`property ${k}: ${calls.answered - start.answered} answered, ${calls.refused - start.refused} refused`);
}

// ---------------------------------------------------------------------------------------------
// Outcomes

type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Runs `call`: a result, or an error that must be a TypeError or RangeError (or, with `file`, a
 * FileFormatError) whose message begins with one of `names` and ":" or "." (the function that
 * refused, e.g. "conv2d:" or "Convolution.forward:"). Anything else fails the property.
 */
function attempt<T>(names: readonly string[], call: () => T, file = false): Outcome<T> {
  try {
    const value = call();
    calls.answered++;
    return { ok: true, value };
  } catch (e) {
    expectCleanError(e, names, file);
    calls.refused++;
    return { ok: false, error: e as Error };
  }
}

function expectCleanError(e: unknown, names: readonly string[], file = false): void {
  const kind = e instanceof TypeError || e instanceof RangeError || (file && e instanceof FileFormatError);
  if (!kind)
    throw new Error(
      `expected a TypeError or RangeError${file ? " or FileFormatError" : ""}; got ${(e as Error)?.stack ?? String(e)}`,
    );
  const message = (e as Error).message;
  if (!names.some((n) => message.startsWith(`${n}:`) || message.startsWith(`${n}.`))) {
    throw new Error(
      `the ${(e as Error).name}'s message does not name ${names.join(" or ")}: ${JSON.stringify(message)}`,
    );
  }
}

// The known-good call after every case: conv2d through im2col and SGEMM, against the reference.
const good = { x: randTensor(rng(1), [1, 2, 5, 5]), w: randTensor(rng(2), [3, 2, 3, 3]) };
const goodWant = refConv2d(good.x.ref, good.w.ref, null, 1, 1);

/** What must hold after every case: nothing left allocated (bytes in use as `before`) and the module still right. */
function settled(before: number): void {
  expect(memoryStats().bytesInUse).toBe(before);
  expectClose(conv2d(good.x.t, good.w.t, null, { pad: 1 }), goodWant, 1e-5);
}

// ---------------------------------------------------------------------------------------------
// Values, data and tensors

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1.4e-45, -1e-40];
/** Huge values: float32's extremes, and float64 values that round to ±Infinity or 0 in float32. */
const HUGE = [3.4e38, -3.4e38, 1e38, -1e30, 1e30, 1e300, -1e300, 1e-300];
type Flavor = "clean" | "special" | "huge" | "inf";
const CONTAINERS = ["f32", "f64", "array", "tensor", "i32", "u8"] as const;
type Container = (typeof CONTAINERS)[number];

/** `n` values from `seed`: uniform in [-1, 1), with non-finite (and huge) values, or only infinities, sprinkled in. */
function values(seed: number, n: number, flavor: Flavor): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    if (flavor === "inf" && u < 0.08) return r() < 0.5 ? Infinity : -Infinity; // infinities without NaN: mixed rows of NaN and numbers later
    if (flavor !== "clean" && flavor !== "inf" && u < 0.06) return SPECIAL[Math.floor(r() * SPECIAL.length)];
    if (flavor === "huge" && u < 0.12) return HUGE[Math.floor(r() * HUGE.length)];
    return r() * 2 - 1;
  });
}

function container(kind: Container, v: number[], shape: number[]): TensorLike {
  switch (kind) {
    case "f32":
      return { shape, data: Float32Array.from(v) };
    case "f64":
      return { shape, data: Float64Array.from(v) };
    case "array":
      return { shape, data: v };
    case "tensor":
      return new Tensor(Float32Array.from(v), shape);
    case "i32":
      return { shape, data: Int32Array.from(v, (x) => Math.round(x * 100) | 0) };
    case "u8":
      return { shape, data: Uint8Array.from(v, (x) => Math.abs(Math.round(x * 100)) | 0) };
  }
}

/** Ways to make a good tensor { shape, data } bad; some happen to be valid (an Int32Array shape). */
const BAD_TENSORS: ((s: number[], t: TensorLike) => unknown)[] = [
  () => null,
  () => undefined,
  () => 42,
  () => "tensor",
  (s) => ({ shape: s }),
  (_, t) => ({ data: t.data }),
  (s, t) => ({ shape: s.slice(0, -1), data: t.data }),
  (s, t) => ({ shape: [...s, 1], data: t.data }),
  (s) => ({ shape: s.map((d, i) => (i === 0 ? 0 : d)), data: [] }),
  (s, t) => ({ shape: s.map((d, i) => (i === s.length - 1 ? d + 0.5 : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? NaN : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? -d : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? 2 ** 31 : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? 2 ** 31 - 1 : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? Infinity : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? String(d) : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? BigInt(d) : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? null : d)), data: t.data }),
  (s, t) => ({ shape: s.map((d, i) => (i === 0 ? 65536 : i === 1 ? 65536 : d)), data: t.data }),
  (s, t) => ({ shape: s.join("x"), data: t.data }),
  (_, t) => ({ shape: { length: 1e9 }, data: t.data }),
  (s, t) => ({ shape: { length: s.length }, data: t.data }),
  (s, t) => ({ shape: Int32Array.from(s), data: t.data }),
  (s, t) => ({ shape: s, data: Array.from(t.data).slice(1) }),
  (s, t) => ({ shape: s, data: [...Array.from(t.data), 0] }),
  (s, t) => ({ shape: s, data: Array.from(t.data, (v, i) => (i === t.data.length - 1 ? String(v) : v)) }),
  (s, t) => ({ shape: s, data: Array.from(t.data, (v, i) => (i === 0 ? undefined : v)) }),
  (s, t) => ({ shape: s, data: Array.from(t.data, (v, i) => (i === 0 ? null : v)) }),
  (s, t) => ({ shape: s, data: Array.from(t.data, (v, i) => (i === 0 ? true : v)) }),
  (s, t) => ({ shape: s, data: Array.from(t.data, (v, i) => (i === 0 ? 1n : v)) }),
  (s, t) => ({ shape: s, data: Array.from(t.data, (v, i) => (i === 0 ? [v] : v)) }),
  (s, t) => ({ shape: s, data: new BigInt64Array(t.data.length) }),
  (s, t) => ({ shape: s, data: new BigUint64Array(t.data.length) }),
  (s, t) => ({ shape: s, data: { length: t.data.length } }),
  (s, t) => ({ shape: s, data: new Array(t.data.length) }),
  (s, t) => ({ shape: s, data: "1".repeat(t.data.length) }),
  (s, t) => ({ shape: s, data: new DataView(new ArrayBuffer(4 * t.data.length)) }),
  (s) => ({ shape: s, data: null }),
  (s, t) => ({ shape: s, data: Object.assign(Object.create(null) as object, { length: t.data.length }) }),
];

/** Bad values for a size, stride, pad or count: some valid (2^31 - 1 as a stride, -0 as a pad), most not. */
const BAD_SCALARS: unknown[] = [
  0,
  -1,
  -0,
  0.5,
  2.5,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 32,
  2 ** 53,
  1e308,
  Infinity,
  -Infinity,
  NaN,
  "3",
  "",
  null,
  true,
  3n,
  [3],
  {},
  Symbol("three"),
  () => 3,
  new Number(3),
  new Date(0),
];
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_SCALARS) },
  { weight: 1, arbitrary: fc.anything() },
);
/** Mostly `arb`'s value; one time in `odds + 1` a bad one. */
const maybe = <T>(arb: fc.Arbitrary<T>, odds = 12): fc.Arbitrary<T | unknown> =>
  fc.oneof({ weight: odds, arbitrary: arb }, { weight: 1, arbitrary: junk });

interface TensorSpec {
  seed: number;
  flavor: Flavor;
  kind: Container;
  bad: number;
}
/** A tensor of `shape`: mostly good (any container, maybe NaN, ±Infinity, huge values), sometimes bad. */
function tensorArb(
  shape: number[],
  flavors: Flavor[] = ["clean", "special", "huge", "inf"],
  odds = 30,
): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: odds + 2,
      arbitrary: fc
        .record({
          seed: fc.integer(),
          flavor: fc.constantFrom(...flavors),
          kind: fc.constantFrom(...CONTAINERS),
          bad: fc.oneof(
            { weight: odds, arbitrary: fc.constant(-1) },
            { weight: 2, arbitrary: fc.nat(BAD_TENSORS.length - 1) },
          ),
        })
        .map((spec: TensorSpec) => {
          const t = container(
            spec.kind,
            values(
              spec.seed,
              shape.reduce((a, b) => a * b, 1),
              spec.flavor,
            ),
            shape,
          );
          return spec.bad < 0 ? t : BAD_TENSORS[spec.bad](shape, t);
        }),
    },
    { weight: 1, arbitrary: junk },
  );
}

/** The float64 reference of a tensor that a call accepted: its values as float32, as zeroconv stores them. */
function toRef(t: unknown): Ref {
  const { shape, data } = t as TensorLike;
  return { shape: Array.from(shape), data: Float64Array.from(Float32Array.from(data)) };
}
/** |x| with non-finite values dropped: a reference over these gives each output's sum of |terms|. */
const absFinite = (r: Ref): Ref => ({
  shape: r.shape,
  data: r.data.map((v) => (Number.isFinite(v) ? Math.abs(v) : 0)),
});

/** Copies and maxima: every element is the reference's, bit for bit (signed zeros included). */
function expectExact32(what: string, got: Tensor, want: Ref): void {
  expect(Array.from(got.shape), `${what}: shape`).toEqual(want.shape);
  expect(got).toBeInstanceOf(Tensor);
  for (let i = 0; i < want.data.length; i++) {
    if (!Object.is(got.data[i], Math.fround(want.data[i]))) {
      throw new Error(
        `${what}: element ${i} of ${want.data.length}: got ${got.data[i]}, want ${Math.fround(want.data[i])}`,
      );
    }
  }
}

/**
 * Sums of products, element by element, against the float64 reference `want` and `scale`, each
 * output's sum of |terms| over the finite inputs: NaN exactly where the reference is NaN (NaN,
 * Infinity * 0 and Infinity - Infinity give NaN in any order of summation); the reference's
 * infinity where one is wanted; else within tol * max(1, scale). Where the finite terms reach
 * float32's range (scale > 1e37) the order of float32 summation decides whether a partial sum
 * overflows, so only the NaN rule applies.
 */
function expectSums(what: string, got: Tensor, want: Ref, scale: Ref, tol: number): void {
  expect(Array.from(got.shape), `${what}: shape`).toEqual(want.shape);
  expect(got).toBeInstanceOf(Tensor);
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i],
      w = want.data[i],
      s = scale.data[i];
    const fail = (why: string): never => {
      throw new Error(`${what}: element ${i} of ${want.data.length}: got ${g}, want ${w} (${why})`);
    };
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) fail("NaN wanted");
    } else if (s > 1e37) {
    } else if (!Number.isFinite(w)) {
      if (g !== w) fail("the same infinity wanted");
    } else if (!(Math.abs(g - w) <= tol * Math.max(1, s))) {
      fail(`error ${Math.abs(g - w)} > ${tol} * max(1, ${s})`);
    }
  }
}

/** A scalar (a loss) against the reference: NaN where it is NaN, else within tol * max(1, |want|). */
function expectScalar(what: string, got: number, want: number, tol: number): void {
  if (Number.isNaN(want)) {
    if (!Number.isNaN(got)) throw new Error(`${what}: got ${got}, want NaN`);
  } else if (!Number.isFinite(want)) {
    if (got !== want) throw new Error(`${what}: got ${got}, want ${want}`);
  } else if (!(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)))) {
    throw new Error(`${what}: got ${got}, want ${want}`);
  }
}

/** Whole results of a network, whose scale is the largest finite |want| (no huge values go in). */
function expectNet(what: string, got: Tensor, want: Ref, tol: number): void {
  let scale = 1;
  for (const v of want.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  expectSums(what, got, want, { shape: want.shape, data: new Float64Array(want.data.length).fill(scale) }, tol);
}

const intIn = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
/** A default-able argument as the call sees it: undefined means the default. */
const orDefault = (v: unknown, d: number): number => (v === undefined ? d : (v as number));
/** [stride, pad]: small mostly; sometimes a huge pad with a stride as huge, whose output is a few pixels. */
const stridePad: fc.Arbitrary<[number, number]> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(intIn(1, 3), intIn(0, 2)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(2 ** 15, 2 ** 16, 2 ** 31 - 1), fc.constantFrom(0, 1, 2 ** 15, 2 ** 16)),
  },
);

interface Geo {
  N: number;
  C: number;
  H: number;
  W: number;
  FN: number;
  FH: number;
  FW: number;
  stride: number;
  pad: number;
}
/** A convolution's sizes, valid or not (a filter larger than the padded image is a RangeError). */
const geoArb: fc.Arbitrary<Geo> = fc
  .record({
    N: intIn(1, 3),
    C: intIn(1, 3),
    H: intIn(1, 9),
    W: intIn(1, 9),
    FN: intIn(1, 5),
    FH: intIn(1, 4),
    FW: intIn(1, 4),
    sp: stridePad,
  })
  .map(({ sp: [stride, pad], ...g }) => ({ ...g, stride, pad }));

/**
 * An `out` option for a result of `shape` (null, or sizes that are not all positive integers: no
 * out can be right): mostly none; else the right shape (a plain { shape, data } or a Tensor), one
 * size off, flattened, Float64Array data or junk. Its data holds a sentinel.
 */
function outArb(shape: number[] | null): fc.Arbitrary<unknown> {
  const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const s = shape?.every((d) => Number.isSafeInteger(d) && d >= 1) && prod(shape) <= 1e5 ? shape : [1, 1];
  const filled = (n: number) => new Float32Array(n).fill(7.25);
  // fc.constant(0).map(...) makes a new object (and array) for every case.
  const fresh = (make: () => unknown) => fc.constant(0).map(make);
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fresh(() => ({ shape: [...s], data: filled(prod(s)) })) },
    { weight: 2, arbitrary: fresh(() => new Tensor(filled(prod(s)), [...s])) },
    {
      weight: 1,
      arbitrary: fc.nat(s.length - 1).map((i) => {
        const wrong = s.map((d, j) => (j === i ? d + 1 : d));
        return { shape: wrong, data: filled(prod(wrong)) };
      }),
    },
    { weight: 1, arbitrary: fresh(() => ({ shape: [prod(s)], data: filled(prod(s)) })) },
    { weight: 1, arbitrary: fresh(() => ({ shape: [...s], data: new Float64Array(prod(s)).fill(7.25) })) },
    { weight: 1, arbitrary: junk },
  );
}

/** out's data as it is before a call, to see whether a refused call wrote into it. */
function outSnapshot(out: unknown): number[] | undefined {
  const data = out !== null && typeof out === "object" ? (out as { data?: unknown }).data : undefined;
  return ArrayBuffer.isView(data) && !(data instanceof DataView) ? Array.from(data as Float32Array) : undefined;
}

/** After a call given `out`: an answer is in out's own array (out itself when a Tensor); a refusal wrote nothing there. */
function expectOutKept(what: string, out: unknown, before: number[] | undefined, outcome: Outcome<Tensor>): void {
  if (out === undefined || out === null) return;
  if (outcome.ok) {
    if (outcome.value.data !== (out as TensorLike).data)
      throw new Error(`${what}: answered, but not into opts.out's array`);
    const shape = Array.from((out as TensorLike).shape);
    if (shape.join() !== outcome.value.shape.join())
      throw new Error(`${what}: answered into an opts.out of shape [${shape.join(", ")}], not the result's`);
    if (out instanceof Tensor && outcome.value !== out)
      throw new Error(`${what}: opts.out is a Tensor but another one came back`);
  } else if (before) {
    const now = (out as TensorLike).data;
    if (before.some((v, i) => !Object.is(v, now[i])))
      throw new Error(`${what}: refused (${outcome.error.message}) but wrote into opts.out's data`);
  }
}

// ---------------------------------------------------------------------------------------------

describe("fuzz: the functions", () => {
  it("im2col, both slice orders: the reference's bytes, or a TypeError/RangeError", () => {
    const arb = geoArb.chain((g) =>
      fc.record({
        x: tensorArb([g.N, g.C, g.H, g.W]),
        fh: maybe(fc.constant(g.FH)),
        fw: maybe(fc.constant(g.FW)),
        stride: maybe(fc.constantFrom(g.stride, undefined)),
        pad: maybe(fc.constantFrom(g.pad, undefined)),
        order: maybe(fc.constantFrom("kernel", "output", undefined)),
      }),
    );
    check(1, 2000, arb, (a) => {
      const before = memoryStats().bytesInUse;
      const out = attempt(["im2col"], () =>
        im2col(a.x as never, a.fh as never, a.fw as never, a.stride as never, a.pad as never, a.order as never),
      );
      if (out.ok) {
        expectExact32(
          "im2col",
          out.value,
          refIm2col(toRef(a.x), a.fh as number, a.fw as number, orDefault(a.stride, 1), orDefault(a.pad, 0)),
        );
      }
      settled(before);
    });
  });

  it("col2im: the reference's sums, or a TypeError/RangeError", () => {
    const arb = geoArb.chain((g) =>
      fc
        .record({
          shape: maybe(fc.constant([g.N, g.C, g.H, g.W])),
          fh: maybe(fc.constant(g.FH)),
          fw: maybe(fc.constant(g.FW)),
          stride: maybe(fc.constantFrom(g.stride, undefined)),
          pad: maybe(fc.constantFrom(g.pad, undefined)),
        })
        .chain((a) => {
          // col sized for the stride and pad as given (undefined: the defaults), when they are numbers.
          const s = typeof a.stride === "number" ? a.stride : a.stride === undefined ? 1 : g.stride;
          const p = typeof a.pad === "number" ? a.pad : a.pad === undefined ? 0 : g.pad;
          const oh = outLen(g.H, g.FH, s, p),
            ow = outLen(g.W, g.FW, s, p);
          const rows = oh >= 1 && ow >= 1 && oh * ow < 1e4 ? g.N * oh * ow : 1;
          return tensorArb([rows, g.C * g.FH * g.FW]).map((col) => ({ ...a, col }));
        }),
    );
    check(2, 2000, arb, (a) => {
      const before = memoryStats().bytesInUse;
      const out = attempt(["col2im"], () =>
        col2im(a.col as never, a.shape as never, a.fh as never, a.fw as never, a.stride as never, a.pad as never),
      );
      if (out.ok) {
        const [fh, fw, s, p] = [a.fh as number, a.fw as number, orDefault(a.stride, 1), orDefault(a.pad, 0)];
        const shape = Array.from(a.shape as number[]),
          col = toRef(a.col);
        expectSums(
          "col2im",
          out.value,
          refCol2im(col, shape, fh, fw, s, p),
          refCol2im(absFinite(col), shape, fh, fw, s, p),
          1e-6,
        );
      }
      settled(before);
    });
  });

  it("matmul: the reference's products, or a TypeError/RangeError", () => {
    // Mostly small; sometimes past the SGEMM's 4x8 tiles and its KC = 256 block of the inner size.
    const size = fc.oneof({ weight: 8, arbitrary: intIn(1, 9) }, { weight: 1, arbitrary: intIn(10, 40) });
    const arb = fc
      .record({
        M: size,
        K: fc.oneof({ weight: 8, arbitrary: size }, { weight: 1, arbitrary: intIn(250, 300) }),
        N: size,
        K2: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: intIn(1, 9) }),
      })
      .chain(({ M, K, N, K2 }) =>
        fc.record({
          a: tensorArb([M, K]),
          b: tensorArb([K2 ?? K, N]),
          // No third argument mostly; else { out } (see outArb) or junk.
          opts: fc.oneof(
            { weight: 8, arbitrary: fc.constant(undefined) },
            { weight: 4, arbitrary: outArb([M, N]).map((o) => ({ out: o })) },
            { weight: 1, arbitrary: junk },
          ),
        }),
      );
    check(3, 1500, arb, ({ a, b, opts }) => {
      const before = memoryStats().bytesInUse;
      const o = opts as { out?: unknown } | undefined;
      const outBefore = outSnapshot(o?.out);
      const out = attempt(["matmul"], () =>
        opts === undefined ? matmul(a as never, b as never) : matmul(a as never, b as never, opts as never),
      );
      if (out.ok) {
        const ra = toRef(a),
          rb = toRef(b);
        expectSums("matmul", out.value, refMatmul(ra, rb), refMatmul(absFinite(ra), absFinite(rb)), 1e-5);
      }
      if (o !== null && typeof o === "object") expectOutKept("matmul", o.out, outBefore, out);
      settled(before);
    });
  });

  it("conv2d: the reference's convolution, or a TypeError/RangeError", () => {
    const arb = geoArb.chain((g) =>
      fc.record({
        x: tensorArb([g.N, g.C, g.H, g.W]),
        // Now and then a W whose channels differ from x's.
        w: fc.oneof(
          { weight: 10, arbitrary: tensorArb([g.FN, g.C, g.FH, g.FW]) },
          { weight: 1, arbitrary: tensorArb([g.FN, g.C + 1, g.FH, g.FW]) },
        ),
        b: fc.oneof(
          { weight: 4, arbitrary: tensorArb([g.FN]) },
          { weight: 3, arbitrary: fc.constantFrom(undefined, null) },
          { weight: 1, arbitrary: tensorArb([g.FN + 1]) },
        ),
        opts: fc.oneof(
          {
            weight: 12,
            arbitrary: fc
              .record({
                stride: maybe(fc.constantFrom(g.stride, undefined)),
                pad: maybe(fc.constantFrom(g.pad, undefined)),
              })
              .chain((o) => {
                // An out for the stride and pad as given (see outArb).
                const s = o.stride ?? 1,
                  p = o.pad ?? 0;
                const shape =
                  typeof s === "number" && typeof p === "number"
                    ? [g.N, g.FN, outLen(g.H, g.FH, s, p), outLen(g.W, g.FW, s, p)]
                    : null;
                return outArb(shape).map((out) => (out === undefined ? o : { ...o, out }));
              }),
          },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: junk },
        ),
      }),
    );
    check(4, 2000, arb, (a) => {
      const before = memoryStats().bytesInUse;
      const givenOut = (a.opts as { out?: unknown } | undefined)?.out;
      const outBefore = outSnapshot(givenOut);
      const out = attempt(["conv2d"], () => conv2d(a.x as never, a.w as never, a.b as never, a.opts as never));
      if (out.ok) {
        const o = (a.opts ?? {}) as { stride?: number | null; pad?: number | null };
        const s = o.stride ?? 1,
          p = o.pad ?? 0;
        const x = toRef(a.x),
          w = toRef(a.w),
          b = a.b === undefined || a.b === null ? null : toRef(a.b);
        expectSums(
          "conv2d",
          out.value,
          refConv2d(x, w, b, s, p),
          refConv2d(absFinite(x), absFinite(w), b && absFinite(b), s, p),
          1e-5,
        );
      }
      expectOutKept("conv2d", givenOut, outBefore, out);
      settled(before);
    });
  });

  it("maxPool2d: the reference's maxima (NaN wins), or a TypeError/RangeError", () => {
    const pool = fc.oneof(
      { weight: 10, arbitrary: intIn(1, 4) },
      { weight: 1, arbitrary: fc.constantFrom(2 ** 16, 2 ** 31 - 1) },
    );
    const arb = fc
      .record({ N: intIn(1, 2), C: intIn(1, 3), H: intIn(1, 9), W: intIn(1, 9), PH: pool, PW: pool })
      .chain((g) =>
        fc.record({
          x: tensorArb([g.N, g.C, g.H, g.W]),
          opts: fc.oneof(
            {
              weight: 12,
              arbitrary: fc
                .record(
                  {
                    poolH: maybe(fc.constant(g.PH)),
                    poolW: maybe(fc.constant(g.PW)),
                    stride: maybe(fc.constantFrom(undefined, 1, 2, 3, 2 ** 16)),
                    pad: maybe(fc.constantFrom(undefined, 0, 0, 1, Math.floor(Math.min(g.PH, g.PW) / 2))),
                  },
                  { requiredKeys: ["poolH", "poolW"] },
                )
                .chain((o) => {
                  // An out for the pool, stride and pad as given (see outArb).
                  const [ph, pw, sy, sx, p] = [o.poolH, o.poolW, o.stride ?? o.poolH, o.stride ?? o.poolW, o.pad ?? 0];
                  const nums = [ph, pw, sy, sx, p].every((v) => typeof v === "number");
                  const shape = nums
                    ? [
                        g.N,
                        g.C,
                        outLen(g.H, ph as number, sy as number, p as number),
                        outLen(g.W, pw as number, sx as number, p as number),
                      ]
                    : null;
                  return outArb(shape).map((out) => (out === undefined ? o : { ...o, out }));
                }),
            },
            { weight: 1, arbitrary: junk },
          ),
        }),
      );
    check(5, 2000, arb, (a) => {
      const before = memoryStats().bytesInUse;
      const givenOut = (a.opts as { out?: unknown } | undefined)?.out;
      const outBefore = outSnapshot(givenOut);
      const out = attempt(["maxPool2d"], () => maxPool2d(a.x as never, a.opts as never));
      if (out.ok) {
        const o = a.opts as { poolH: number; poolW: number; stride?: number | null; pad?: number | null };
        const want = refMaxPool(toRef(a.x), o.poolH, o.poolW, o.stride ?? o.poolH, o.stride ?? o.poolW, o.pad ?? 0);
        expectExact32("maxPool2d", out.value, want.y);
      }
      expectOutKept("maxPool2d", givenOut, outBefore, out);
      settled(before);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Layers: a random sequence of forward, backward and dispose on one layer, against a model of its
// state (backward belongs to the last forward that succeeded; a refused forward changes nothing;
// everything after dispose is a TypeError).

type Op = { kind: "forward" | "backward"; arg: unknown } | { kind: "dispose" };
const opKind = fc.oneof(
  { weight: 6, arbitrary: fc.constant("forward" as const) },
  { weight: 5, arbitrary: fc.constant("backward" as const) },
  { weight: 1, arbitrary: fc.constant("dispose" as const) },
);

/** Runs `ops` on `layer` with the checks every layer shares; `step` checks one op's outcome. */
function runLayer<L extends { dispose(): void }>(
  name: string,
  make: () => L,
  ops: { kind: string; arg?: unknown }[],
  step: (layer: L, op: { kind: string; arg?: unknown }) => Outcome<unknown> | null,
): void {
  const before = memoryStats().bytesInUse;
  const built = attempt([name], make);
  if (!built.ok) {
    settled(before);
    return;
  }
  const layer = built.value;
  let disposed = false;
  for (const op of ops) {
    const held = memoryStats().bytesInUse;
    if (op.kind === "dispose") {
      layer.dispose();
      disposed = true;
      expect(memoryStats().bytesInUse).toBe(before);
      continue;
    }
    const out = step(layer, op);
    if (out === null) continue;
    if (disposed) {
      expect(out.ok, `${name}.${op.kind} after dispose`).toBe(false);
      expect((out as { error: Error }).error).toBeInstanceOf(TypeError);
      expect((out as { error: Error }).error.message).toMatch(/was disposed/);
    }
    // A refused call holds nothing more than before it.
    if (!out.ok) expect(memoryStats().bytesInUse).toBe(held);
    expectClose(conv2d(good.x.t, good.w.t, null, { pad: 1 }), goodWant, 1e-5);
  }
  layer.dispose();
  layer.dispose(); // twice is harmless
  settled(before);
}

describe("fuzz: the layers", () => {
  it("Convolution: forward and backward against the reference, or a TypeError/RangeError", () => {
    const arb = geoArb.chain((g) =>
      fc.record({
        g: fc.constant(g),
        W: tensorArb([g.FN, g.C, g.FH, g.FW], ["clean", "special", "huge"], 30),
        b: tensorArb([g.FN], ["clean", "special", "huge"], 30),
        stride: maybe(fc.constantFrom(g.stride, undefined), 30),
        pad: maybe(fc.constantFrom(g.pad, undefined), 30),
        ops: fc
          .array(fc.record({ kind: opKind, n: intIn(1, 3), arg: fc.constant(null) }), { maxLength: 5 })
          .chain((ops) =>
            fc.tuple(
              ...ops.map((op) =>
                op.kind === "forward"
                  ? tensorArb([op.n, g.C, g.H, g.W]).map((arg): Op => ({ kind: "forward", arg }))
                  : op.kind === "backward"
                    ? fc
                        .record({
                          seed: fc.integer(),
                          flavor: fc.constantFrom<Flavor>("clean", "special", "huge"),
                          bad: fc.oneof(
                            { weight: 8, arbitrary: fc.constant(-1) },
                            { weight: 1, arbitrary: fc.nat(BAD_TENSORS.length - 1) },
                          ),
                        })
                        .map((arg): Op => ({ kind: "backward", arg }))
                    : fc.constant<Op>({ kind: "dispose" }),
              ),
            ),
          ),
      }),
    );
    check(11, 1000, arb, (a) => {
      let last: { x: Ref; y: number[] } | null = null;
      runLayer(
        "Convolution",
        () => new Convolution(a.W as never, a.b as never, a.stride as never, a.pad as never),
        a.ops,
        (conv, op) => {
          // The book's positional form: one stride and one pad, both numbers.
          const s = conv.stride as number,
            p = conv.pad as number,
            W = toRef(conv.W),
            b = toRef(conv.b);
          if (op.kind === "forward") {
            const out = attempt(["Convolution.forward"], () => conv.forward(op.arg as never));
            if (out.ok) {
              const x = toRef(op.arg);
              expectSums(
                "Convolution.forward",
                out.value,
                refConv2d(x, W, b, s, p),
                refConv2d(absFinite(x), absFinite(W), absFinite(b), s, p),
                1e-5,
              );
              last = { x, y: [...out.value.shape] };
            }
            return out;
          }
          const dout = doutFor(op.arg as DoutSpec, last?.y ?? [1, 1, 1, 1]);
          const out = attempt(["Convolution.backward"], () => conv.backward(dout as never));
          if (last === null && !out.ok) expect(out.error.message).toMatch(/before backward|was disposed/);
          if (out.ok) {
            expect(last, "backward succeeded before any forward").not.toBeNull();
            const x = last!.x,
              d = toRef(dout);
            const want = refConv2dBackward(x, W, d, s, p),
              scale = refConv2dBackward(absFinite(x), absFinite(W), absFinite(d), s, p);
            expectSums("Convolution.backward dx", out.value, want.dx, scale.dx, 1e-5);
            expectSums("Convolution.backward dW", conv.dW!, bookConvDW(x, d, W.shape, s, p), scale.dW, 1e-5);
            expectSums("Convolution.backward db", conv.db!, want.db, scale.db, 1e-5);
          }
          return out;
        },
      );
    });
  });

  it("Pooling: forward and backward against the reference, or a TypeError/RangeError", () => {
    const arb = fc
      .record({
        N: intIn(1, 2),
        C: intIn(1, 3),
        H: intIn(1, 9),
        W: intIn(1, 9),
        PH: intIn(1, 4),
        PW: intIn(1, 4),
        stride: intIn(1, 3),
        pad: intIn(0, 2),
      })
      .chain((g) =>
        fc.record({
          ph: maybe(fc.constant(g.PH), 30),
          pw: maybe(fc.constant(g.PW), 30),
          stride: maybe(fc.constantFrom(g.stride, undefined), 30),
          pad: maybe(fc.constantFrom(g.pad, 0, undefined), 30),
          ops: fc
            .array(fc.record({ kind: opKind, n: intIn(1, 2), H: intIn(1, 9), W: intIn(1, 9) }), { maxLength: 5 })
            .chain((ops) =>
              fc.tuple(
                ...ops.map((op) =>
                  op.kind === "forward"
                    ? tensorArb([op.n, g.C, op.H, op.W]).map((arg): Op => ({ kind: "forward", arg }))
                    : op.kind === "backward"
                      ? doutArb.map((arg): Op => ({ kind: "backward", arg }))
                      : fc.constant<Op>({ kind: "dispose" }),
                ),
              ),
            ),
        }),
      );
    check(12, 1000, arb, (a) => {
      let last: { x: Ref; argmax: Int32Array; y: number[] } | null = null;
      runLayer(
        "Pooling",
        () => new Pooling(a.ph as never, a.pw as never, a.stride as never, a.pad as never),
        a.ops,
        (pool, op) => {
          if (op.kind === "forward") {
            const out = attempt(["Pooling.forward"], () => pool.forward(op.arg as never));
            if (out.ok) {
              const x = toRef(op.arg);
              const want = refMaxPool(x, pool.poolH, pool.poolW, pool.stride, pool.stride, pool.pad);
              expectExact32("Pooling.forward", out.value, want.y);
              last = { x, argmax: want.argmax, y: [...out.value.shape] };
            }
            return out;
          }
          const dout = doutFor(op.arg as DoutSpec, last?.y ?? [1, 1, 1, 1]);
          const out = attempt(["Pooling.backward"], () => pool.backward(dout as never));
          if (out.ok) {
            const d = toRef(dout);
            expectSums(
              "Pooling.backward",
              out.value,
              refMaxPoolBackward(last!.x.shape, last!.argmax, d),
              refMaxPoolBackward(last!.x.shape, last!.argmax, absFinite(d)),
              1e-6,
            );
          }
          return out;
        },
      );
    });
  });

  it("Relu: forward and backward on tensors of any rank, bit for bit, or a TypeError/RangeError", () => {
    const shape = fc.array(intIn(1, 5), { minLength: 1, maxLength: 5 });
    const arb = fc
      .array(fc.record({ kind: opKind, shape }), { maxLength: 5 })
      .chain((ops) =>
        fc.tuple(
          ...ops.map((op) =>
            op.kind === "forward"
              ? tensorArb(op.shape).map((arg): Op => ({ kind: "forward", arg }))
              : op.kind === "backward"
                ? doutArb.map((arg): Op => ({ kind: "backward", arg }))
                : fc.constant<Op>({ kind: "dispose" }),
          ),
        ),
      );
    check(13, 1000, arb, (ops) => {
      let last: Ref | null = null;
      runLayer(
        "Relu",
        () => new Relu(),
        ops,
        (relu, op) => {
          if (op.kind === "forward") {
            const out = attempt(["Relu.forward"], () => relu.forward(op.arg as never));
            if (out.ok) {
              last = toRef(op.arg);
              expectExact32("Relu.forward", out.value, refRelu(last));
            }
            return out;
          }
          const dout = doutFor(op.arg as DoutSpec, last?.shape ?? [1]);
          const out = attempt(["Relu.backward"], () => relu.backward(dout as never));
          if (out.ok) expectExact32("Relu.backward", out.value, refReluBackward(last!, toRef(dout)));
          return out;
        },
      );
    });
  });

  it("Affine: forward (any rank, flattened) and backward against the reference, or a TypeError/RangeError", () => {
    const arb = fc.record({ rest: fc.array(intIn(1, 4), { maxLength: 3 }), M: intIn(1, 6) }).chain(({ rest, M }) => {
      const D = rest.reduce((a, b) => a * b, 1);
      return fc.record({
        W: tensorArb([D, M], ["clean", "special", "huge"], 30),
        b: tensorArb([M], ["clean", "special", "huge"], 30),
        ops: fc
          .array(fc.record({ kind: opKind, n: intIn(1, 4), wrongD: fc.boolean() }), { maxLength: 5 })
          .chain((ops) =>
            fc.tuple(
              ...ops.map((op) =>
                op.kind === "forward"
                  ? tensorArb(
                      op.wrongD && rest.length > 0
                        ? [op.n, ...rest.slice(0, -1), rest[rest.length - 1] + 1]
                        : [op.n, ...rest],
                    ).map((arg): Op => ({ kind: "forward", arg }))
                  : op.kind === "backward"
                    ? doutArb.map((arg): Op => ({ kind: "backward", arg }))
                    : fc.constant<Op>({ kind: "dispose" }),
              ),
            ),
          ),
      });
    });
    check(14, 1000, arb, (a) => {
      let last: { x: Ref; y: number[] } | null = null;
      runLayer(
        "Affine",
        () => new Affine(a.W as never, a.b as never),
        a.ops,
        (affine, op) => {
          const W = toRef(affine.W),
            b = toRef(affine.b);
          if (op.kind === "forward") {
            const out = attempt(["Affine.forward"], () => affine.forward(op.arg as never));
            if (out.ok) {
              const x = toRef(op.arg);
              expectSums(
                "Affine.forward",
                out.value,
                refAffine(x, W, b),
                refAffine(absFinite(x), absFinite(W), absFinite(b)),
                1e-5,
              );
              last = { x, y: [...out.value.shape] };
            }
            return out;
          }
          const dout = doutFor(op.arg as DoutSpec, last?.y ?? [1, 1]);
          const out = attempt(["Affine.backward"], () => affine.backward(dout as never));
          if (out.ok) {
            const x = last!.x,
              d = toRef(dout);
            const want = refAffineBackward(x, W, d),
              scale = refAffineBackward(absFinite(x), absFinite(W), absFinite(d));
            expectSums("Affine.backward dx", out.value, want.dx, scale.dx, 1e-5);
            expectSums("Affine.backward dW", affine.dW!, want.dW, scale.dW, 1e-5);
            expectSums("Affine.backward db", affine.db!, want.db, scale.db, 1e-5);
          }
          return out;
        },
      );
    });
  });

  it("SoftmaxWithLoss: loss, probabilities and backward(dout) against the reference, or a TypeError/RangeError", () => {
    const arb = fc
      .array(
        fc.record({
          kind: opKind,
          N: intIn(1, 4),
          K: intIn(1, 6),
          dout: fc.oneof(fc.constant(undefined), fc.double(), junk),
        }),
        { maxLength: 5 },
      )
      .chain((ops) =>
        fc.tuple(
          ...ops.map((op) =>
            op.kind === "forward"
              ? fc
                  .record({ x: tensorArb([op.N, op.K]), t: labelsArb(op.N, op.K) })
                  .map((arg): Op => ({ kind: "forward", arg }))
              : op.kind === "backward"
                ? fc.constant<Op>({ kind: "backward", arg: op.dout })
                : fc.constant<Op>({ kind: "dispose" }),
          ),
        ),
      );
    check(15, 1000, arb, (ops) => {
      let last: { y: Ref; t: RefLabels } | null = null;
      runLayer(
        "SoftmaxWithLoss",
        () => new SoftmaxWithLoss(),
        ops,
        (layer, op) => {
          if (op.kind === "forward") {
            const { x, t } = op.arg as { x: unknown; t: unknown };
            const out = attempt(["SoftmaxWithLoss.forward"], () => layer.forward(x as never, t as never));
            if (out.ok) {
              const rt = refLabels(t);
              const want = refSoftmaxLoss(toRef(x), rt);
              expectScalar("SoftmaxWithLoss.forward loss", out.value, want.loss, 1e-6);
              expect(layer.loss).toBe(out.value);
              expectSums(
                "SoftmaxWithLoss.y",
                layer.y!,
                want.y,
                { shape: want.y.shape, data: new Float64Array(want.y.data.length).fill(1) },
                1e-6,
              );
              // Backward starts from the probabilities as stored, in float32 (NumPy's float32 would too).
              last = { y: { shape: want.y.shape, data: want.y.data.map(Math.fround) }, t: rt };
            }
            return out;
          }
          const out = attempt(["SoftmaxWithLoss.backward"], () =>
            op.arg === undefined ? layer.backward() : layer.backward(op.arg as never),
          );
          if (out.ok) {
            // dout goes to the kernel as a float32, as NumPy 2 multiplies a float32 array by a Python float.
            const d = Math.fround(op.arg === undefined ? 1 : (op.arg as number));
            const { y, t } = last!;
            const want = refSoftmaxLossBackward(y, t, d);
            // Each element's |dout| * (|y| + |t|) / N.
            const [N, K] = y.shape;
            const target = (i: number): number => (isRef(t) ? t.data[i] : t[Math.floor(i / K)] === i % K ? 1 : 0);
            const scale = y.data.map((v, i) => (Math.abs(d) * (Math.abs(v) + Math.abs(target(i)))) / N);
            expectSums(
              "SoftmaxWithLoss.backward",
              out.value as Tensor,
              want,
              { shape: y.shape, data: scale.map((v) => (Number.isNaN(v) ? 0 : v)) },
              1e-6,
            );
          }
          return out;
        },
      );
    });
  });
});

interface DoutSpec {
  seed: number;
  flavor: Flavor;
  bad: number;
}
const doutArb: fc.Arbitrary<DoutSpec> = fc.record({
  seed: fc.integer(),
  flavor: fc.constantFrom<Flavor>("clean", "special", "huge"),
  bad: fc.oneof({ weight: 8, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(BAD_TENSORS.length - 1) }),
});
/** A dout for the last forward's output shape (made when the op runs, as that shape is known only then). */
function doutFor(spec: DoutSpec, shape: number[]): unknown {
  const t = container(
    "f32",
    values(
      spec.seed,
      shape.reduce((a, b) => a * b, 1),
      spec.flavor,
    ),
    shape,
  );
  return spec.bad < 0 ? t : BAD_TENSORS[spec.bad](shape, t);
}

const isRef = (t: RefLabels): t is Ref => typeof t === "object" && t !== null && "shape" in t;

/** Labels for N rows of K classes: indices in any array type, one-hot rows, or bad ones. */
function labelsArb(N: number, K: number): fc.Arbitrary<unknown> {
  const indices = fc.array(intIn(0, K - 1), { minLength: N, maxLength: N });
  return fc.oneof(
    { weight: 3, arbitrary: indices.map((v) => Uint8Array.from(v)) },
    { weight: 2, arbitrary: indices.map((v) => Int32Array.from(v)) },
    { weight: 2, arbitrary: indices },
    {
      weight: 2,
      arbitrary: indices.map((v) => ({
        shape: [N, K],
        data: Float32Array.from({ length: N * K }, (_, i) => (v[Math.floor(i / K)] === i % K ? 1 : 0)),
      })),
    },
    { weight: 1, arbitrary: tensorArb([N, K], ["clean", "special"]) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        indices.map((v) => [...v.slice(1), K]),
        indices.map((v) => [...v.slice(1), -1]),
        indices.map((v) => [...v.slice(1), 0.5]),
        indices.map((v) => [...v.slice(1), NaN]),
        indices.map((v) => [...v.slice(1), "1"]),
        indices.map((v) => [...v, 0]),
        indices.map((v) => Float32Array.from(v)),
        indices.map((v) => ({ shape: [N, K + 1], data: new Float32Array(N * (K + 1)).fill(v[0]) })),
        junk,
      ),
    },
  );
}

/** The reference's labels for labels a call accepted: class indices, or one-hot rows as a Ref. */
function refLabels(t: unknown): RefLabels {
  if (t !== null && typeof t === "object" && "shape" in t) return toRef(t);
  return Array.from(t as ArrayLike<number>);
}

// ---------------------------------------------------------------------------------------------

/** One plain-JavaScript step of SGD and Adam over Float32Arrays: the arithmetic src/ promises, bit for bit. */
function sgdStep(p: Float32Array, g: ArrayLike<number>, lr: number): void {
  for (let i = 0; i < p.length; i++) p[i] -= lr * g[i]; // g as given: a float64 gradient is not rounded first
}
function adamStep(
  p: Float32Array,
  g: ArrayLike<number>,
  m: Float32Array,
  v: Float32Array,
  lrT: number,
  beta1: number,
  beta2: number,
): void {
  const g32 = Float32Array.from(g),
    a1 = 1 - beta1,
    a2 = 1 - beta2;
  for (let i = 0; i < p.length; i++) {
    m[i] = m[i] + a1 * (g32[i] - m[i]);
    v[i] = v[i] + a2 * (g32[i] * g32[i] - v[i]);
    p[i] = p[i] - (lrT * m[i]) / (Math.sqrt(v[i]) + 1e-7);
  }
}

const paramShapes = fc.dictionary(
  fc.constantFrom("W1", "b1", "W2", "x", "__proto__", "constructor", "0"),
  fc.array(intIn(0, 4), { maxLength: 3 }),
  { minKeys: 1, maxKeys: 4 },
);
/** params: Tensors of random shapes (or a bad entry); grads for them, mostly good. */
const optimizerCase = paramShapes.chain((shapes) => {
  const keys = Object.keys(shapes);
  const gradsFor = fc.tuple(...keys.map((k) => tensorArb(shapes[k], ["clean", "special", "huge"], 20)));
  return fc.record({
    shapes: fc.constant(shapes),
    params: fc
      .tuple(
        ...keys.map((k) =>
          fc.oneof(
            {
              weight: 20,
              arbitrary: fc.integer().map(
                (seed) =>
                  new Tensor(
                    Float32Array.from(
                      values(
                        seed,
                        shapes[k].reduce((a, b) => a * b, 1),
                        "special",
                      ),
                    ),
                    shapes[k],
                  ),
              ),
            },
            { weight: 1, arbitrary: junk },
          ),
        ),
      )
      .map((ps) => Object.fromEntries(keys.map((k, i) => [k, ps[i]]))),
    steps: fc.array(
      fc.oneof(
        { weight: 12, arbitrary: gradsFor.map((gs) => Object.fromEntries(keys.map((k, i) => [k, gs[i]]))) },
        { weight: 1, arbitrary: junk },
      ),
      { minLength: 1, maxLength: 4 },
    ),
  });
});

const snapshot = (params: Record<string, unknown>): Record<string, Float32Array> =>
  Object.fromEntries(
    Object.entries(params)
      .filter(([, p]) => p instanceof Tensor)
      .map(([k, p]) => [k, (p as Tensor).data.slice()]),
  );
function expectSameParams(what: string, got: Record<string, unknown>, want: Record<string, Float32Array>): void {
  for (const [k, w] of Object.entries(want)) {
    const g = (got[k] as Tensor).data;
    for (let i = 0; i < w.length; i++) {
      if (!Object.is(g[i], w[i])) throw new Error(`${what}: ${k}[${i}] is ${g[i]}, want ${w[i]}`);
    }
  }
}

describe("fuzz: the optimisers and Random", () => {
  it("SGD: p -= lr * g bit for bit, or a TypeError/RangeError that leaves every parameter as it was", () => {
    const lr = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(undefined, 0.01, 0.5, 1e-30, 3e38) },
      { weight: 2, arbitrary: fc.double() },
      { weight: 1, arbitrary: junk },
    );
    check(21, 1000, fc.record({ lr, c: optimizerCase }), ({ lr, c }) => {
      const before = memoryStats().bytesInUse;
      const made = attempt(["SGD"], () => (lr === undefined ? new SGD() : new SGD(lr as never)));
      if (made.ok) {
        const sgd = made.value;
        expect(sgd.lr).toBe(lr ?? 0.01);
        for (const grads of c.steps) {
          const want = snapshot(c.params);
          const out = attempt(["SGD.update"], () => sgd.update(c.params as never, grads as never));
          if (out.ok)
            for (const k of Object.keys(want)) sgdStep(want[k], (grads as Record<string, TensorLike>)[k].data, sgd.lr);
          expectSameParams("SGD.update", c.params, want);
        }
      }
      settled(before);
    });
  });

  it("Adam: the book's step bit for bit over several updates, or a TypeError/RangeError that changes nothing", () => {
    const options = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record(
          {
            lr: maybe(fc.constantFrom(0.001, 0.1, 1e-30, 3e38)),
            beta1: maybe(fc.constantFrom(0, 0.9, 0.5)),
            beta2: maybe(fc.constantFrom(0, 0.999, 0.25)),
          },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: junk },
    );
    check(22, 1000, fc.record({ options, c: optimizerCase }), ({ options, c }) => {
      const before = memoryStats().bytesInUse;
      const made = attempt(["Adam"], () => new Adam(options as never));
      if (made.ok) {
        const adam = made.value;
        const o = (options ?? {}) as { lr?: number; beta1?: number; beta2?: number };
        expect([adam.lr, adam.beta1, adam.beta2]).toEqual([o.lr ?? 0.001, o.beta1 ?? 0.9, o.beta2 ?? 0.999]);
        const moments = new Map<string, [Float32Array, Float32Array]>();
        let iter = 0;
        for (const grads of c.steps) {
          const want = snapshot(c.params);
          const out = attempt(["Adam.update"], () => adam.update(c.params as never, grads as never));
          if (out.ok) {
            iter++;
            const lrT = (adam.lr * Math.sqrt(1 - adam.beta2 ** iter)) / (1 - adam.beta1 ** iter);
            for (const k of Object.keys(want)) {
              const n = want[k].length;
              if (moments.get(k)?.[0].length !== n) moments.set(k, [new Float32Array(n), new Float32Array(n)]);
              const [m, v] = moments.get(k)!;
              adamStep(want[k], (grads as Record<string, TensorLike>)[k].data, m, v, lrT, adam.beta1, adam.beta2);
            }
          }
          expect(adam.iter).toBe(iter);
          expectSameParams("Adam.update", c.params, want);
        }
        adam.dispose();
        const after = attempt(["Adam.update"], () => adam.update(c.params as never, c.steps[0] as never));
        expect(after.ok).toBe(false);
        if (Symbol.dispose !== undefined) adam[Symbol.dispose](); // the same as dispose(), and harmless twice
      }
      settled(before);
    });
  });

  it("Random: the same seed gives the same draws, each in its range, or a TypeError/RangeError", () => {
    const seed = fc.oneof(
      { weight: 6, arbitrary: fc.integer() },
      { weight: 2, arbitrary: fc.constantFrom(0, -1, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308) },
      { weight: 1, arbitrary: fc.double() },
      { weight: 2, arbitrary: junk },
    );
    // No permutation of 2^31 - 1: valid, and 8 GiB.
    const n = fc.oneof(
      { weight: 8, arbitrary: intIn(0, 50) },
      { weight: 2, arbitrary: fc.constantFrom(2 ** 31, 2 ** 53, -1, 0.5, NaN, Infinity, "5", null, 5n) },
    );
    const ops = fc.array(fc.record({ op: fc.constantFrom("next", "uint32", "normal", "int", "permutation"), n }), {
      maxLength: 8,
    });
    check(23, 1000, fc.record({ seed, ops, explicit: fc.boolean() }), ({ seed, ops, explicit }) => {
      const before = memoryStats().bytesInUse;
      const make = (): Random => (explicit || seed !== undefined ? new Random(seed as never) : new Random());
      const made = attempt(["Random"], make);
      if (made.ok) {
        const a = made.value,
          b = new Random(a.seed);
        if (typeof seed === "number") expect(a.seed).toBe(seed);
        for (const { op, n } of ops) {
          const out = attempt([`Random.${op}`], () => (a as unknown as Record<string, (n: unknown) => unknown>)[op](n));
          const twin = attempt([`Random.${op}`], () =>
            (b as unknown as Record<string, (n: unknown) => unknown>)[op](n),
          );
          expect(twin).toEqual(out);
          if (!out.ok) continue;
          const v = out.value;
          if (op === "next") expect((v as number) >= 0 && (v as number) < 1).toBe(true);
          if (op === "uint32") expect(Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32).toBe(true);
          if (op === "normal") expect(Number.isFinite(v)).toBe(true);
          if (op === "int")
            expect(Number.isInteger(v) && (v as number) >= 0 && (v as number) < (n as number)).toBe(true);
          if (op === "permutation")
            expect(Array.from(v as Int32Array).sort((x, y) => x - y)).toEqual(
              Array.from({ length: n as number }, (_, i) => i),
            );
        }
      }
      settled(before);
    });
  });

  it("Tensor: keeps its Float32Array and a frozen copy of its shape, or a TypeError/RangeError", () => {
    const dim = fc.oneof({ weight: 10, arbitrary: intIn(0, 4) }, { weight: 1, arbitrary: junk });
    const arb = fc.record({
      shape: fc.oneof({ weight: 10, arbitrary: fc.array(dim, { maxLength: 5 }) }, { weight: 1, arbitrary: junk }),
      kind: fc.constantFrom("f32", "f32", "f32", "f64", "array", "i32", "junk"),
      delta: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) }),
      other: junk,
    });
    check(24, 1500, arb, ({ shape, kind, delta, other }) => {
      const before = memoryStats().bytesInUse;
      const size =
        Array.isArray(shape) && shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0 && d < 100)
          ? shape.reduce((a: number, b: number) => a * b, 1)
          : 3;
      const length = Math.max(size + delta, 0);
      const data =
        kind === "f32"
          ? new Float32Array(length)
          : kind === "f64"
            ? new Float64Array(length)
            : kind === "array"
              ? new Array(length).fill(0)
              : kind === "i32"
                ? new Int32Array(length)
                : other;
      const out = attempt(["Tensor"], () => new Tensor(data as never, shape as never));
      if (out.ok) {
        const t = out.value;
        expect(t.data).toBe(data);
        expect(t.shape).toEqual(shape);
        expect(t.shape).not.toBe(shape);
        expect(Object.isFrozen(t.shape)).toBe(true);
        expect(t.size === (shape as number[]).reduce((a, b) => a * b, 1)).toBe(true); // === : a shape [-0] has size 0
      }
      settled(before);
    });
  });

  it("memoryStats: numbers in order, whatever it is passed", () => {
    check(25, 100, fc.array(junk, { maxLength: 3 }), (args) => {
      const before = memoryStats().bytesInUse;
      const s = (memoryStats as (...a: unknown[]) => ReturnType<typeof memoryStats>)(...args);
      expect(Object.keys(s).sort()).toEqual(["bytesInUse", "highWater", "memoryBytes"]);
      expect(s.bytesInUse).toBe(before);
      expect(s.bytesInUse <= s.highWater && s.highWater <= s.memoryBytes).toBe(true);
      settled(before);
    });
  });

  it("init: later calls give the first result, or reject with a TypeError/RangeError; nothing reloads", async () => {
    const options = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record(
          {
            threads: maybe(fc.constantFrom(undefined, firstInit?.threads ?? 1, 1, 2, 64), 4),
            build: maybe(fc.constantFrom(undefined, "auto", "simd", "relaxed-simd", "avx"), 4),
            warmUp: maybe(fc.constantFrom(undefined, true, false), 4),
            wasmUrl: fc.oneof(
              { weight: 8, arbitrary: fc.constant(undefined) },
              {
                weight: 1,
                arbitrary: fc.constantFrom(
                  "https://example.invalid/zeroconv.wasm",
                  "not a url",
                  new URL("file:///nowhere/zeroconv.wasm"),
                ),
              },
              { weight: 1, arbitrary: junk },
            ),
            wasmBinary: fc.oneof(
              { weight: 8, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }) },
              { weight: 1, arbitrary: junk },
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: junk },
    );
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        cases++;
        const before = memoryStats().bytesInUse;
        let got: InitResult | null = null;
        try {
          got = await (o === undefined ? init() : init(o as never));
          calls.answered++;
        } catch (e) {
          expectCleanError(e, ["init"]);
          calls.refused++;
        }
        if (got !== null) expect(got).toEqual(firstInit);
        settled(before);
      }),
      { seed: SEED + 26, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// SimpleConvNet and train

interface NetOptions {
  inputDim: [number, number, number];
  convParam: { filterNum: number; filterSize: number; pad: number; stride: number };
  hiddenSize: number;
  outputSize: number;
  weightInitStd: number;
  seed: number;
}
const netOptionsArb: fc.Arbitrary<NetOptions> = fc.record({
  inputDim: fc.tuple(intIn(1, 2), intIn(4, 9), intIn(4, 9)),
  convParam: fc.record({ filterNum: intIn(1, 3), filterSize: intIn(1, 3), pad: intIn(0, 1), stride: intIn(1, 2) }),
  hiddenSize: intIn(1, 6),
  outputSize: intIn(1, 4),
  weightInitStd: fc.constantFrom(0.01, 0.1, 1, 0),
  seed: fc.integer(),
});
/** Options with, now and then, one field (or one size inside) made bad. */
const badNetOptions: fc.Arbitrary<unknown> = fc.tuple(netOptionsArb, fc.nat(10), junk).map(([o, which, bad]) => {
  const c = structuredClone(o) as unknown as Record<string, unknown> & {
    inputDim: unknown[];
    convParam: Record<string, unknown>;
  };
  if (which < 3) c.inputDim[which] = bad;
  else if (which < 7) c.convParam[["filterNum", "filterSize", "pad", "stride"][which - 3]] = bad;
  else c[["inputDim", "convParam", "hiddenSize", "outputSize"][which - 7]] = bad;
  return c;
});
const netOptions = fc.oneof(
  { weight: 10, arbitrary: netOptionsArb as fc.Arbitrary<unknown> },
  { weight: 2, arbitrary: badNetOptions },
  { weight: 1, arbitrary: junk },
);

const refParams = (net: SimpleConvNet): RefParams =>
  Object.fromEntries(PARAM_NAMES.map((k) => [k, toRef(net.params[k])])) as unknown as RefParams;

/** x as [N, C, H, W] for the reference, whether it was given flattened or not. */
const images = (x: unknown, inputDim: number[]): Ref => {
  const r = toRef(x);
  return { shape: [r.shape[0], ...inputDim], data: r.data };
};
/** np.argmax: the first largest value, and NaN counts as the largest. */
function npArgmax(a: ArrayLike<number>, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) {
    const v = a[start + i],
      b = a[start + best];
    if (v > b || (Number.isNaN(v) && !Number.isNaN(b))) best = i;
  }
  return best;
}

describe("fuzz: SimpleConvNet", () => {
  it("constructor, predict, loss, accuracy and gradient against the float64 network, or a TypeError/RangeError", () => {
    const arb = netOptions.chain((options) => {
      const o = options as NetOptions;
      const ok =
        o !== null &&
        typeof o === "object" &&
        Array.isArray(o.inputDim) &&
        o.inputDim.length === 3 &&
        o.inputDim.every((d) => Number.isInteger(d) && d >= 1 && d <= 9);
      const dim = ok ? o.inputDim : [1, 4, 4];
      const classes = ok && Number.isInteger(o.outputSize) && o.outputSize >= 1 && o.outputSize <= 4 ? o.outputSize : 3;
      const op = fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom("predict", "loss", "accuracy", "gradient") },
        // net.params is a plain record a user can assign into: a junk value, a Tensor of another shape, or one of the right shape.
        { weight: 1, arbitrary: fc.constant("tamper") },
      );
      const call = fc
        .record({ N: intIn(1, 4), flat: fc.boolean(), op, batch: maybe(fc.constantFrom(undefined, 1, 2, 100)) })
        .chain(({ N, flat, op, batch }) =>
          fc.record({
            op: fc.constant(op),
            batch: fc.constant(batch),
            x: tensorArb(flat ? [N, dim[0] * dim[1] * dim[2]] : [N, ...dim], ["clean", "special", "inf"]),
            t: labelsArb(N, classes),
            param: fc.constantFrom(...PARAM_NAMES),
            value: fc.oneof(fc.constantFrom("same shape", "other shape"), junk),
          }),
        );
      return fc.record({ options: fc.constant(options), calls: fc.array(call, { minLength: 1, maxLength: 3 }) });
    });
    check(31, 1500, arb, ({ options, calls }) => {
      const before = memoryStats().bytesInUse;
      const made = attempt(["SimpleConvNet"], () => new SimpleConvNet(options as never));
      if (made.ok) {
        // Junk that the constructor accepted ({}, an array, a Date…) is the book's network.
        const net = made.value,
          given = options as Partial<NetOptions> | undefined;
        const o = { inputDim: given?.inputDim ?? [1, 28, 28] };
        const conv = { stride: given?.convParam?.stride ?? 1, pad: given?.convParam?.pad ?? 0 };
        let tampered: string | null = null;
        const shapes = Object.fromEntries(PARAM_NAMES.map((k) => [k, [...net.params[k].shape]]));
        for (const { op, x, t, batch, param, value } of calls) {
          const fn = `SimpleConvNet.${op}`;
          if (op === "tamper") {
            const shape = shapes[param];
            const size = shape.reduce((a, b) => a * b, 1);
            const replacement =
              value === "same shape"
                ? new Tensor(Float32Array.from(values(size, size, "clean")), shape)
                : value === "other shape"
                  ? new Tensor(new Float32Array(size + 1), [size + 1])
                  : value;
            (net.params as Record<string, unknown>)[param] = replacement;
            if (value !== "same shape") tampered ??= param;
            continue;
          }
          if (tampered !== null) {
            // Every call is refused while a parameter is not a Tensor of the network's shape.
            const out = attempt([fn], () =>
              op === "predict"
                ? net.predict(x as never)
                : op === "loss"
                  ? net.loss(x as never, t as never)
                  : op === "accuracy"
                    ? net.accuracy(x as never, t as never)
                    : net.gradient(x as never, t as never),
            );
            expect(out.ok, `${fn} with this.params.${tampered} replaced`).toBe(false);
            continue;
          }
          if (op === "predict") {
            const out = attempt([fn], () => net.predict(x as never));
            if (out.ok) expectNet(fn, out.value, refForward(refParams(net), conv, images(x, o.inputDim)).scores, 1e-5);
          } else if (op === "loss") {
            const out = attempt([fn], () => net.loss(x as never, t as never));
            if (out.ok)
              expectScalar(
                fn,
                out.value,
                refSoftmaxLoss(refForward(refParams(net), conv, images(x, o.inputDim)).scores, refLabels(t)).loss,
                1e-5,
              );
          } else if (op === "accuracy") {
            const out = attempt([fn], () =>
              batch === undefined
                ? net.accuracy(x as never, t as never)
                : net.accuracy(x as never, t as never, batch as never),
            );
            if (out.ok) {
              // The share of rows whose largest score (np.argmax of predict's) is the label's class.
              const scores = net.predict(x as never),
                rt = refLabels(t),
                N = scores.shape[0],
                K = scores.shape[1];
              const cls = (i: number): number => (isRef(rt) ? labelsOf(rt)[i] : rt[i]); // a one-hot row's class as test/reference.ts takes it
              let correct = 0;
              for (let i = 0; i < N; i++) if (npArgmax(scores.data, i * K, K) === cls(i)) correct++;
              expect(out.value).toBe(correct / N);
            }
          } else {
            const out = attempt([fn], () => net.gradient(x as never, t as never));
            if (out.ok) {
              const want = netLossAndGradient(refParams(net), conv, images(x, o.inputDim), refLabels(t));
              expectScalar(`${fn} lastLoss`, net.lastLoss, want.loss, 1e-5);
              for (const k of PARAM_NAMES) expectNet(`${fn} ${k}`, out.value[k], want.grads[k], 1e-4);
            }
          }
        }
      }
      settled(before);
    });
  });

  it("loadParams: random bytes, damaged and mismatched files: loaded exactly, or refused leaving the network as it was", () => {
    const tiny = {
      inputDim: [1, 6, 6] as [number, number, number],
      convParam: { filterNum: 2, filterSize: 3 },
      hiddenSize: 3,
      outputSize: 2,
      seed: 5,
    };
    const shapes: Record<string, number[]> = { W1: [2, 1, 3, 3], b1: [2], W2: [8, 3], b2: [3], W3: [3, 2], b3: [2] };
    const fileArb = fc
      .record({
        format: fc.constantFrom("safetensors", "pickle"),
        f64: fc.boolean(),
        seed: fc.integer(),
        // Change one array's shape, drop one, add one, or none.
        change: fc.oneof(
          { weight: 3, arbitrary: fc.constant(null) },
          {
            weight: 1,
            arbitrary: fc.tuple(fc.constantFrom(...Object.keys(shapes)), fc.constantFrom("reshape", "drop", "grow")),
          },
        ),
        extra: fc.boolean(),
        flips: fc.oneof(fc.constant([]), fc.array(fc.tuple(fc.nat(), intIn(0, 7)), { minLength: 1, maxLength: 3 })),
        cut: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
      })
      .map(({ format, f64, seed, change, extra, flips, cut }) => {
        const arrays: Record<string, { shape: number[]; data: Float32Array | Float64Array }> = {};
        for (const [k, s] of Object.entries(shapes)) {
          let shape = s;
          if (change?.[0] === k && change[1] === "drop") continue;
          if (change?.[0] === k)
            shape =
              change[1] === "reshape"
                ? [...s].reverse().concat(s.length === 1 ? [1] : [])
                : s.map((d, i) => (i === 0 ? d + 1 : d));
          const v = values(
            seed + k.charCodeAt(0) * 31 + k.charCodeAt(1),
            shape.reduce((a, b) => a * b, 1),
            "special",
          );
          arrays[k] = { shape, data: f64 ? Float64Array.from(v) : Float32Array.from(v) };
        }
        if (extra) arrays.extra = { shape: [2], data: Float32Array.of(1, 2) };
        const bytes = format === "pickle" ? writePickle(arrays) : writeSafetensors(arrays);
        for (const [at, bit] of flips) bytes[at % bytes.length] ^= 1 << bit;
        return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
      });
    const source = fc.oneof(
      { weight: 6, arbitrary: fileArb },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Uint8Array.of(0x80, 4, ...b)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          join(scratch, "missing.pkl"),
          join(scratch, "missing.safetensors"),
          join(scratch, "params.txt"),
          `${scratch}/`,
          "",
        ),
      },
      { weight: 1, arbitrary: junk },
    );
    check(32, 1500, source, (src) => {
      const before = memoryStats().bytesInUse;
      const net = new SimpleConvNet(tiny);
      const was = snapshot(net.params);
      const out = attempt(
        [
          "SimpleConvNet.loadParams",
          "params bytes",
          join(scratch, "missing.pkl"),
          join(scratch, "missing.safetensors"),
        ],
        () => net.loadParams(src as never),
        true,
      );
      if (out.ok) {
        // Loaded: every array in the network's shapes, float32 of the file's values; the network
        // then answers as the reference does with them.
        const x = randTensor(rng(7), [2, 1, 6, 6]);
        expectNet(
          "predict after loadParams",
          net.predict(x.t),
          refForward(refParams(net), { stride: 1, pad: 0 }, x.ref).scores,
          1e-5,
        );
        for (const k of PARAM_NAMES) expect(net.params[k].shape).toEqual(shapes[k]);
        if (src instanceof Uint8Array) {
          // ...and each holds the file's values, as float32.
          const arrays = src[0] === 0x80 ? readPickle(src, "again") : readSafetensors(src, "again");
          for (const k of PARAM_NAMES)
            expectSameParams("loaded", net.params, { [k]: Float32Array.from(arrays[k].data) });
        }
      } else {
        expectSameParams("refused loadParams", net.params, was);
      }
      settled(before);
    });
  });

  it("train (tiny): the same parameters and losses as the book's loop written out, or a TypeError/RangeError before any step", () => {
    const netO = {
      inputDim: [1, 5, 5] as [number, number, number],
      convParam: { filterNum: 2, filterSize: 2 },
      hiddenSize: 4,
      outputSize: 3,
      weightInitStd: 0.1,
    };
    const indices = (n: number) => fc.array(intIn(0, 2), { minLength: n, maxLength: n }).map((v) => Uint8Array.from(v));
    const set = (n: number) =>
      fc.record({
        x: tensorArb([n, 1, 5, 5], ["clean", "special"], 60),
        t: fc.oneof({ weight: 6, arbitrary: indices(n) }, { weight: 1, arbitrary: labelsArb(n, 3) }),
      });
    const arb = fc.record({
      seed: fc.integer(),
      trainSet: intIn(1, 6).chain((n) =>
        fc.oneof({ weight: 30, arbitrary: set(n).map(({ x, t }) => [x, t]) }, { weight: 1, arbitrary: junk }),
      ),
      testSet: intIn(1, 4).chain((n) =>
        fc.oneof({ weight: 30, arbitrary: set(n).map(({ x, t }) => [x, t]) }, { weight: 1, arbitrary: junk }),
      ),
      options: fc.oneof(
        {
          weight: 12,
          arbitrary: fc.record(
            {
              epochs: maybe(fc.constantFrom(1, 2), 30),
              batchSize: fc.oneof(
                { weight: 30, arbitrary: fc.constantFrom(1, 2, 3, 8) },
                // Batches larger than any set, whose working set is past the 4 GiB limit: refused before any step.
                { weight: 2, arbitrary: fc.constantFrom(2 ** 24, 2 ** 31 - 1) },
                { weight: 1, arbitrary: junk },
              ),
              lr: maybe(fc.constantFrom(0.001, 0.1), 30),
              evalSamples: maybe(fc.constantFrom(1, 2, 1000), 30),
              seed: maybe(fc.integer(), 30),
              onStep: fc.oneof(
                { weight: 8, arbitrary: fc.constant(undefined) },
                { weight: 1, arbitrary: fc.constant("throws") },
                { weight: 1, arbitrary: junk },
              ),
            },
            { requiredKeys: ["epochs"] },
          ),
        },
        { weight: 1, arbitrary: junk },
      ),
    });
    check(33, 300, arb, ({ seed, trainSet, testSet, options }) => {
      const before = memoryStats().bytesInUse;
      const net = new SimpleConvNet({ ...netO, seed });
      const boom = new Error("boom from onStep");
      const o = options as Record<string, unknown>;
      // onEpoch records every call (evaluate(0) makes one before the first step), so a refusal can be seen to come first.
      let epochsLogged = 0;
      const opts =
        o !== null && typeof o === "object" && !Array.isArray(o)
          ? {
              ...o,
              onEpoch: () => {
                epochsLogged++;
              },
              ...(o.onStep === "throws"
                ? {
                    onStep: () => {
                      throw boom;
                    },
                  }
                : {}),
            }
          : options;
      let result: Outcome<ReturnType<typeof train>>;
      try {
        result = { ok: true, value: train(net, trainSet as never, testSet as never, opts as never) };
        calls.answered++;
      } catch (e) {
        // A callback's own error comes back as it was thrown, the optimiser's memory freed.
        if (e === boom) {
          settled(before);
          return;
        }
        expectCleanError(e, ["train"]);
        calls.refused++;
        result = { ok: false, error: e as Error };
      }
      const twin = new SimpleConvNet({ ...netO, seed });
      if (!result.ok) {
        // Refused before the first step, and before evaluate(0): the network is untouched.
        expect(epochsLogged, `${result.error.message}: refused after training began`).toBe(0);
        expectSameParams("refused train", net.params, snapshot(twin.params));
      } else {
        const given = o as { epochs?: number; batchSize?: number; lr?: number; seed?: number };
        const epochs = given.epochs ?? 20,
          batchSize = given.batchSize ?? 100,
          lr = given.lr ?? 0.001,
          order = given.seed ?? 0;
        const [x, t] = trainSet as [TensorLike, unknown];
        const xs = Float32Array.from(x.data),
          ti = refLabels(t),
          N = x.shape[0],
          size = xs.length / N;
        const labels = isRef(ti) ? labelsOf(ti) : ti;
        const random = new Random(order),
          adam = new Adam({ lr }),
          losses: number[] = [];
        const steps = Math.max(Math.floor(N / batchSize), 1);
        for (let e = 0; e < epochs; e++) {
          const perm = random.permutation(N);
          for (let s = 0; s < steps; s++) {
            const xb = new Float32Array(batchSize * size),
              tb = new Int32Array(batchSize);
            for (let i = 0; i < batchSize; i++) {
              const k = perm[(s * batchSize + i) % N];
              xb.set(xs.subarray(k * size, (k + 1) * size), i * size);
              tb[i] = labels[k];
            }
            adam.update(twin.params, twin.gradient({ shape: [batchSize, 1, 5, 5], data: xb }, tb));
            losses.push(twin.lastLoss);
          }
        }
        adam.dispose();
        expectSameParams("train", net.params, snapshot(twin.params));
        expect(result.value.losses).toEqual(losses);
        expect(result.value.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: epochs + 1 }, (_, i) => i));
        const [xt, tt] = testSet as [TensorLike, unknown];
        expect(result.value.testAccuracy).toBe(twin.accuracy(xt as never, tt as never));
      }
      settled(before);
    });
  });
});

/** Class indices of one-hot rows, as the book's argmax takes them (the first largest, NaN never). */
function labelsOf(t: Ref): number[] {
  const [N, K] = t.shape;
  return Array.from({ length: N }, (_, i) => {
    let best = 0;
    for (let c = 1; c < K; c++) if (t.data[i * K + c] > t.data[i * K + best]) best = c;
    return best;
  });
}

/**
 * The book's dW = col^T · dout (common/layers.py Convolution.backward) over the im2col matrix with
 * its zeros for padding: a non-finite dout beside the padding gives 0 · ∞ = NaN there, as in NumPy.
 * (refConv2dBackward skips padded taps, which is the same for finite values only.)
 */
function bookConvDW(x: Ref, dout: Ref, wShape: number[], stride: number, pad: number): Ref {
  const [FN, , FH, FW] = wShape;
  const col = refIm2col(x, FH, FW, stride, pad);
  const [rows, K] = col.shape,
    P = rows / x.shape[0];
  const dW = new Float64Array(FN * K);
  for (let r = 0; r < rows; r++) {
    const n = Math.floor(r / P),
      p = r % P;
    for (let f = 0; f < FN; f++) {
      const g = dout.data[(n * FN + f) * P + p];
      for (let k = 0; k < K; k++) dW[f * K + k] += g * col.data[r * K + k];
    }
  }
  return { shape: [...wShape], data: dW };
}

/**
 * test/reference_net.ts's refLossAndGradient with two changes for non-finite values and soft
 * labels: dW1 is the book's col^T · dout (bookConvDW), and one-hot (or soft) labels reach
 * backward's y - t as they are, as SimpleConvNet and the book's SoftmaxWithLoss take them.
 */
function netLossAndGradient(p: RefParams, conv: { stride: number; pad: number }, x: Ref, t: RefLabels) {
  const f = refForward(p, conv, x);
  const { y, loss } = refSoftmaxLoss(f.scores, t);
  const g3 = refAffineBackward(f.hr, p.W3, refSoftmaxLossBackward(y, t, 1));
  const g2 = refAffineBackward(f.pool.y, p.W2, refReluBackward(f.h, g3.dx));
  const dc = refReluBackward(f.c, refMaxPoolBackward(f.r.shape, f.pool.argmax, g2.dx));
  const db1 = new Float64Array(p.b1.data.length);
  const [N, FN, H, W] = dc.shape;
  for (let i = 0; i < dc.data.length; i++) db1[Math.floor(i / (H * W)) % FN] += dc.data[i];
  void N;
  return {
    loss,
    grads: {
      W1: bookConvDW(x, dc, p.W1.shape, conv.stride, conv.pad),
      b1: { shape: [FN], data: db1 },
      W2: g2.dW,
      b2: g2.db,
      W3: g3.dW,
      b3: g3.db,
    } as Record<string, Ref>,
  };
}
