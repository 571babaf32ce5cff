/**
 * ONNX messages as plain objects, encoded with the protobuf writer. Field numbers are those of
 * onnx/onnx.proto (IR version 8):
 *
 * | message            | fields used                                                           |
 * | ------------------ | --------------------------------------------------------------------- |
 * | ModelProto         | ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8 |
 * | OperatorSetIdProto | domain 1, version 2                                                   |
 * | GraphProto         | node 1, name 2, initializer 5, doc_string 10, input 11, output 12     |
 * | NodeProto          | input 1, output 2, name 3, op_type 4, attribute 5, doc_string 6       |
 * | AttributeProto     | name 1, f 2, i 3, s 4, t 5, g 6, floats 7, ints 8, type 20            |
 * | TensorProto        | dims 1, data_type 2, name 8, raw_data 9                               |
 * | ValueInfoProto     | name 1, type 2                                                        |
 * | TypeProto          | tensor_type 1 → Tensor: elem_type 1, shape 2 → TensorShapeProto: dim 1 → Dimension: dim_value 1, dim_param 2 |
 */
import { ProtoWriter } from "./protobuf.js";

export type OnnxType = "float32" | "float64" | "int64" | "bool";

/** TensorProto.DataType codes. */
export const ONNX_DTYPE: Readonly<Record<OnnxType, number>> = {
  float32: 1,
  int64: 7,
  bool: 9,
  float64: 11,
};

export interface OnnxTensor {
  readonly name: string;
  readonly type: OnnxType;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number>;
}

export type OnnxAttr =
  | { readonly i: number }
  | { readonly f: number }
  | { readonly s: string }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly g: OnnxGraph }
  | { readonly t: OnnxTensor };

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attrs?: Readonly<Record<string, OnnxAttr>>;
  readonly doc?: string;
}

export interface OnnxValue {
  readonly name: string;
  readonly type: OnnxType;
  /** Dims: numbers, or names for symbolic dims ("T", "B"); undefined leaves the shape out. */
  readonly shape?: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  readonly initializers?: readonly OnnxTensor[];
  readonly doc?: string;
}

export interface OnnxModel {
  readonly graph: OnnxGraph;
  readonly opset: number;
  readonly irVersion?: number;
  readonly producer?: string;
  readonly doc?: string;
}

function rawData(t: OnnxTensor): Uint8Array {
  const n = t.data.length;
  switch (t.type) {
    case "float32":
      return new Uint8Array(Float32Array.from(t.data).buffer);
    case "float64":
      return new Uint8Array(Float64Array.from(t.data).buffer);
    case "int64": {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(t.data[i]!);
      return new Uint8Array(a.buffer);
    }
    case "bool":
      return Uint8Array.from(t.data, (v) => (v ? 1 : 0));
  }
}

function tensor(t: OnnxTensor): ProtoWriter {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (n !== t.data.length)
    throw new Error(
      `ONNX tensor ${t.name}: dims [${t.dims}] need ${n} values, got ${t.data.length}`,
    );
  const w = new ProtoWriter();
  if (t.dims.length) w.packedInts(1, t.dims);
  return w.int(2, ONNX_DTYPE[t.type]).string(8, t.name).bytes(9, rawData(t));
}

function attribute(name: string, a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ("i" in a) return w.int(3, a.i).int(20, 2);
  if ("f" in a) return w.float(2, a.f).int(20, 1);
  if ("s" in a) return w.string(4, a.s).int(20, 3);
  if ("t" in a) return w.message(5, tensor(a.t)).int(20, 4);
  if ("g" in a) return w.message(6, graph(a.g)).int(20, 5);
  if ("floats" in a) return w.packedFloats(7, a.floats).int(20, 6);
  return w.packedInts(8, a.ints).int(20, 7);
}

function node(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, a] of Object.entries(n.attrs ?? {})) w.message(5, attribute(k, a));
  if (n.doc) w.string(6, n.doc);
  return w;
}

function valueInfo(v: OnnxValue): ProtoWriter {
  const t = new ProtoWriter().int(1, ONNX_DTYPE[v.type]);
  if (v.shape) {
    const shape = new ProtoWriter();
    for (const d of v.shape)
      shape.message(
        1,
        typeof d === "number" ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d),
      );
    t.message(2, shape);
  }
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, t));
}

function graph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, node(n));
  w.string(2, g.name);
  for (const t of g.initializers ?? []) w.message(5, tensor(t));
  if (g.doc) w.string(10, g.doc);
  for (const v of g.inputs) w.message(11, valueInfo(v));
  for (const v of g.outputs) w.message(12, valueInfo(v));
  return w;
}

/** The serialized ModelProto. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter()
    .int(1, m.irVersion ?? 8)
    .string(2, m.producer ?? "gated")
    .string(3, "0.1.0");
  if (m.doc) w.string(6, m.doc);
  w.message(7, graph(m.graph));
  w.message(8, new ProtoWriter().string(1, "").int(2, m.opset));
  return w.finish();
}
