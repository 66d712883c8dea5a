// IDX, the format of LeCun's MNIST files: 2 zero bytes, a type code, the number of dimensions,
// each dimension as a big-endian uint32, then the elements row-major. Only raw bytes here, with no
// node imports, so the package root stays loadable in browsers; gunzipping is the loader's job.
import { FileFormatError } from "./file_format_error.js";
import { describe } from "../tensor/tensor.js";

export interface IdxArray {
  dims: number[];
  /** A view into the given bytes, not a copy. */
  data: Uint8Array;
}

// Named so an unsupported file says what it holds, not just a number.
const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

const MAX_ELEMENTS = 2 ** 31;

const hex = (v: number, digits: number): string => `0x${v.toString(16).toUpperCase().padStart(digits, "0")}`;

/**
 * Parses an unsigned-byte IDX file (magic 0x00000801 for a vector, 0x00000803 for images…).
 * `file` names the source in errors. Throws FileFormatError unless the bytes are exactly one such
 * array: right magic and type code, 1 to 4 dimensions, at most 2^31 elements, and a length of
 * exactly header + elements (so a truncated download and trailing garbage are both caught).
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`parseIdx: bytes must be a Uint8Array; got ${describe(bytes)}`);
  if (typeof file !== "string") throw new TypeError(`parseIdx: file must be a string; got ${describe(file)}`);
  if (bytes.length < 4) {
    throw new FileFormatError(file, `truncated: ${bytes.length} bytes, but an IDX header needs at least 4`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new FileFormatError(file, "is gzip-compressed; gunzip it before parsing");
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FileFormatError(
      file,
      `not an IDX file: magic number ${hex(magic, 8)} does not start with two zero bytes`,
    );
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const name = TYPE_NAMES[type] ? ` (${TYPE_NAMES[type]})` : " (not an IDX type)";
    throw new FileFormatError(
      file,
      `unsupported element type ${hex(type, 2)}${name}; only 0x08 (unsigned byte) is supported`,
    );
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) {
    throw new FileFormatError(file, `${ndims} dimensions (magic ${hex(magic, 8)}); expected 1 to 4`);
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new FileFormatError(
      file,
      `truncated: the header of ${ndims} dimensions needs ${header} bytes; ${bytes.length} present`,
    );
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  // Checked before the length so a corrupt header reads as such, not as a truncated file.
  const elements = dims.reduce((a, b) => a * b, 1);
  if (elements > MAX_ELEMENTS) {
    throw new FileFormatError(
      file,
      `dimensions [${dims.join(", ")}] make ${elements} elements; at most 2^31 are supported`,
    );
  }
  const expected = header + elements;
  if (bytes.length < expected) {
    throw new FileFormatError(
      file,
      `truncated: dimensions [${dims.join(", ")}] need ${expected} bytes; ${bytes.length} present`,
    );
  }
  if (bytes.length > expected) {
    throw new FileFormatError(
      file,
      `${bytes.length - expected} trailing bytes: dimensions [${dims.join(", ")}] need ${expected} bytes; ${bytes.length} present`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}
