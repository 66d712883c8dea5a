/**
 * A file that is not what its reader expects: wrong magic number, truncated, a header that claims
 * more data than is there, an unsupported dtype, a pickle that names a forbidden global. Argument
 * errors stay TypeError/RangeError; this one is about the bytes of a file, and names it.
 */
export class FileFormatError extends Error {
  override readonly name = "FileFormatError";

  /** `file` is the path, or a caller-given label such as "params bytes" when there is no path. */
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
