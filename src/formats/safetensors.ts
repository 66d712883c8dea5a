// safetensors (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
// { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { str: str } }, then the
// tensors' bytes, little-endian and C order, offsets counted from the end of the header. Unlike a
// pickle it cannot run anything, so it is the format to share weights in.
import { FileFormatError } from "./file_format_error.js";
import {
  checkArrayInputs,
  countElements,
  decodeFloats,
  encodeFloats,
  itemSize,
  toRecord,
  type ArrayInput,
  type NamedArray,
} from "./named_array.js";
import { describe } from "../tensor/tensor.js";

const DTYPES: Record<string, NamedArray["dtype"]> = { F32: "float32", F64: "float64" };
/** The reference implementation's limit: a longer header is taken for a corrupt length. */
const MAX_HEADER_SIZE = 100_000_000;
const METADATA = "__metadata__";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

interface Entry {
  name: string;
  dtype: NamedArray["dtype"];
  shape: number[];
  begin: number;
  end: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isOffset = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const shown = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** The header's JSON, checked to be an object; `fail` throws. */
function parseHeader(
  bytes: Uint8Array,
  fail: (problem: string) => never,
): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8)
    fail(`truncated: ${bytes.length} bytes, but a safetensors file starts with an 8-byte header length`);
  const n =
    bytes[0] +
    bytes[1] * 2 ** 8 +
    bytes[2] * 2 ** 16 +
    bytes[3] * 2 ** 24 +
    (bytes[4] + bytes[5] * 2 ** 8 + bytes[6] * 2 ** 16 + bytes[7] * 2 ** 24) * 2 ** 32;
  if (n > MAX_HEADER_SIZE)
    fail(
      `header length ${n} is beyond the format's limit of ${MAX_HEADER_SIZE} bytes: not a safetensors file, or a corrupt one`,
    );
  if (n > bytes.length - 8)
    fail(`truncated: the header claims ${n} bytes, but only ${bytes.length - 8} follow its length`);
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail("the header is not a JSON object");
  return { header, dataStart: 8 + n };
}

function parseEntry(name: string, info: unknown, fail: (problem: string) => never): Entry {
  const what = `tensor ${shown(name)}`;
  if (!isObject(info)) fail(`${what} is not described by an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== "string") fail(`${what} has no dtype string`);
  if (!Object.hasOwn(DTYPES, dtype))
    fail(`${what} has unsupported dtype ${shown(dtype)}: only F32 and F64 can be read`);
  if (!Array.isArray(shape)) fail(`${what} has no shape array`);
  const count = countElements(shape);
  if (typeof count === "string") fail(`${what}: ${count}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isOffset)) {
    fail(`${what}'s data_offsets is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  const needed = count * itemSize(DTYPES[dtype]);
  if (end < begin || end - begin !== needed) {
    fail(
      `${what}'s data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape [${shape.join(", ")}] of ${dtype} needs ${needed}`,
    );
  }
  return { name, dtype: DTYPES[dtype], shape: shape as number[], begin, end };
}

function checkMetadata(metadata: unknown, fail: (problem: string) => never): void {
  if (!isObject(metadata) || !Object.values(metadata).every((v) => typeof v === "string")) {
    fail(`${METADATA} is not an object of strings`);
  }
}

/**
 * Tensors must tile the data section exactly, in offset order, as the reference reader requires:
 * no overlap, no gap, nothing after the last one.
 */
function checkLayout(entries: Entry[], dataLength: number, fail: (problem: string) => never): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at) {
      fail(
        `tensor ${shown(e.name)}'s data_offsets [${e.begin}, ${e.end}] ${e.begin < at ? "overlap the tensor before" : "leave a gap after the tensor before"} (which ends at ${at})`,
      );
    }
    at = e.end;
  }
  if (at !== dataLength) {
    fail(
      at > dataLength
        ? `truncated: the tensors need ${at} bytes of data, but ${dataLength} follow the header`
        : `${dataLength - at} bytes follow the last tensor's data`,
    );
  }
}

/**
 * Reads a safetensors file of F32 and F64 tensors into fresh, aligned typed arrays (the file's
 * offsets need not be aligned), in the order of their data. `file` names the source in errors.
 * Throws FileFormatError for a header that is not what the format says, another dtype, offsets
 * that overlap, leave gaps or run past the end, and for a truncated file. The __metadata__
 * strings are checked and not returned.
 */
export function readSafetensors(bytes: Uint8Array, file: string): Record<string, NamedArray> {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`readSafetensors: bytes must be a Uint8Array; got ${describe(bytes)}`);
  if (typeof file !== "string") throw new TypeError(`readSafetensors: file must be a string; got ${describe(file)}`);
  const fail = (problem: string): never => {
    throw new FileFormatError(file, problem);
  };
  const { header, dataStart } = parseHeader(bytes, fail);
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA) checkMetadata(info, fail);
    else entries.push(parseEntry(name, info, fail));
  }
  checkLayout(entries, bytes.length - dataStart, fail);
  return toRecord(
    entries.map((e): [string, NamedArray] => {
      const count = (e.end - e.begin) / itemSize(e.dtype);
      return [
        e.name,
        { shape: e.shape, dtype: e.dtype, data: decodeFloats(bytes, dataStart + e.begin, count, e.dtype) },
      ];
    }),
  );
}

/** Rust's String order, which the reference writer sorts names by: UTF-8 bytes, not UTF-16 units. */
function compareUtf8(a: string, b: string): number {
  const x = utf8Encoder.encode(a);
  const y = utf8Encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * A safetensors file of `arrays` (F32 for Float32Array data, F64 for Float64Array), laid out as
 * the reference writer (the `safetensors` crate's serialize) does: F64 tensors first, then F32,
 * each group by name, so every tensor starts at a multiple of its item size; the JSON compact,
 * __metadata__ first, padded with spaces to a multiple of 8 bytes.
 */
export function writeSafetensors(arrays: Record<string, ArrayInput>, metadata?: Record<string, string>): Uint8Array {
  const entries = checkArrayInputs("writeSafetensors", arrays);
  if (entries.some(([name]) => name === METADATA))
    throw new RangeError(`writeSafetensors: ${METADATA} is reserved and cannot name a tensor`);
  if (metadata !== undefined && (!isObject(metadata) || !Object.values(metadata).every((v) => typeof v === "string"))) {
    throw new TypeError("writeSafetensors: metadata must be an object of strings");
  }
  const rank = (a: ArrayInput): number => (a.data instanceof Float64Array ? 0 : 1);
  entries.sort(([m, a], [n, b]) => rank(a) - rank(b) || compareUtf8(m, n));
  // Built by hand, not JSON.stringify(object): an object puts integer-like keys such as "0" first.
  const parts = metadata === undefined ? [] : [`${JSON.stringify(METADATA)}:${JSON.stringify(metadata)}`];
  let offset = 0;
  for (const [name, a] of entries) {
    const info = {
      dtype: a.data instanceof Float64Array ? "F64" : "F32",
      shape: a.shape,
      data_offsets: [offset, offset + a.data.byteLength],
    };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += a.data.byteLength;
  }
  const json = utf8Encoder.encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setUint32(0, headerLength, true); // the u64's high half stays 0: headers are small
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, a] of entries) {
    encodeFloats(a.data, out, at);
    at += a.data.byteLength;
  }
  return out;
}
