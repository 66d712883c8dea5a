// The book's weight file (SimpleConvNet.save_params: pickle.dump of a dict of NumPy arrays), read
// without Python. The reader is not an unpickler: it knows only the opcodes such a file
// uses and the few NumPy globals that rebuild an array, and it interprets REDUCE and BUILD on them
// itself. Nothing a file names is ever looked up or called, so a hostile pickle can only be refused.
import { FileFormatError } from "./file_format_error.js";
import { countElements, decodeFloats, itemSize, toRecord, type NamedArray } from "./named_array.js";
import { describe } from "../tensor/tensor.js";

export type { NamedArray } from "./named_array.js";

/** A Python 2 str (SHORT_BINSTRING, BINSTRING): taken as str or bytes, as pickle.load(f, encoding="latin1") does. */
class Py2Str {
  constructor(readonly bytes: Uint8Array) {}
}
class PyDict {
  readonly items = new Map<string, Value>();
}
type Role = "reconstruct" | "ndarray" | "dtype" | "frombuffer" | "encode" | "bytes";
class Global {
  constructor(
    readonly role: Role,
    readonly name: string,
  ) {}
}
/** numpy.dtype(spec, align, copy); BUILD then sets its byte order, as dtype.__setstate__ does. */
class DType {
  byteorder: string | null = null;
  constructor(readonly spec: string) {}
}
/** An ndarray: empty from _reconstruct until BUILD gives it its state, complete from _frombuffer. */
class NdArray {
  constructor(public array: NamedArray | null) {}
}
/** A tuple is a plain array: the reader makes no lists. */
type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly Value[]
  | Py2Str
  | PyDict
  | Global
  | DType
  | NdArray;

// Keyed by JSON of [module, name] so that no module/name split can spell an allowed pair.
const ALLOWED = new Map<string, Role>(
  (
    [
      ["numpy.core.multiarray", "_reconstruct", "reconstruct"],
      ["numpy._core.multiarray", "_reconstruct", "reconstruct"],
      ["numpy", "ndarray", "ndarray"],
      ["numpy", "dtype", "dtype"],
      ["numpy.core.numeric", "_frombuffer", "frombuffer"],
      ["numpy._core.numeric", "_frombuffer", "frombuffer"],
      // Protocol 2 has no bytes opcode: Python 3 writes bytes as _codecs.encode(str, "latin1"), and
      // b"" (an empty array's data) as bytes(), under its Python 2 name.
      ["_codecs", "encode", "encode"],
      ["__builtin__", "bytes", "bytes"],
      ["builtins", "bytes", "bytes"],
    ] as const
  ).map(([module, name, role]) => [JSON.stringify([module, name]), role]),
);

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const latin1 = (bytes: Uint8Array): string => Array.from(bytes, (b) => String.fromCharCode(b)).join("");
/** Text from the file, escaped and cut short, so garbage cannot make a message unreadable. */
const clip = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s).slice(1, -1);
const shown = (s: string): string => `"${clip(s)}"`;

function kindOf(v: Value): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return "a bool";
  if (typeof v === "number" || typeof v === "bigint") return "an int";
  if (typeof v === "string") return "a str";
  if (v instanceof Uint8Array) return "bytes";
  if (Array.isArray(v)) return "a tuple";
  if (v instanceof Py2Str) return "a Python 2 str";
  if (v instanceof PyDict) return "a dict";
  if (v instanceof Global) return `the global ${v.name}`;
  if (v instanceof DType) return "a numpy.dtype";
  return (v as NdArray).array ? "a NumPy array" : "a NumPy array without its state";
}

class Reader {
  pos = 0;
  /** Where the opcode being run starts, for messages. */
  at = 0;
  stack: Value[] = [];
  marks: Value[][] = [];
  readonly memo = new Map<number, Value>();
  /**
   * Bytes the reader may still make from the file's own. A memo lets a few bytes of opcodes
   * rebuild one large array (or string) again and again; a file NumPy writes makes each once,
   * and never more than about three times its size in all (data, a transposed copy, a string).
   */
  budget: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.budget = 4 * bytes.length + 4096;
  }

  fail(problem: string): never {
    throw new FileFormatError(this.file, problem);
  }

  spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0)
      this.fail(`the pickle rebuilds more data than a file of ${this.bytes.length} bytes holds (at offset ${this.at})`);
  }

  /** The next `n` bytes, checked: a length field may claim anything. */
  take(n: number): Uint8Array {
    const left = this.bytes.length - this.pos;
    if (n > left) this.fail(`truncated: the opcode at offset ${this.at} needs ${n} more bytes, ${left} remain`);
    this.pos += n;
    return this.bytes.subarray(this.pos - n, this.pos);
  }

  /** An unsigned little-endian integer of `n` bytes (n <= 8), refused past 2^53 as no length can be. */
  uint(n: number): number {
    const b = this.take(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
    if (!Number.isSafeInteger(v)) this.fail(`length at offset ${this.at} is absurd (${v})`);
    return v;
  }

  int32(): number {
    return this.uint(4) | 0;
  }

  /** A newline-terminated line of the text opcodes (GLOBAL, PUT, GET). */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`truncated: the opcode at offset ${this.at} has no end of line`);
    return this.text(this.take(end - this.pos + 1).subarray(0, -1));
  }

  text(bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail(`the string at offset ${this.at} is not valid UTF-8`);
    }
  }

  push(v: Value): void {
    this.stack.push(v);
  }

  pop(): Value {
    if (this.stack.length === 0) this.fail(`stack underflow at offset ${this.at}`);
    return this.stack.pop() as Value;
  }

  top(): Value {
    if (this.stack.length === 0) this.fail(`stack underflow at offset ${this.at}`);
    return this.stack[this.stack.length - 1];
  }

  popMark(): Value[] {
    const below = this.marks.pop();
    if (below === undefined) this.fail(`the opcode at offset ${this.at} needs a MARK, and there is none`);
    const items = this.stack;
    this.stack = below;
    return items;
  }

  memoGet(i: number): void {
    if (!this.memo.has(i)) this.fail(`memo entry ${i} read at offset ${this.at} was never stored`);
    this.push(this.memo.get(i) as Value);
  }

  memoPut(i: number): void {
    this.memo.set(i, this.top());
  }

  str(v: Value, what: string): string {
    if (typeof v === "string") return v;
    if (v instanceof Py2Str) {
      this.spend(2 * v.bytes.length);
      return latin1(v.bytes);
    }
    return this.fail(`${what} is ${kindOf(v)}, not a str`);
  }

  byteString(v: Value, what: string): Uint8Array {
    if (v instanceof Uint8Array) return v;
    if (v instanceof Py2Str) return v.bytes;
    return this.fail(`${what} is ${kindOf(v)}, not bytes`);
  }

  tuple(v: Value, what: string, lengths: readonly number[]): readonly Value[] {
    if (!Array.isArray(v)) this.fail(`${what} is ${kindOf(v)}, not a tuple`);
    const t = v as readonly Value[];
    if (!lengths.includes(t.length)) this.fail(`${what} has ${t.length} items, not ${lengths.join(" or ")}`);
    return t;
  }

  /** A flag NumPy writes as a bool, and Python 2 sometimes as 0 or 1. */
  flag(v: Value, what: string): boolean {
    if (typeof v === "boolean") return v;
    if (v === 0 || v === 1) return v === 1;
    return this.fail(`${what} is ${kindOf(v)}, not a bool`);
  }

  /** A shape: a tuple of sizes, checked before any memory is sized by it. */
  shape(v: Value, what: string): number[] {
    if (!Array.isArray(v)) this.fail(`${what} is ${kindOf(v)}, not a tuple of sizes`);
    const dims = (v as readonly Value[]).map((d) => (typeof d === "bigint" ? -1 : d));
    const count = countElements(dims);
    if (typeof count === "string") this.fail(`${what}: ${count}`);
    return dims as number[];
  }
}

function pushText(r: Reader, n: number): void {
  r.push(r.text(r.take(n)));
}

function pushGlobal(r: Reader, module: string, name: string): void {
  const role = ALLOWED.get(JSON.stringify([module, name]));
  if (role === undefined)
    r.fail(`refuses global ${clip(`${module}.${name}`)}: only NumPy array reconstruction is allowed`);
  r.push(new Global(role, `${module}.${name}`));
}

function stackGlobal(r: Reader): void {
  const name = r.pop();
  const module = r.pop();
  if (typeof module !== "string" || typeof name !== "string") r.fail(`STACK_GLOBAL at offset ${r.at} needs two str`);
  pushGlobal(r, module, name);
}

/** LONG1: a little-endian two's-complement integer of n bytes. */
function long1(r: Reader): void {
  const b = r.take(r.uint(1));
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b.length > 0 && b[b.length - 1] >= 0x80) v -= 1n << BigInt(8 * b.length);
  r.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
}

function decimal(r: Reader): number {
  const s = r.line();
  if (!/^\d{1,9}$/.test(s)) r.fail(`memo index ${shown(s)} at offset ${r.at} is not a number`);
  return Number(s);
}

function setItems(r: Reader, items: readonly Value[]): void {
  const dict = r.top();
  if (!(dict instanceof PyDict)) r.fail(`SETITEM at offset ${r.at} on ${kindOf(dict)}, not a dict`);
  for (let i = 0; i < items.length; i += 2) dict.items.set(r.str(items[i], `dict key at offset ${r.at}`), items[i + 1]);
}

// --- REDUCE and BUILD: what each allowed global would do, done here on descriptions ---

function resolveDtype(r: Reader, d: DType): NamedArray["dtype"] {
  const [, prefix, body] = /^([<>=|]?)(.*)$/s.exec(d.spec) as RegExpExecArray;
  const order = d.byteorder ?? (prefix || "=");
  const name = clip(`${order}${body}`);
  if (body !== "f4" && body !== "f8")
    r.fail(`unsupported dtype ${name}: only float32 (<f4) and float64 (<f8) arrays can be read`);
  if (order === ">")
    r.fail(`unsupported dtype ${name}: big-endian; only little-endian float32 and float64 can be read`);
  if (!"<=|".includes(order) || order.length !== 1) r.fail(`dtype ${name} has an unknown byte order`);
  return body === "f4" ? "float32" : "float64";
}

/**
 * `raw` holds the array C-order in `memShape`; the result is its transpose by `perm` (NumPy's
 * a.transpose(perm)), copied to C order. A Fortran-order array is the C-order array of the
 * reversed shape, transposed by the reversed axes.
 */
function makeArray(
  r: Reader,
  raw: Uint8Array,
  d: DType,
  memShape: number[],
  perm: readonly number[] | null,
): NamedArray {
  const dtype = resolveDtype(r, d);
  const count = countElements(memShape) as number;
  if (raw.length !== count * itemSize(dtype)) {
    r.fail(
      `array data has ${raw.length} bytes, but shape [${memShape.join(", ")}] of ${dtype} needs ${count * itemSize(dtype)}`,
    );
  }
  r.spend(perm === null ? raw.length : 2 * raw.length);
  const data = decodeFloats(raw, 0, count, dtype);
  if (perm === null) return { shape: memShape, dtype, data };
  return { shape: perm.map((p) => memShape[p]), dtype, data: transpose(data, memShape, perm) };
}

function transpose<T extends Float32Array | Float64Array>(data: T, memShape: number[], perm: readonly number[]): T {
  const n = memShape.length;
  const memStrides = new Array<number>(n);
  for (let k = n - 1, s = 1; k >= 0; s *= memShape[k], k--) memStrides[k] = s;
  const shape = perm.map((p) => memShape[p]);
  const strides = perm.map((p) => memStrides[p]);
  const out = (data instanceof Float32Array ? new Float32Array(data.length) : new Float64Array(data.length)) as T;
  const index = new Array<number>(n).fill(0);
  let src = 0;
  for (let i = 0; i < data.length; i++) {
    out[i] = data[src];
    for (let k = n - 1; k >= 0; k--) {
      src += strides[k];
      if (++index[k] < shape[k]) break;
      src -= strides[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

const reversedAxes = (n: number): number[] => Array.from({ length: n }, (_, k) => n - 1 - k);

function asDType(r: Reader, v: Value, what: string): DType {
  if (!(v instanceof DType)) r.fail(`${what} is ${kindOf(v)}, not a numpy.dtype`);
  return v;
}

/** _frombuffer(buf, dtype, shape, order[, axis_order]): NumPy's protocol-5 form of an array. */
function fromBuffer(r: Reader, args: readonly Value[]): NdArray {
  const [buf, dtype, shapeValue, orderValue, axisOrder = null] = args;
  const raw = r.byteString(buf, "_frombuffer's buffer");
  const d = asDType(r, dtype, "_frombuffer's dtype");
  const shape = r.shape(shapeValue, "_frombuffer's shape");
  const order = r.str(orderValue, "_frombuffer's order");
  if (order === "C" && axisOrder === null) return new NdArray(makeArray(r, raw, d, shape, null));
  if (order === "F" && axisOrder === null)
    return new NdArray(makeArray(r, raw, d, shape.slice().reverse(), reversedAxes(shape.length)));
  if (order === "K" && axisOrder !== null)
    return new NdArray(makeArray(r, raw, d, shape, permutation(r, axisOrder, shape.length)));
  return r.fail(
    `_frombuffer with order ${shown(order)} and axis order ${kindOf(axisOrder)} is not an array layout NumPy writes`,
  );
}

function permutation(r: Reader, v: Value, n: number): number[] {
  const perm = r.tuple(v, "_frombuffer's axis order", [n]);
  const sorted = perm.slice().sort((a, b) => Number(a) - Number(b));
  if (!sorted.every((p, k) => p === k)) r.fail(`_frombuffer's axis order is not a permutation of ${n} axes`);
  return perm as number[];
}

/** ndarray.__setstate__((1, shape, dtype, is_fortran, rawdata)). */
function arrayState(r: Reader, state: Value): NamedArray {
  const [version, shapeValue, dtype, fortranValue, rawValue] = r.tuple(state, "array state", [5]);
  if (version !== 1) r.fail(`array state version is ${typeof version === "number" ? version : kindOf(version)}, not 1`);
  const shape = r.shape(shapeValue, "array shape");
  const d = asDType(r, dtype, "array dtype");
  const fortran = r.flag(fortranValue, "array Fortran flag");
  const raw = r.byteString(rawValue, "array data");
  return fortran
    ? makeArray(r, raw, d, shape.slice().reverse(), reversedAxes(shape.length))
    : makeArray(r, raw, d, shape, null);
}

/** dtype.__setstate__((3 or 4, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])). */
function dtypeState(r: Reader, state: Value): string {
  const t = r.tuple(state, "dtype state", [8, 9]);
  if (t[0] !== 3 && t[0] !== 4)
    r.fail(`dtype state version is ${typeof t[0] === "number" ? t[0] : kindOf(t[0])}, not 3 or 4`);
  if (t[2] !== null || t[3] !== null || t[4] !== null) r.fail("structured and subarray dtypes are not supported");
  return r.str(t[1], "dtype byte order");
}

const CALLS: Record<Role, (r: Reader, args: readonly Value[], name: string) => Value> = {
  reconstruct(r: Reader, args: readonly Value[], name: string) {
    const [type, shape, dtype] = r.tuple(args, `arguments of ${name}`, [3]);
    if (!(type instanceof Global && type.role === "ndarray"))
      r.fail(`${name} builds ${kindOf(type)}, not numpy.ndarray`);
    r.tuple(shape, `${name}'s shape`, [0, 1]);
    r.byteString(dtype, `${name}'s dtype`);
    return new NdArray(null);
  },
  dtype(r: Reader, args: readonly Value[], name: string) {
    const [spec, align, copy] = r.tuple(args, `arguments of ${name}`, [3]);
    r.flag(align, "dtype align");
    r.flag(copy, "dtype copy");
    return new DType(r.str(spec, "dtype"));
  },
  frombuffer: (r: Reader, args: readonly Value[], name: string) =>
    fromBuffer(r, r.tuple(args, `arguments of ${name}`, [4, 5])),
  encode(r: Reader, args: readonly Value[], name: string) {
    const [text, encoding] = r.tuple(args, `arguments of ${name}`, [2]);
    if (typeof text !== "string" || encoding !== "latin1")
      r.fail(`${name} is allowed only as encode(str, "latin1"), which protocol 2 writes for bytes`);
    r.spend(text.length);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) r.fail(`${name}(str, "latin1") at offset ${r.at} has a character beyond latin-1`);
      out[i] = c;
    }
    return out;
  },
  bytes(r: Reader, args: readonly Value[], name: string) {
    if (args.length !== 0) r.fail(`${name} is allowed only as ${name}(), which protocol 2 writes for b""`);
    return new Uint8Array(0);
  },
  ndarray: (r: Reader) => r.fail("numpy.ndarray may only be passed to _reconstruct, not called"),
};

function reduce(r: Reader): void {
  const args = r.pop();
  const callee = r.pop();
  if (!(callee instanceof Global))
    r.fail(`REDUCE at offset ${r.at} calls ${kindOf(callee)}, not an allowed NumPy global`);
  if (!Array.isArray(args))
    r.fail(`REDUCE at offset ${r.at}: the arguments of ${callee.name} are ${kindOf(args)}, not a tuple`);
  r.push(CALLS[callee.role](r, args, callee.name));
}

function build(r: Reader): void {
  const state = r.pop();
  const target = r.top();
  if (target instanceof NdArray && target.array === null) target.array = arrayState(r, state);
  else if (target instanceof DType && target.byteorder === null) target.byteorder = dtypeState(r, state);
  else r.fail(`BUILD at offset ${r.at} on ${kindOf(target)}: only a new NumPy array or dtype takes a state`);
}

const OPCODES = new Map<number, (r: Reader) => void>([
  [
    0x80,
    (r) => {
      const p = r.uint(1);
      if (p < 2 || p > 5) r.fail(`pickle protocol ${p} is not supported (2 to 5 are)`);
    },
  ], // PROTO
  [
    0x95,
    (r) => {
      const n = r.uint(8);
      if (n > r.bytes.length - r.pos) r.fail(`truncated: a frame at offset ${r.at} of ${n} bytes runs past the end`);
    },
  ], // FRAME
  [
    0x28,
    (r) => {
      r.marks.push(r.stack);
      r.stack = [];
    },
  ], // MARK
  [0x7d, (r) => r.push(new PyDict())], // EMPTY_DICT
  [0x29, (r) => r.push([])], // EMPTY_TUPLE
  [0x4e, (r) => r.push(null)], // NONE
  [0x88, (r) => r.push(true)], // NEWTRUE
  [0x89, (r) => r.push(false)], // NEWFALSE
  [0x4b, (r) => r.push(r.uint(1))], // BININT1
  [0x4d, (r) => r.push(r.uint(2))], // BININT2
  [0x4a, (r) => r.push(r.int32())], // BININT
  [0x8a, long1], // LONG1
  [0x8c, (r) => pushText(r, r.uint(1))], // SHORT_BINUNICODE
  [0x58, (r) => pushText(r, r.uint(4))], // BINUNICODE
  [0x8d, (r) => pushText(r, r.uint(8))], // BINUNICODE8
  [0x55, (r) => r.push(new Py2Str(r.take(r.uint(1))))], // SHORT_BINSTRING
  [
    0x54,
    (r) => {
      const n = r.int32();
      if (n < 0) r.fail(`BINSTRING at offset ${r.at} has a negative length`);
      r.push(new Py2Str(r.take(n)));
    },
  ], // BINSTRING
  [0x43, (r) => r.push(r.take(r.uint(1)))], // SHORT_BINBYTES
  [0x42, (r) => r.push(r.take(r.uint(4)))], // BINBYTES
  [0x8e, (r) => r.push(r.take(r.uint(8)))], // BINBYTES8
  [0x96, (r) => r.push(r.take(r.uint(8)))], // BYTEARRAY8
  [
    0x85,
    (r) => {
      const a = r.pop();
      r.push([a]);
    },
  ], // TUPLE1
  [
    0x86,
    (r) => {
      const b = r.pop();
      const a = r.pop();
      r.push([a, b]);
    },
  ], // TUPLE2
  [
    0x87,
    (r) => {
      const c = r.pop();
      const b = r.pop();
      const a = r.pop();
      r.push([a, b, c]);
    },
  ], // TUPLE3
  [
    0x74,
    (r) => {
      const items = r.popMark();
      r.push(items);
    },
  ], // TUPLE
  [0x94, (r) => r.memoPut(r.memo.size)], // MEMOIZE
  [0x70, (r) => r.memoPut(decimal(r))], // PUT
  [0x71, (r) => r.memoPut(r.uint(1))], // BINPUT
  [0x72, (r) => r.memoPut(r.uint(4))], // LONG_BINPUT
  [0x67, (r) => r.memoGet(decimal(r))], // GET
  [0x68, (r) => r.memoGet(r.uint(1))], // BINGET
  [0x6a, (r) => r.memoGet(r.uint(4))], // LONG_BINGET
  [
    0x63,
    (r) => {
      const module = r.line();
      pushGlobal(r, module, r.line());
    },
  ], // GLOBAL
  [0x93, stackGlobal], // STACK_GLOBAL
  [0x52, reduce], // REDUCE
  [0x62, build], // BUILD
  [
    0x73,
    (r) => {
      const v = r.pop();
      const k = r.pop();
      setItems(r, [k, v]);
    },
  ], // SETITEM
  [
    0x75,
    (r) => {
      const items = r.popMark();
      if (items.length % 2) r.fail(`SETITEMS at offset ${r.at} has an odd number of items`);
      setItems(r, items);
    },
  ], // SETITEMS
]);

const STOP = 0x2e;

function opcodeName(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, "0")}`;
  return op >= 0x20 && op < 0x7f ? `${hex} (${JSON.stringify(String.fromCharCode(op))})` : hex;
}

/**
 * The dict the pickle built, each value a finished array. One array under two keys (a memo GET)
 * stays one object, as in Python; copying it instead would let a small file claim unbounded memory.
 */
function result(r: Reader): Record<string, NamedArray> {
  if (r.marks.length > 0) r.fail("a MARK is never closed");
  if (r.stack.length !== 1) r.fail(`the pickle leaves ${r.stack.length} objects on its stack, not 1`);
  const top = r.stack[0];
  if (!(top instanceof PyDict)) r.fail(`the pickle holds ${kindOf(top)}, not a dict of NumPy arrays`);
  return toRecord(
    Array.from(top.items, ([key, v]): [string, NamedArray] => {
      if (!(v instanceof NdArray) || v.array === null)
        r.fail(`the value of ${shown(key)} is ${kindOf(v)}, not a NumPy array`);
      return [key, v.array];
    }),
  );
}

/**
 * Reads a pickled dict of float32/float64 NumPy arrays, of protocol 2 to 5 (what pickle.dump and
 * NumPy 1.x or 2.x write). `file` names the source in errors. Throws FileFormatError for anything
 * else: another global (os.system…), an opcode such a pickle does not use, another dtype,
 * big-endian data, a truncated or corrupt file, one that rebuilds more data than it holds.
 * Arrays come back in C order (Fortran-order and transposed ones too) in fresh typed arrays; an
 * array stored under two keys comes back as one object under both, as Python would have it.
 */
export function readPickle(bytes: Uint8Array, file: string): Record<string, NamedArray> {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`readPickle: bytes must be a Uint8Array; got ${describe(bytes)}`);
  if (typeof file !== "string") throw new TypeError(`readPickle: file must be a string; got ${describe(file)}`);
  // Typed explicitly so that r.fail(), which never returns, narrows types after it.
  const r: Reader = new Reader(bytes, file);
  for (;;) {
    if (r.pos >= bytes.length) r.fail(`truncated: ${bytes.length} bytes end before the pickle's STOP opcode`);
    r.at = r.pos;
    const op = bytes[r.pos++];
    if (op === STOP) break;
    const run = OPCODES.get(op);
    if (run === undefined)
      r.fail(`unsupported pickle opcode ${opcodeName(op)} at offset ${r.at}: not one a dict of NumPy arrays uses`);
    run(r);
  }
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} bytes follow the STOP opcode at offset ${r.at}`);
  return result(r);
}
