import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Ref } from "./reference.js";
import { memoryStats, Tensor, type TensorLike } from "../src/index.js";

/** mulberry32: a tiny seeded PRNG so every random case is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randInt = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** A float32 tensor of uniform values in [-1, 1) and the same values as a float64 reference. */
export function randTensor(r: () => number, shape: number[]): { t: TensorLike & { data: Float32Array }; ref: Ref } {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, () => r() * 2 - 1);
  return { t: { shape, data }, ref: { shape, data: Float64Array.from(data) } };
}

export function toRef(t: TensorLike): Ref {
  return { shape: Array.from(t.shape), data: Float64Array.from(t.data) };
}

/** A random im2col/conv geometry within the ranges whose output is at least 1x1. */
export interface Case {
  N: number;
  C: number;
  H: number;
  W: number;
  FH: number;
  FW: number;
  stride: number;
  pad: number;
}
export function randCase(r: () => number): Case {
  for (;;) {
    const c: Case = {
      N: randInt(r, 1, 3),
      C: randInt(r, 1, 4),
      H: randInt(r, 1, 20),
      W: randInt(r, 1, 20),
      FH: randInt(r, 1, 5),
      FW: randInt(r, 1, 5),
      stride: randInt(r, 1, 3),
      pad: randInt(r, 0, 2),
    };
    if (c.H + 2 * c.pad >= c.FH && c.W + 2 * c.pad >= c.FW) return c;
  }
}

/** Hand-picked edges: 1x1 output, filter equal to input, C*FH*FW not a multiple of 4, big strides. */
export const edgeCases: Case[] = [
  { N: 1, C: 1, H: 1, W: 1, FH: 1, FW: 1, stride: 1, pad: 0 },
  { N: 2, C: 3, H: 5, W: 5, FH: 5, FW: 5, stride: 1, pad: 0 },
  { N: 1, C: 1, H: 4, W: 7, FH: 4, FW: 7, stride: 3, pad: 0 },
  { N: 1, C: 3, H: 3, W: 3, FH: 3, FW: 3, stride: 2, pad: 2 },
  { N: 1, C: 1, H: 1, W: 9, FH: 1, FW: 3, stride: 1, pad: 0 },
  { N: 3, C: 2, H: 9, W: 1, FH: 3, FW: 1, stride: 2, pad: 1 },
  { N: 1, C: 1, H: 20, W: 20, FH: 1, FW: 1, stride: 3, pad: 2 },
  { N: 1, C: 4, H: 2, W: 2, FH: 5, FW: 5, stride: 1, pad: 2 },
  { N: 1, C: 1, H: 28, W: 28, FH: 5, FW: 5, stride: 1, pad: 0 },
];

export const caseName = (c: Case): string =>
  `x[${c.N},${c.C},${c.H},${c.W}] ${c.FH}x${c.FW} stride ${c.stride} pad ${c.pad}`;

/** Every element equal to the float32 rounding of the reference (copies and maxima are exact). */
export function expectExact(got: TensorLike, want: Ref): void {
  expect(Array.from(got.shape)).toEqual(want.shape);
  const g = got.data,
    w = want.data;
  for (let i = 0; i < w.length; i++) {
    if (!Object.is(g[i], Math.fround(w[i]))) {
      throw new Error(`element ${i} of ${w.length}: got ${g[i]}, want ${Math.fround(w[i])}`);
    }
  }
}

/** max |got - want| <= tol * max(1, max |want|): float32 sums against float64 sums. */
export function expectClose(got: TensorLike, want: Ref, tol: number): void {
  expect(Array.from(got.shape)).toEqual(want.shape);
  let scale = 1;
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got.data[i] - want.data[i]);
    if (!(err <= tol * scale)) {
      throw new Error(
        `element ${i} of ${want.data.length}: got ${got.data[i]}, want ${want.data[i]} (error ${err} > ${tol} * ${scale})`,
      );
    }
  }
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function expectSameBytes(a: Float32Array, b: Float32Array): void {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length),
    y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) throw new Error(`byte pattern differs at element ${i}: ${a[i]} vs ${b[i]}`);
  }
}

/** A tensor as the NumPy reference scripts write it to JSON. */
export interface Stored {
  shape: number[];
  data: number[];
}

/** |got - want| <= tol * max|want| for every element (float32 results against NumPy's float64). */
export function expectRelClose(what: string, got: TensorLike, want: Stored, tol = 1e-4): void {
  expect(Array.from(got.shape), `${what}: shape`).toEqual(want.shape);
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  want.data.forEach((w, i) => {
    const err = Math.abs(got.data[i] - w);
    if (!(err <= tol * scale)) {
      throw new Error(
        `${what}: element ${i} of ${want.data.length}: got ${got.data[i]}, want ${w} (|error| ${err} > ${tol} * max|want| ${scale})`,
      );
    }
  });
}

/**
 * The flag a fresh node of this version needs to validate relaxed SIMD: Node 20 takes it behind
 * --experimental-wasm-relaxed-simd (which this process may have been given), Node 22 and later
 * have it on and refuse the flag as a bad option.
 */
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
export const relaxedSimdFlags: string[] =
  !process.execArgv.includes(RELAXED_FLAG) && WebAssembly.validate(readFileSync("build/zeroconv.relaxed-simd.wasm"))
    ? []
    : [RELAXED_FLAG];

/** What init() loads by itself in a fresh node: the FMA build wherever relaxed SIMD needs no flag. */
export const autoBuild: "simd" | "relaxed-simd" = relaxedSimdFlags.length === 0 ? "relaxed-simd" : "simd";

/** V8 wasm flags of this test process (the relaxed-SIMD run's), for the node processes tests start. */
export const wasmFlags = process.execArgv.filter((a) => a.startsWith("--experimental-wasm"));

/**
 * Runs `script` as an ES module in a fresh node (each process can init() once) from the repository
 * root, so `./dist/index.js` is the built package; `env` is added to this process's environment.
 */
export function runModule(
  script: string,
  flags: string[] = [],
  env: Record<string, string> = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...flags, "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
}

// ---- the `out` option of conv2d, maxPool2d and matmul ----

type ErrorClass = typeof TypeError | typeof RangeError;
const SENTINEL = 7.25;
const filled = (n: number) => new Float32Array(n).fill(SENTINEL);
const fmt = (shape: number[]) => `[${shape.join(", ")}]`;

/**
 * Wrong `out` options for a result of `shape` (rank >= 2; `dims` names its axes), their data filled
 * with a sentinel: [what, out, error class, what the message must contain besides "<fn>: opts.out"].
 */
export function badOuts(shape: number[], dims: string[]): [string, unknown, ErrorClass, string[]][] {
  const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const size = prod(shape);
  const wider = [...shape.slice(0, -1), shape[shape.length - 1] + 1];
  const taller = [shape[0] + 1, ...shape.slice(1)];
  const expected = `${fmt(shape)} [${dims.join(", ")}]`;
  return [
    ["one column too many", { shape: wider, data: filled(prod(wider)) }, RangeError, [expected, `got ${fmt(wider)}`]],
    [
      "one more on the first axis, data of the right size",
      { shape: taller, data: filled(size) },
      RangeError,
      [expected, `got ${fmt(taller)}`],
    ],
    [
      "the right size, flattened, as a Tensor",
      new Tensor(filled(size), [size]),
      RangeError,
      [expected, `got ${fmt([size])}`],
    ],
    ["the right shape, one element short", { shape, data: filled(size - 1) }, RangeError, [`${size - 1} elements`]],
    [
      "Float64Array data",
      { shape, data: new Float64Array(size).fill(SENTINEL) },
      TypeError,
      ["Float32Array", "Float64Array"],
    ],
    [
      "an array of numbers",
      { shape, data: Array<number>(size).fill(SENTINEL) },
      TypeError,
      ["Float32Array", `Array(${size})`],
    ],
    ["no shape", { data: filled(size) }, TypeError, ["tensor"]],
    ["a shape that is a string", { shape: shape.join("x"), data: filled(size) }, TypeError, ["shape"]],
    ["a number", 42, TypeError, ["number 42"]],
    ["a Float32Array on its own", filled(size), TypeError, ["Float32Array"]],
  ];
}

/**
 * `call` (given one of badOuts' `out`s) must throw `kind` whose message names `${fn}: opts.out`
 * and `says`, with WASM memory as it was and out's data unwritten.
 */
export function expectOutRefused(
  fn: string,
  what: string,
  call: () => unknown,
  out: unknown,
  kind: ErrorClass,
  says: string[],
): void {
  const before = memoryStats();
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error, what).toBeInstanceOf(kind);
  const message = (error as Error).message;
  for (const s of [`${fn}: opts.out`, ...says]) expect(message, what).toContain(s);
  expect(memoryStats(), what).toEqual(before);
  const data = out instanceof Float32Array ? out : (out as { data?: ArrayLike<number> }).data;
  if (data && Array.from(data).some((v) => v !== SENTINEL))
    throw new Error(`${what}: the refused call wrote into out's data`);
}

/** A little-endian float32 (or float64) array sent as base64 by a reference script. */
export function base64Floats32(s: unknown): Float32Array {
  const b = Buffer.from(s as string, "base64");
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function base64Floats64(s: unknown): Float64Array {
  const b = Buffer.from(s as string, "base64");
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
