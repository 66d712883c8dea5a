// The book's weight file (SimpleConvNet.save_params: pickle.dump of a dict of NumPy arrays),
// written without Python: the bytes pickle.dump writes at protocol 4 (test/params-files.test.ts
// compares them with Python's own).
import { checkArrayInputs, encodeFloats, type ArrayInput } from "./named_array.js";

// NumPy 2 writes numpy._core.multiarray, which NumPy 1.x cannot import; numpy.core.multiarray is
// what NumPy 1.x writes and NumPy 2 still loads without a warning (numpy/core/multiarray.py
// re-exports _reconstruct "to support old pickle files"), so the book's Python reads it either way.
const RECONSTRUCT_MODULE = "numpy.core.multiarray";
// pickle.py's _Framer._FRAME_SIZE_TARGET and _FRAME_SIZE_MIN, and Pickler._BATCHSIZE.
const FRAME_SIZE_TARGET = 64 * 1024;
const FRAME_SIZE_MIN = 4;
const BATCH_SIZE = 1000;
const utf8Encoder = new TextEncoder();

class ByteBuffer {
  bytes = new Uint8Array(1024);
  length = 0;

  push(...values: number[]): void {
    this.append(Uint8Array.from(values));
  }

  append(data: Uint8Array): void {
    if (this.length + data.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + data.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** The bytes so far, and an empty buffer for what comes next. */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

const le = (value: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.floor(value / 2 ** (8 * i)) % 256);

/** pickle.encode_long: the shortest little-endian two's complement that keeps the sign. */
function encodeLong(value: number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    out.push(Number(BigInt.asUintN(8, v)));
    v >>= 8n;
  } while (!((v === 0n && out[out.length - 1] < 0x80) || (v === -1n && out[out.length - 1] >= 0x80)));
  return out;
}

/**
 * Python's pickle.Pickler at protocol 4, specialised to a dict of arrays: the same opcodes, memo
 * and frames, so the bytes are Python's own. Each save* is one Pickler.save call, which begins by
 * closing the current frame once it holds 64 KiB. Memo tokens stand for object identity: the
 * objects NumPy shares between arrays (the globals, the dtype singletons, b"b", the interned
 * strings "numpy" and "<") are written once and fetched again, as Python finds them in its memo.
 */
class Writer {
  private readonly chunks: Uint8Array[] = [Uint8Array.of(0x80, 4)]; // PROTO 4, before framing starts
  private readonly frame = new ByteBuffer();
  private readonly memo = new Map<string, number>();
  private memoSize = 0;

  bytes(): Uint8Array {
    this.frame.push(0x2e); // STOP
    this.commitFrame();
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private commitFrame(): void {
    const data = this.frame.take();
    if (data.length >= FRAME_SIZE_MIN) this.chunks.push(Uint8Array.from([0x95, ...le(data.length, 8)]));
    if (data.length > 0) this.chunks.push(data);
  }

  private boundary(): void {
    if (this.frame.length >= FRAME_SIZE_TARGET) this.commitFrame();
  }

  private memoize(token?: string): void {
    this.frame.push(0x94); // MEMOIZE
    if (token !== undefined) this.memo.set(token, this.memoSize);
    this.memoSize++;
  }

  /** Writes a GET and returns true when the object `token` stands for is already in the memo. */
  private recall(token: string): boolean {
    const i = this.memo.get(token);
    if (i === undefined) return false;
    this.frame.push(...(i < 256 ? [0x68, i] : [0x6a, ...le(i, 4)])); // BINGET, LONG_BINGET
    return true;
  }

  private saveInt(v: number): void {
    this.boundary();
    if (v >= 0 && v <= 0xff)
      this.frame.push(0x4b, v); // BININT1
    else if (v >= 0 && v <= 0xffff)
      this.frame.push(0x4d, ...le(v, 2)); // BININT2
    else if (v >= -(2 ** 31) && v < 2 ** 31)
      this.frame.push(0x4a, ...le(v >>> 0, 4)); // BININT
    else {
      const bytes = encodeLong(v);
      this.frame.push(0x8a, bytes.length, ...bytes); // LONG1
    }
  }

  private saveBool(v: boolean): void {
    this.boundary();
    this.frame.push(v ? 0x88 : 0x89);
  }

  private saveNone(): void {
    this.boundary();
    this.frame.push(0x4e);
  }

  /** `shared`: one of NumPy's interned strings, the same object wherever it appears. */
  private saveStr(s: string, shared: boolean): void {
    this.boundary();
    if (shared && this.recall(`str:${s}`)) return;
    const bytes = utf8Encoder.encode(s);
    if (bytes.length < 256)
      this.frame.push(0x8c, bytes.length); // SHORT_BINUNICODE
    else this.frame.push(0x58, ...le(bytes.length, 4)); // BINUNICODE
    this.frame.append(bytes);
    this.memoize(shared ? `str:${s}` : undefined);
  }

  private saveBytes(payload: Uint8Array, token?: string): void {
    this.boundary();
    if (token !== undefined && this.recall(token)) return;
    const n = payload.length;
    if (n <= 0xff)
      this.frame.push(0x43, n); // SHORT_BINBYTES
    else if (n > 0xffffffff || n >= FRAME_SIZE_TARGET) {
      // pickle's _write_large_bytes: close the frame, then header and payload outside any frame.
      this.commitFrame();
      this.chunks.push(Uint8Array.from(n > 0xffffffff ? [0x8e, ...le(n, 8)] : [0x42, ...le(n, 4)]), payload);
      this.memoize(token);
      return;
    } else this.frame.push(0x42, ...le(n, 4)); // BINBYTES
    this.frame.append(payload);
    this.memoize(token);
  }

  private saveTuple(items: readonly (() => void)[]): void {
    this.boundary();
    if (items.length === 0) {
      this.frame.push(0x29); // EMPTY_TUPLE, never memoized
      return;
    }
    if (items.length > 3) this.frame.push(0x28); // MARK
    for (const save of items) save();
    this.frame.push(items.length > 3 ? 0x74 : [0x85, 0x86, 0x87][items.length - 1]); // TUPLE, TUPLE1..3
    this.memoize();
  }

  private saveGlobal(module: string, name: string): void {
    this.boundary();
    const token = `global:${module}:${name}`;
    if (this.recall(token)) return;
    this.saveStr(module, true);
    this.saveStr(name, true);
    this.frame.push(0x93); // STACK_GLOBAL
    this.memoize(token);
  }

  /** dtype.__reduce__: (numpy.dtype, ("f8", False, True), (3, "<", None, None, None, -1, -1, 0)). */
  private saveDtype(spec: "f4" | "f8"): void {
    this.boundary();
    const token = `dtype:${spec}`;
    if (this.recall(token)) return;
    this.saveGlobal("numpy", "dtype");
    this.saveTuple([() => this.saveStr(spec, false), () => this.saveBool(false), () => this.saveBool(true)]);
    this.frame.push(0x52); // REDUCE
    this.memoize(token);
    const state = [
      () => this.saveInt(3),
      () => this.saveStr("<", true),
      () => this.saveNone(),
      () => this.saveNone(),
      () => this.saveNone(),
      () => this.saveInt(-1),
      () => this.saveInt(-1),
      () => this.saveInt(0),
    ];
    this.saveTuple(state);
    this.frame.push(0x62); // BUILD
  }

  /** ndarray.__reduce__: (_reconstruct, (ndarray, (0,), b"b"), (1, shape, dtype, False, raw bytes)). */
  private saveArray(a: ArrayInput): void {
    this.boundary();
    this.saveGlobal(RECONSTRUCT_MODULE, "_reconstruct");
    this.saveTuple([
      () => this.saveGlobal("numpy", "ndarray"),
      () => this.saveTuple([() => this.saveInt(0)]),
      () => this.saveBytes(Uint8Array.of(0x62), "bytes:b"),
    ]);
    this.frame.push(0x52); // REDUCE
    this.memoize();
    const raw = new Uint8Array(a.data.byteLength);
    encodeFloats(a.data, raw, 0);
    this.saveTuple([
      () => this.saveInt(1),
      () => this.saveTuple(a.shape.map((d) => () => this.saveInt(d))),
      () => this.saveDtype(a.data instanceof Float32Array ? "f4" : "f8"),
      () => this.saveBool(false),
      // CPython has a single empty bytes object, so every empty array after the first fetches it.
      () => this.saveBytes(raw, raw.length === 0 ? "bytes:empty" : undefined),
    ]);
    this.frame.push(0x62); // BUILD
  }

  /** save_dict and _batch_setitems: SETITEMS per batch of up to 1000, SETITEM for a batch of one. */
  saveDict(entries: readonly [string, ArrayInput][]): void {
    this.boundary();
    this.frame.push(0x7d); // EMPTY_DICT
    this.memoize();
    for (let start = 0; start < entries.length; start += BATCH_SIZE) {
      const batch = entries.slice(start, start + BATCH_SIZE);
      if (batch.length > 1) this.frame.push(0x28); // MARK
      for (const [key, a] of batch) {
        this.saveStr(key, false);
        this.saveArray(a);
      }
      this.frame.push(batch.length > 1 ? 0x75 : 0x73); // SETITEMS, SETITEM
    }
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The bytes Python's pickle.dump(arrays, f, protocol=4) writes for a dict of C-order float32 and
 * float64 NumPy arrays, keys in the object's order, spelling the reconstructor
 * numpy.core.multiarray._reconstruct so NumPy 1.x and 2.x both load it. The same bytes as Python
 * for such a dict, as long as no key equals one of NumPy's own strings ("numpy", "<"…), which
 * CPython may intern and then pickle as a reference to the key.
 */
export function writePickle(arrays: Record<string, ArrayInput>): Uint8Array {
  const entries = checkArrayInputs("writePickle", arrays);
  for (const [key] of entries) {
    // TextEncoder would turn it into U+FFFD; Python would write it with surrogatepass.
    if (LONE_SURROGATE.test(key)) throw new TypeError(`writePickle: key ${JSON.stringify(key)} has a lone surrogate`);
  }
  const w = new Writer();
  w.saveDict(entries);
  return w.bytes();
}
