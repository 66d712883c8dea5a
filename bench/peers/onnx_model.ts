// Just enough ONNX to hand the peers' runtimes the bench's models: a protobuf writer (varints and
// length-delimited fields) and the messages ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto and ValueInfoProto, with the field numbers of onnx/onnx.proto. Opset 13, float32.

/** Protobuf wire types: 0 varint, 2 length-delimited, 5 fixed 32-bit. */
const VARINT = 0;
const BYTES = 2;
const FIXED32 = 5;

class Proto {
  private readonly parts: number[] = [];

  private raw(v: number): void {
    // Unsigned varint, 7 bits a byte, low bits first. Every value here is a non-negative integer
    // below 2^53, so plain arithmetic (not 32-bit shifts) keeps it exact.
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
  }

  private key(field: number, wire: number): void {
    this.raw(field * 8 + wire);
  }

  int(field: number, v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`onnx_model: ${v} is not a non-negative integer`);
    this.key(field, VARINT);
    this.raw(v);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, FIXED32);
    this.parts.push(...new Uint8Array(Float32Array.of(v).buffer));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, BYTES);
    this.raw(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Proto): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT, also TypeProto.Tensor.elem_type
const ATTR_INT = 2; // AttributeProto.AttributeType
const ATTR_INTS = 7;

export type Attribute = number | number[];

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, Attribute>;
}

export interface Initializer {
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

export interface ValueInfo {
  name: string;
  dims: readonly number[];
}

export interface Graph {
  nodes: Node[];
  initializers?: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function attribute(name: string, v: Attribute): Proto {
  const a = new Proto().string(1, name); // name
  if (typeof v === "number") return a.int(20, ATTR_INT).int(3, v); // type, i
  a.int(20, ATTR_INTS);
  for (const x of v) a.int(8, x); // ints, unpacked (proto2's default; both forms parse)
  return a;
}

function node(n: Node, index: number): Proto {
  const p = new Proto();
  for (const s of n.inputs) p.string(1, s);
  for (const s of n.outputs) p.string(2, s);
  p.string(3, `${n.op}_${index}`).string(4, n.op); // name, op_type
  for (const [k, v] of Object.entries(n.attributes ?? {})) p.message(5, attribute(k, v));
  return p;
}

function tensor(t: Initializer): Proto {
  const p = new Proto();
  for (const d of t.dims) p.int(1, d); // dims
  p.int(2, FLOAT).string(8, t.name); // data_type, name
  // raw_data is little-endian; so is every machine this runs on (typed arrays use the host order).
  return p.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(v: ValueInfo): Proto {
  const shape = new Proto();
  for (const d of v.dims) shape.message(1, new Proto().int(1, d)); // dim { dim_value }
  const tensorType = new Proto().int(1, FLOAT).message(2, shape); // elem_type, shape
  return new Proto().string(1, v.name).message(2, new Proto().message(1, tensorType)); // name, type { tensor_type }
}

/** A serialized ModelProto (IR version 8, opset 13) for InferenceSession.create(bytes). */
export function onnxModel(g: Graph): Uint8Array {
  const graph = new Proto();
  g.nodes.forEach((n, i) => graph.message(1, node(n, i)));
  graph.string(2, "zeroconv_bench");
  for (const t of g.initializers ?? []) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  return new Proto()
    .int(1, 8) // ir_version
    .string(2, "zeroconv bench/peers") // producer_name
    .message(7, graph)
    .message(8, new Proto().string(1, "").int(2, 13)) // opset_import { domain "", version 13 }
    .finish();
}
