// Choosing the weight-file format and reaching the file system. Node's fs is taken with
// process.getBuiltinModule at the call, not imported, so this module (and the package's root
// entry) still loads in browsers, where a file's bytes are passed instead of its path.
import { describe, type Tensor } from "../tensor/tensor.js";
import { FileFormatError } from "./file_format_error.js";
import { readPickle, type NamedArray } from "./pickle_reader.js";
import { writePickle } from "./pickle_writer.js";
import { readSafetensors, writeSafetensors } from "./safetensors.js";

type Format = "pickle" | "safetensors";

function formatOfPath(fn: string, path: string): Format {
  const lower = path.toLowerCase();
  if (lower.endsWith(".pkl") || lower.endsWith(".pickle")) return "pickle";
  if (lower.endsWith(".safetensors")) return "safetensors";
  throw new RangeError(
    `${fn}: cannot tell the format of ${JSON.stringify(path)}: name it .pkl (the book's pickle) or .safetensors`,
  );
}

/** A pickle starts with PROTO (0x80); a safetensors file with its header length, little-endian. */
function formatOfBytes(bytes: Uint8Array): Format {
  return bytes[0] === 0x80 ? "pickle" : "safetensors";
}

function nodeFs(fn: string): typeof import("node:fs") {
  const fs = typeof process === "object" ? process.getBuiltinModule?.("node:fs") : undefined;
  if (fs === undefined)
    throw new TypeError(
      `${fn}: a file path needs Node.js (20.16 or later); elsewhere pass the file's bytes as a Uint8Array`,
    );
  return fs;
}

/** The named arrays of a weights file given by path (Node) or by its bytes. */
export function readParams(fn: string, source: unknown): Record<string, NamedArray> {
  if (source instanceof Uint8Array) {
    const label = "params bytes";
    return formatOfBytes(source) === "pickle" ? readPickle(source, label) : readSafetensors(source, label);
  }
  if (typeof source !== "string") {
    throw new TypeError(
      `${fn}: source must be a file path (string) or the file's bytes (Uint8Array); got ${describe(source)}`,
    );
  }
  const format = formatOfPath(fn, source);
  let bytes: Uint8Array;
  try {
    bytes = nodeFs(fn).readFileSync(source);
  } catch (e) {
    if (e instanceof TypeError) throw e;
    throw new FileFormatError(source, `cannot be read (${(e as Error).message})`);
  }
  return format === "pickle" ? readPickle(bytes, source) : readSafetensors(bytes, source);
}

/**
 * Writes `params` to `path` in the format its extension names. The bytes go to a temporary file
 * first and are renamed over the target, so a crash never leaves half a weights file in place.
 */
export function writeParams(fn: string, path: string, params: Record<string, Tensor>): void {
  if (typeof path !== "string") throw new TypeError(`${fn}: path must be a string; got ${describe(path)}`);
  const format = formatOfPath(fn, path);
  const bytes =
    format === "pickle" ? writePickle(params) : writeSafetensors(params, { format: "pt", producer: "zeroconv" });
  const fs = nodeFs(fn);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, bytes);
    fs.renameSync(temp, path);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    // An Error, as Node's own file-system errors are: the environment failed, not the call; the
    // system error (its code: ENOENT, EACCES, ENOSPC…) is kept as the cause.
    throw new Error(`${fn}: cannot write ${path} (${(e as Error).message})`, { cause: e });
  }
}
