// The weight-file formats: the book's pickle (src/formats/pickle_reader.ts) and safetensors (src/formats/safetensors.ts).
// Our readers read our writers; Python's pickle and NumPy read what we write and write what we read
// (test/reference/params_files.py, which also holds a safetensors reader and writer of its own);
// the writer's pickles are Python's bytes exactly; the book's params.pkl (../shared/fixtures, never
// copied into the repository) reads as Python reads it and writes back to the same bytes; and every
// malformed or hostile file is refused with a FileFormatError, never another error or a result.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FileFormatError } from "../src/formats/file_format_error.js";
import { readPickle, type NamedArray } from "../src/formats/pickle_reader.js";
import { writePickle } from "../src/formats/pickle_writer.js";
import { readSafetensors, writeSafetensors } from "../src/formats/safetensors.js";
import { randInt, rng } from "./util.js";

interface PyArray {
  shape: number[];
  dtype: string;
  data: number[];
}
type Input = Record<string, { shape: number[]; data: Float32Array | Float64Array }>;

const paramsPath = fileURLToPath(new URL("../../shared/fixtures/params.pkl", import.meta.url));
const scriptPath = fileURLToPath(new URL("./reference/params_files.py", import.meta.url));
const hasParams = existsSync(paramsPath);
const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
const hasNumpy = probe.status === 0;
const noNumpy = `skipped: python3 with numpy not available (${probe.error?.message ?? probe.stderr.trim()})`;
// Said out loud too: a skipped describe's title is not printed by every reporter.
if (!hasNumpy) console.warn(`test/params-files.test.ts: the comparisons with Python are ${noNumpy}`);
if (!hasParams)
  console.warn(
    "test/params-files.test.ts: the book's params.pkl tests are skipped: ../shared/fixtures/params.pkl not found",
  );

function python(args: string[], input?: string): string {
  const run = spawnSync("python3", [scriptPath, ...args], {
    encoding: "utf8",
    input,
    maxBuffer: 512 << 20,
    timeout: 120_000,
  });
  if (run.status !== 0)
    throw new Error(`params_files.py ${args[0]} failed (status ${run.status}): ${run.error?.message ?? run.stderr}`);
  return run.stdout;
}

const b64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));
const dtypeOf = (data: Float32Array | Float64Array): string => (data instanceof Float32Array ? "float32" : "float64");

/** The FileFormatError `run` throws; any other outcome fails the test. */
function formatError(run: () => unknown): FileFormatError {
  let result: unknown;
  try {
    result = run();
  } catch (e) {
    if (e instanceof FileFormatError) return e;
    throw e;
  }
  throw new Error(`expected a FileFormatError; got a result with keys ${Object.keys(result as object).join(", ")}`);
}

function expectSameArrays(got: Record<string, NamedArray>, want: Record<string, PyArray>): void {
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const [name, w] of Object.entries(want)) {
    expect({ name, shape: got[name].shape, dtype: got[name].dtype }).toEqual({ name, shape: w.shape, dtype: w.dtype });
    expect(Array.from(got[name].data)).toEqual(w.data);
  }
}

const asPy = (arrays: Input): Record<string, PyArray> =>
  Object.fromEntries(
    Object.entries(arrays).map(([k, a]) => [k, { shape: a.shape, dtype: dtypeOf(a.data), data: Array.from(a.data) }]),
  );

function randomArray(
  r: () => number,
  shape: number[],
  float64: boolean,
): { shape: number[]; data: Float32Array | Float64Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, () => (r() * 2 - 1) * 10 ** randInt(r, -3, 3));
  return { shape, data: float64 ? Float64Array.from(values) : Float32Array.from(values) };
}

/** A few arrays of random rank 0 to 4 (sizes 0 to 6), float32 and float64. */
function randomArrays(r: () => number): Input {
  const out: Input = {};
  for (let i = randInt(r, 0, 5); i > 0; i--) {
    const shape = Array.from({ length: randInt(r, 0, 4) }, () => randInt(r, 0, 6));
    out[`t${i}.${randInt(r, 0, 99)}`] = randomArray(r, shape, r() < 0.5);
  }
  return out;
}

/** The book's six SimpleConvNet parameters, small random values. */
function bookLike(r: () => number, float64: boolean): Input {
  const shapes: Record<string, number[]> = {
    W1: [30, 1, 5, 5],
    b1: [30],
    W2: [4320, 100],
    b2: [100],
    W3: [100, 10],
    b3: [10],
  };
  return Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, randomArray(r, s, float64)]));
}

// ---------------------------------------------------------------------------------------------
// Hand-assembled pickles

type Part = number | string | ArrayLike<number>;
/** Bytes from opcodes and arguments: numbers are bytes, strings latin-1 text, arrays byte runs. */
function bytesOf(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else if (typeof p === "string") for (const c of p) out.push(c.charCodeAt(0));
    else for (const b of Array.from(p)) out.push(b);
  }
  return Uint8Array.from(out);
}
const le32 = (n: number): number[] => [0, 8, 16, 24].map((s) => (n >>> s) & 0xff);
const short = (s: string): Part[] => [0x8c, s.length, s];
const int = (n: number): Part[] => (n >= 0 && n < 256 ? [0x4b, n] : [0x4a, le32(n)]);
const f64 = (...values: number[]): Uint8Array => new Uint8Array(Float64Array.from(values).buffer);

const le64 = (n: number): number[] => [...le32(n), 0, 0, 0, 0];

interface Handmade {
  shape?: Part[];
  dtype?: string;
  byteorder?: string;
  fortran?: boolean;
  raw?: Uint8Array;
  key?: Part[];
  data?: Part[];
  py2?: boolean;
  end?: Part[];
}

/**
 * { "a": one NumPy array } at protocol 2, written out by hand as NumPy with Python 3 would, except
 * for bytes as BINBYTES (protocol 3's) so that every part can be varied. `py2`: strings and data
 * as Python 2 str (SHORT_BINSTRING, BINSTRING) and the dtype's flags as 0 and 1, as Python 2 wrote.
 */
function handmade({
  shape = int(2),
  dtype = "f8",
  byteorder = "<",
  fortran = false,
  raw = f64(1, 2),
  key,
  data,
  py2 = false,
  end = ["s", "."],
}: Handmade = {}): Uint8Array {
  const text = (s: string): Part[] => (py2 ? ["U", s.length, s] : short(s));
  return bytesOf(
    0x80,
    2,
    "}",
    ...(key ?? text("a")),
    "cnumpy.core.multiarray\n_reconstruct\n",
    "cnumpy\nndarray\n",
    ...int(0),
    0x85,
    ...(py2 ? text("b") : [0x43, 1, "b"]),
    0x87,
    "R",
    "(",
    ...int(1),
    "(",
    ...shape,
    "t",
    "cnumpy\ndtype\n",
    ...text(dtype),
    ...(py2 ? [...int(0), ...int(1)] : [0x89, 0x88]),
    0x87,
    "R",
    "(",
    ...int(3),
    ...text(byteorder),
    "NNN",
    ...int(-1),
    ...int(-1),
    ...int(0),
    "t",
    "b",
    fortran ? 0x88 : 0x89,
    ...(data ?? (py2 ? ["T", le32(raw.length), raw] : [0x42, le32(raw.length), raw])),
    "t",
    "b",
    ...end,
  );
}

// ---------------------------------------------------------------------------------------------

describe("pickle: our reader reads our writer", () => {
  it("random dicts of float32 and float64 arrays of rank 0 to 4, empty ones included, come back exactly", () => {
    const r = rng(1);
    for (let trial = 0; trial < 200; trial++) {
      const arrays = randomArrays(r);
      expectSameArrays(readPickle(writePickle(arrays), "round trip"), asPy(arrays));
    }
  });

  it("the book's shapes, over the 64 KiB frame size, in float64 and float32", () => {
    for (const float64 of [true, false]) {
      const arrays = bookLike(rng(2), float64);
      expectSameArrays(readPickle(writePickle(arrays), "book-like"), asPy(arrays));
    }
  });

  it("1001 keys (two SETITEMS batches), a 300-byte key, non-ASCII keys and __proto__ as a key", () => {
    const arrays: Input = {
      ["k".repeat(300)]: randomArray(rng(3), [2], true),
      "größe ✓": randomArray(rng(4), [1], false),
    };
    for (let i = 0; i < 1001; i++) arrays[`p${i}`] = randomArray(rng(i), [randInt(rng(i), 1, 3)], i % 3 === 0);
    Object.defineProperty(arrays, "__proto__", { value: randomArray(rng(5), [3], true), enumerable: true });
    const got = readPickle(writePickle(arrays), "many keys");
    expectSameArrays(got, asPy(arrays));
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
  });

  it("returns fresh typed arrays that own their buffers", () => {
    const got = readPickle(
      writePickle({ a: randomArray(rng(6), [3], true), b: randomArray(rng(7), [5], false) }),
      "fresh",
    );
    for (const a of Object.values(got)) {
      expect(a.data.byteOffset).toBe(0);
      expect(a.data.buffer.byteLength).toBe(a.data.byteLength);
    }
  });

  it("the writer refuses data and shapes that disagree, and what is not float32/float64, as argument errors", () => {
    expect(() => writePickle({ a: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(RangeError);
    expect(() => writePickle({ a: { shape: [-1], data: new Float32Array(0) } })).toThrow(RangeError);
    expect(() => writePickle({ a: { shape: [2], data: new Int32Array(2) as unknown as Float32Array } })).toThrow(
      TypeError,
    );
    expect(() => writePickle({ "\ud800": { shape: [1], data: new Float32Array(1) } })).toThrow(TypeError);
  });
});

describe("pickle: hand-assembled files", () => {
  it("the hand-assembled pickle itself reads: {a: [1, 2]}", () => {
    expectSameArrays(readPickle(handmade(), "handmade"), { a: { shape: [2], dtype: "float64", data: [1, 2] } });
  });

  it("reads the long and the old forms of strings, bytes and memo opcodes", () => {
    const want = { a: { shape: [2], dtype: "float64", data: [1, 2] } };
    const forms: Handmade[] = [
      { py2: true }, // SHORT_BINSTRING, BINSTRING, int flags: pickle.load(f, encoding="latin1") of a Python 2 file
      { key: [0x8d, le64(1), "a"], data: [0x8e, le64(16), f64(1, 2)] }, // BINUNICODE8, BINBYTES8
      { key: ["X", le32(1), "a"], data: [0x96, le64(16), f64(1, 2)] }, // BINUNICODE, BYTEARRAY8
    ];
    for (const form of forms) expectSameArrays(readPickle(handmade(form), "x"), want);
    // The array stored by PUT and LONG_BINPUT, fetched by GET and LONG_BINGET for two more keys.
    const end = ["p7\n", "r", le32(300), "s", ...short("b"), "g7\n", "s", ...short("c"), "j", le32(300), "s", "."];
    const got = readPickle(handmade({ end }), "x");
    expectSameArrays(got, { a: want.a, b: want.a, c: want.a });
    expect(got.b).toBe(got.a); // one array under three keys, as in Python
    expect(got.c).toBe(got.a);
  });

  it("a Fortran-order array comes back in C order", () => {
    const got = readPickle(
      handmade({ shape: [...int(2), ...int(3)], fortran: true, raw: f64(0, 3, 1, 4, 2, 5) }),
      "fortran",
    );
    expectSameArrays(got, { a: { shape: [2, 3], dtype: "float64", data: [0, 1, 2, 3, 4, 5] } });
  });

  it("refuses os.system by GLOBAL, naming it, before anything else happens", () => {
    const evil = bytesOf("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.");
    const e = formatError(() => readPickle(evil, "evil.pkl"));
    expect(e.message).toBe("evil.pkl: refuses global os.system: only NumPy array reconstruction is allowed");
    expect(e.file).toBe("evil.pkl");
  });

  it("refuses builtins.eval by STACK_GLOBAL, naming it", () => {
    const evil = bytesOf(
      0x80,
      4,
      "}",
      ...short("a"),
      ...short("builtins"),
      ...short("eval"),
      0x93,
      ...short("1+1"),
      0x85,
      "R",
      "s",
      ".",
    );
    expect(formatError(() => readPickle(evil, "evil.pkl")).message).toMatch(
      /refuses global builtins\.eval: only NumPy/,
    );
  });

  it("allows NumPy's globals only as the exact module and name, and only in the roles NumPy gives them", () => {
    const split = bytesOf(0x80, 4, ...short("numpy.core"), ...short("multiarray._reconstruct"), 0x93, ".");
    expect(formatError(() => readPickle(split, "x")).message).toMatch(
      /refuses global numpy\.core\.multiarray\._reconstruct/,
    );
    const called = bytesOf(0x80, 2, "cnumpy\nndarray\n", ")", "R", ".");
    expect(formatError(() => readPickle(called, "x")).message).toMatch(
      /numpy\.ndarray may only be passed to _reconstruct/,
    );
    const encode = (codec: string): Uint8Array =>
      bytesOf(0x80, 2, "}", ...short("a"), "c_codecs\nencode\n", ...short("x"), ...short(codec), 0x86, "R", "s", ".");
    expect(formatError(() => readPickle(encode("utf-8"), "x")).message).toMatch(/only as encode\(str, "latin1"\)/);
    expect(formatError(() => readPickle(encode("latin1"), "x")).message).toMatch(
      /the value of "a" is bytes, not a NumPy array/,
    );
    const bytesCall = (args: Part[]): Uint8Array =>
      bytesOf(0x80, 2, "}", ...short("a"), "c__builtin__\nbytes\n", ...args, "R", "s", ".");
    expect(formatError(() => readPickle(bytesCall([")"]), "x")).message).toMatch(/the value of "a" is bytes/);
    expect(formatError(() => readPickle(bytesCall([...short("rm"), 0x85]), "x")).message).toMatch(
      /allowed only as __builtin__\.bytes\(\)/,
    );
  });

  it("refuses other dtypes and big-endian data, naming the dtype", () => {
    expect(formatError(() => readPickle(handmade({ dtype: "i8" }), "x")).message).toMatch(/unsupported dtype <i8/);
    expect(formatError(() => readPickle(handmade({ dtype: "f2", raw: new Uint8Array(4) }), "x")).message).toMatch(
      /unsupported dtype <f2/,
    );
    expect(formatError(() => readPickle(handmade({ byteorder: ">" }), "x")).message).toMatch(
      /unsupported dtype >f8: big-endian/,
    );
    expect(readPickle(handmade({ byteorder: "|" }), "x").a.dtype).toBe("float64");
    expect(readPickle(handmade({ dtype: "f4", byteorder: "=", raw: new Uint8Array(8) }), "x").a.dtype).toBe("float32");
  });

  it("refuses absurd shapes and data of the wrong length", () => {
    const absurd = [
      int(-1), // BININT -1
      [0x8a, 6, 0, 0, 0, 0, 0, 1], // LONG1 2^40
      [0x8a, 13, ...new Array(12).fill(0), 1], // LONG1 2^96: no safe integer
      [...int(65536), ...int(65536), ...int(65536)], // 2^48 elements
    ];
    for (const shape of absurd)
      expect(formatError(() => readPickle(handmade({ shape }), "x")).message).toMatch(/shape|dimension/);
    expect(formatError(() => readPickle(handmade({ shape: int(3) }), "x")).message).toMatch(
      /array data has 16 bytes, but shape \[3\] of float64 needs 24/,
    );
  });

  it("refuses what is not a dict of arrays, broken stacks and memos, unknown opcodes, and bytes after STOP", () => {
    const cases: [Uint8Array, RegExp][] = [
      [bytesOf(0x80, 2, "N", "."), /holds None, not a dict of NumPy arrays/],
      [bytesOf(0x80, 2, "}", ...int(1), ...short("x"), "s", "."), /dict key .* is an int, not a str/],
      [bytesOf(0x80, 2, 0x85, "."), /stack underflow at offset 2/],
      [bytesOf(0x80, 2, "}", "(", "."), /MARK is never closed/],
      [bytesOf(0x80, 2, "}", "}", "."), /leaves 2 objects/],
      [bytesOf(0x80, 2, "h", 5, "."), /memo entry 5 .* never stored/],
      [bytesOf(0x80, 2, "]", "."), /unsupported pickle opcode 0x5d \("]"\) at offset 2/],
      [bytesOf(0x80, 6, "}", "."), /protocol 6 is not supported/],
      [bytesOf(0x80, 2, "}", ".", 0), /1 bytes follow the STOP opcode/],
      [bytesOf(0x80, 2, "}"), /truncated: 3 bytes end before the pickle's STOP/],
      [bytesOf(), /truncated/],
      [bytesOf(0x80, 4, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0), /frame .* runs past the end/],
      [bytesOf(0x80, 4, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), /absurd/],
      [bytesOf(0x80, 4, 0x8c, 2, 0xc3, 0x28, "."), /not valid UTF-8/],
    ];
    for (const [bytes, message] of cases) expect(formatError(() => readPickle(bytes, "x")).message).toMatch(message);
  });

  it("refuses a pickle bomb: memo GETs that rebuild one large array again and again", () => {
    const head: Part[] = [
      0x80,
      5,
      "}",
      ...short("k0"),
      ...short("numpy._core.numeric"),
      ...short("_frombuffer"),
      0x93,
      "q",
      1,
      "(",
      0x96,
      le64(80000),
      new Uint8Array(80000),
      ...short("numpy"),
      ...short("dtype"),
      0x93,
      ...short("f8"),
      0x89,
      0x88,
      0x87,
      "R",
      "(",
      ...int(3),
      ...short("<"),
      "NNN",
      ...int(-1),
      ...int(-1),
      ...int(0),
      "t",
      "b",
      ...int(10000),
      0x85,
      ...short("C"),
      "t",
      "q",
      2,
      "R",
      "s",
    ];
    expect(readPickle(bytesOf(...head, "."), "once").k0.shape).toEqual([10000]);
    const again = Array.from({ length: 1000 }, (_, i): Part[] => [
      ...short(`k${i + 1}`),
      "h",
      1,
      "h",
      2,
      "R",
      "s",
    ]).flat();
    expect(formatError(() => readPickle(bytesOf(...head, ...again, "."), "bomb.pkl")).message).toMatch(
      /rebuilds more data than a file of \d+ bytes holds/,
    );
  });

  it("every truncation of a small pickle, ours or hand-assembled, is a FileFormatError", () => {
    const ours = writePickle({ W: randomArray(rng(8), [2, 3], false), b: randomArray(rng(9), [3], true) });
    for (const whole of [ours, handmade()]) {
      for (let n = 0; n < whole.length; n++) formatError(() => readPickle(whole.subarray(0, n), `first ${n} bytes`));
    }
  });

  it("garbage, and garbage after a protocol-4 header, is a FileFormatError", () => {
    const r = rng(10);
    for (let trial = 0; trial < 2000; trial++) {
      const noise = Uint8Array.from({ length: randInt(r, 0, 64) }, () => randInt(r, 0, 255));
      formatError(() => readPickle(noise, "garbage"));
      formatError(() => readPickle(bytesOf(0x80, 4, noise), "garbage"));
    }
  });

  it("a pickle with random bytes changed either reads or is a FileFormatError, never another error", () => {
    const whole = writePickle({ W: randomArray(rng(11), [2, 3], false), b: randomArray(rng(12), [3], true) });
    const r = rng(13);
    for (let trial = 0; trial < 5000; trial++) {
      const bytes = whole.slice();
      for (let k = randInt(r, 1, 3); k > 0; k--) bytes[randInt(r, 0, bytes.length - 1)] = randInt(r, 0, 255);
      try {
        readPickle(bytes, "mutated");
      } catch (e) {
        if (!(e instanceof FileFormatError)) throw new Error(`mutation ${trial}: ${(e as Error).stack}`);
      }
    }
  });
});

describe.skipIf(!hasNumpy)(
  hasNumpy ? "pickle: against Python's pickle and NumPy" : `pickle against Python: ${noNumpy}`,
  () => {
    it("Python's pickle.load reads what writePickle writes, exactly, with no warning", () => {
      const r = rng(20);
      const arrays: Input = {
        ...bookLike(r, false),
        scalar: randomArray(r, [], true),
        empty: randomArray(r, [0, 4], false),
        ...randomArrays(r),
      };
      const loaded = JSON.parse(python(["load-pickle"], b64(writePickle(arrays)))) as Record<string, PyArray>;
      expect(loaded).toEqual(asPy(arrays));
    });

    it("writePickle writes Python's pickle.dumps(protocol=4) bytes exactly (spelling numpy.core.multiarray)", () => {
      const r = rng(21);
      const medium = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`m${i}`, randomArray(r, [randInt(r, 500, 4000)], i % 2 === 0)]),
      );
      const many: Input = {};
      for (let i = 0; i < 1100; i++) many[`k${i}`] = randomArray(r, [1 + (i % 3)], i < 300);
      const cases: Input[] = [
        {},
        { only: randomArray(r, [2, 3], false) },
        bookLike(r, true),
        bookLike(r, false),
        medium, // frames close at object boundaries past 64 KiB
        {
          under: randomArray(r, [16383], false),
          at: randomArray(r, [16384], false),
          wide: randomArray(r, [70000], false),
        },
        many, // SETITEMS batches of 1000, memo indices past 255 (LONG_BINGET)
        {
          ["k".repeat(300)]: randomArray(r, [1], true),
          "größe ✓": randomArray(r, [], false),
          z: randomArray(r, [0, 3], true),
        },
        ...Array.from({ length: 20 }, () => randomArrays(r)),
      ];
      const spec = cases.map((c) =>
        Object.fromEntries(
          Object.entries(c).map(([k, a]) => [
            k,
            { shape: a.shape, dtype: dtypeOf(a.data), b64: b64(new Uint8Array(a.data.buffer)) },
          ]),
        ),
      );
      const theirs = JSON.parse(python(["dumps"], JSON.stringify(spec))) as string[];
      cases.forEach((c, i) => {
        const ours = writePickle(c);
        const want = unb64(theirs[i]);
        expectSameArrays(readPickle(ours, `case ${i}`), asPy(c));
        const firstDiff = ours.findIndex((b, j) => b !== want[j]);
        expect({ case: i, length: ours.length, firstDiff }).toEqual({ case: i, length: want.length, firstDiff: -1 });
      });
    });

    describe("readPickle reads what Python's pickle.dump writes", () => {
      const written = hasNumpy
        ? (JSON.parse(python(["write-pickles"])) as {
            arrays: Record<string, PyArray>;
            pickles: Record<string, string>;
            refusals: Record<string, string>;
          })
        : { arrays: {}, pickles: { "(no Python)": "" }, refusals: {} }; // it.each needs a row even when skipped

      it.each(Object.keys(written.pickles))(
        "at %s (NumPy 2's spellings; Fortran, transposed, strided, 0-d, empty arrays)",
        (protocol) => {
          expectSameArrays(readPickle(unb64(written.pickles[protocol]), protocol), written.arrays);
        },
      );

      it("and refuses what it should, naming the global or the dtype", () => {
        const refusal = (name: string): string =>
          formatError(() => readPickle(unb64(written.refusals[name]), name)).message;
        expect(refusal("i8")).toMatch(/unsupported dtype <i8/);
        expect(refusal(">f8")).toMatch(/unsupported dtype >f8: big-endian/);
        expect(refusal("f2")).toMatch(/unsupported dtype <f2/);
        expect(refusal("object")).toMatch(/unsupported pickle opcode|dtype/);
        expect(refusal("structured")).toMatch(/structured/);
        expect(refusal("list")).toMatch(/unsupported pickle opcode 0x5d/);
        expect(refusal("int value")).toMatch(/the value of "a" is an int, not a NumPy array/);
        expect(refusal("os.system")).toMatch(
          /refuses global (os|posix)\.system: only NumPy array reconstruction is allowed/,
        );
        expect(refusal("builtins.eval")).toMatch(/refuses global builtins\.eval/);
      });

      it("every truncation of Python's protocol 2 and 5 pickles (a sample of cut points) is a FileFormatError", () => {
        const r = rng(22);
        for (const protocol of ["protocol 2", "protocol 5"]) {
          const whole = unb64(written.pickles[protocol]);
          for (let k = 0; k < 1500; k++) {
            const n = k < 500 ? k : randInt(r, 0, whole.length - 1);
            formatError(() => readPickle(whole.subarray(0, n), `${protocol}, first ${n} bytes`));
          }
        }
      });
    });

    it("Python reads the hand-assembled pickle as readPickle does", () => {
      const bytes = handmade({ shape: [...int(2), ...int(3)], fortran: true, raw: f64(0, 3, 1, 4, 2, 5) });
      expect(JSON.parse(python(["load-pickle"], b64(bytes)))).toEqual({
        a: { shape: [2, 3], dtype: "float64", data: [0, 1, 2, 3, 4, 5] },
      });
    });
  },
);

describe.skipIf(!hasParams)(
  hasParams ? "pickle: the book's params.pkl" : "skipped: ../shared/fixtures/params.pkl not found",
  () => {
    const bytes = hasParams ? new Uint8Array(readFileSync(paramsPath)) : new Uint8Array(0);

    it("reads W1 (30,1,5,5) b1 (30) W2 (4320,100) b2 (100) W3 (100,10) b3 (10), float64", () => {
      const params = readPickle(bytes, paramsPath);
      expect(Object.entries(params).map(([k, a]) => [k, a.shape, a.dtype])).toEqual([
        ["W1", [30, 1, 5, 5], "float64"],
        ["b1", [30], "float64"],
        ["W2", [4320, 100], "float64"],
        ["b2", [100], "float64"],
        ["W3", [100, 10], "float64"],
        ["b3", [10], "float64"],
      ]);
    });

    it("writePickle of what it reads is the file, byte for byte", () => {
      const again = writePickle(readPickle(bytes, paramsPath));
      expect(again.length).toBe(bytes.length);
      expect(again.findIndex((b, i) => b !== bytes[i])).toBe(-1);
    });

    it.skipIf(!hasNumpy)("every value is the one Python's pickle.load reads", () => {
      expectSameArrays(
        readPickle(bytes, paramsPath),
        JSON.parse(python(["load-pickle", paramsPath])) as Record<string, PyArray>,
      );
    });
  },
);

// ---------------------------------------------------------------------------------------------
// safetensors

const ascii = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const headerLength = (file: Uint8Array): number => new DataView(file.buffer, file.byteOffset).getUint32(0, true);

/** A safetensors file of a given header (an object, or raw text) and data section. */
function stFile(header: unknown, data: Uint8Array | number = 0, length?: number): Uint8Array {
  const json =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, length ?? json.length, true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

describe("safetensors: our reader reads our writer", () => {
  it("random dicts of float32 and float64 arrays of rank 0 to 4, empty ones included, come back exactly", () => {
    const r = rng(30);
    for (let trial = 0; trial < 200; trial++) {
      const arrays = randomArrays(r);
      const file = writeSafetensors(arrays, trial % 2 ? { producer: "test" } : undefined);
      const got = readSafetensors(file, "round trip");
      expect(Object.keys(got).sort()).toEqual(Object.keys(arrays).sort());
      for (const [k, a] of Object.entries(arrays)) expectSameArrays({ [k]: got[k] }, asPy({ [k]: a }));
    }
  });

  it("lays the file out as the reference writer: F64 then F32, by UTF-8 name, header padded to 8, every tensor aligned", () => {
    const r = rng(31);
    const arrays: Input = {
      b: randomArray(r, [3], false),
      "10": randomArray(r, [1], true),
      "9": randomArray(r, [3], true),
      a: randomArray(r, [5], false),
      "\u{1F600}": randomArray(r, [1], false),
      "\uFFFD": randomArray(r, [1], false),
    };
    const file = writeSafetensors(arrays, { format: "pt" });
    const n = headerLength(file);
    expect(n % 8).toBe(0);
    const text = ascii(file.subarray(8, 8 + n));
    const header = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
    expect(text.indexOf('"__metadata__"')).toBe(1);
    const order = [...text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    expect(order).toEqual(["10", "9", "a", "b", "\uFFFD", "\u{1F600}"]); // U+FFFD sorts before U+1F600 in UTF-8, not in UTF-16
    for (const [k, a] of Object.entries(arrays))
      expect((8 + n + header[k].data_offsets[0]) % a.data.BYTES_PER_ELEMENT).toBe(0);
  });

  it("matches the reference implementation's own test vectors", () => {
    const floats = Float32Array.of(0, 1, 2, 3, 4, 5);
    const empty = writeSafetensors({});
    expect(Array.from(empty)).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...Array.from("{}      ", (c) => c.charCodeAt(0))]);
    expect(ascii(writeSafetensors({}, { framework: "pt" }).subarray(8))).toBe(
      '{"__metadata__":{"framework":"pt"}}     ',
    );
    const attn = writeSafetensors({ "attn.0": { shape: [1, 2, 3], data: floats } });
    expect(headerLength(attn)).toBe(64);
    expect(ascii(attn.subarray(8, 72))).toBe('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}');
    expect(Array.from(attn.subarray(72))).toEqual(Array.from(new Uint8Array(floats.buffer)));
    const forced = writeSafetensors({ attn0: { shape: [1, 1, 2, 3], data: floats } });
    expect(headerLength(forced)).toBe(72);
    expect(ascii(forced.subarray(8, 80))).toBe(
      `{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}${" ".repeat(7)}`,
    );
  });

  it("the writer refuses bad input and the reserved name __metadata__ as argument errors", () => {
    expect(() => writeSafetensors({ a: { shape: [4], data: new Float64Array(3) } })).toThrow(RangeError);
    expect(() => writeSafetensors({ __metadata__: { shape: [1], data: new Float64Array(1) } })).toThrow(RangeError);
    expect(() => writeSafetensors({}, { a: 1 } as unknown as Record<string, string>)).toThrow(TypeError);
  });
});

describe("safetensors: malformed files", () => {
  const good = {
    a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    b: { dtype: "F64", shape: [1], data_offsets: [8, 16] },
  };

  it("the hand-built file itself reads", () => {
    const got = readSafetensors(stFile(good, 16), "x");
    expect(Object.entries(got).map(([k, a]) => [k, a.shape, a.dtype])).toEqual([
      ["a", [2], "float32"],
      ["b", [1], "float64"],
    ]);
  });

  it("refuses each malformed header or layout with what is wrong", () => {
    const cases: [Uint8Array, RegExp][] = [
      [stFile(good, 16, 2 ** 31), /header length 2147483648 is beyond the format's limit/],
      [stFile(good, 16, 1000), /truncated: the header claims 1000 bytes/],
      [stFile("{not json", 0), /not valid JSON/],
      [stFile("[]", 0), /not a JSON object/],
      [stFile(Uint8Array.of(0xff, 0xfe)), /not valid UTF-8/],
      [
        stFile({ a: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, 8),
        /unsupported dtype "I64": only F32 and F64/,
      ],
      [stFile({ a: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }, 2), /unsupported dtype "BF16"/],
      [stFile({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 0] } }), /not a non-negative integer/],
      [stFile({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 6] } }, 6), /not a non-negative integer/],
      [stFile({ a: { dtype: "F32", shape: [65536, 65536], data_offsets: [0, 4] } }, 4), /more than 2\^31/],
      [
        stFile({ a: { dtype: "F32", shape: [2], data_offsets: [0, 12] } }, 12),
        /span 12 bytes, but shape \[2\] of F32 needs 8/,
      ],
      [stFile({ a: { dtype: "F32", shape: [2], data_offsets: [8] } }, 8), /not a pair/],
      [
        stFile({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, 4),
        /truncated: the tensors need 8 bytes of data, but 4/,
      ],
      [stFile({ ...good, b: { ...good.b, data_offsets: [4, 12] } }, 16), /overlap/],
      [stFile({ ...good, b: { ...good.b, data_offsets: [12, 20] } }, 20), /gap/],
      [stFile(good, 17), /1 bytes follow the last tensor's data/],
      [stFile({ ...good, __metadata__: { n: 1 } }, 16), /__metadata__ is not an object of strings/],
      [stFile({ a: "F32" }), /not described by an object/],
    ];
    for (const [bytes, message] of cases)
      expect(formatError(() => readSafetensors(bytes, "x.safetensors")).message).toMatch(message);
  });

  it("a header length in the top bytes of the u64 is refused, not wrapped", () => {
    const file = stFile(good, 16);
    file[7] = 1;
    expect(formatError(() => readSafetensors(file, "x")).message).toMatch(/beyond the format's limit/);
  });

  it("every truncation of a small file, and garbage, is a FileFormatError", () => {
    const whole = writeSafetensors(
      { W: randomArray(rng(32), [2, 3], false), b: randomArray(rng(33), [3], true) },
      { m: "x" },
    );
    for (let n = 0; n < whole.length; n++) formatError(() => readSafetensors(whole.subarray(0, n), `first ${n} bytes`));
    const r = rng(34);
    for (let trial = 0; trial < 2000; trial++) {
      formatError(() =>
        readSafetensors(
          Uint8Array.from({ length: randInt(r, 0, 64) }, () => randInt(r, 0, 255)),
          "garbage",
        ),
      );
    }
  });

  it("a file with random bytes changed either reads or is a FileFormatError, never another error", () => {
    const whole = writeSafetensors({ W: randomArray(rng(35), [2, 3], false), b: randomArray(rng(36), [3], true) });
    const r = rng(37);
    for (let trial = 0; trial < 5000; trial++) {
      const bytes = whole.slice();
      for (let k = randInt(r, 1, 3); k > 0; k--) bytes[randInt(r, 0, bytes.length - 1)] = randInt(r, 0, 255);
      try {
        readSafetensors(bytes, "mutated");
      } catch (e) {
        if (!(e instanceof FileFormatError)) throw new Error(`mutation ${trial}: ${(e as Error).stack}`);
      }
    }
  });
});

describe.skipIf(!hasNumpy)(
  hasNumpy
    ? "safetensors: against a Python reader and writer written from the format's description"
    : `safetensors against Python: ${noNumpy}`,
  () => {
    it("readSafetensors reads Python's file, whose float64 data is not 8-byte aligned, into aligned arrays", () => {
      const { arrays, file } = JSON.parse(python(["write-safetensors"])) as {
        arrays: Record<string, PyArray>;
        file: string;
      };
      const got = readSafetensors(unb64(file), "python.safetensors");
      expectSameArrays(got, arrays);
      for (const a of Object.values(got)) expect(a.data.byteOffset).toBe(0);
    });

    it("Python's reader reads writeSafetensors' file: the values, the metadata, the reference layout", () => {
      const r = rng(38);
      const arrays: Input = {
        "conv.W": randomArray(r, [3, 1, 2, 2], false),
        bias: randomArray(r, [3], true),
        s: randomArray(r, [], false),
        e: randomArray(r, [0, 2], true),
        "affine.W": randomArray(r, [5, 7], true),
      };
      const metadata = { format: "pt", producer: "zeroconv", note: "ünïcode ✓" };
      const read = JSON.parse(python(["read-safetensors"], b64(writeSafetensors(arrays, metadata)))) as {
        header_length: number;
        header: string;
        metadata: Record<string, string>;
        order: string[];
        arrays: Record<string, PyArray>;
      };
      expect(read.header_length % 8).toBe(0);
      expect(read.header).toMatch(/^\{"__metadata__":.*\} *$/);
      expect(read.metadata).toEqual(metadata);
      expect(read.order).toEqual(["affine.W", "bias", "e", "conv.W", "s"]);
      expect(read.arrays).toEqual(asPy(arrays));
    });
  },
);
