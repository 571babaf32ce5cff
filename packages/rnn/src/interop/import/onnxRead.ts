/**
 * Reading the weights of an ONNX model's LSTM or GRU node: a minimal protobuf decoder (varint,
 * fixed, length-delimited) over ModelProto → GraphProto → NodeProto / TensorProto (field
 * numbers in export/onnxProto.ts). Only what an import needs: the node's W, R, B initializers
 * (float, double, raw or typed data) and its attributes.
 */
import type { DictTensor } from "../stateDict.js";
import type { ImportKind } from "./layouts.js";

interface Field {
  readonly no: number;
  readonly wire: number;
  /** varint value (wire 0), or the bytes (wire 1, 2, 5). */
  readonly v: bigint | Uint8Array;
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let x = 0n,
      shift = 0n;
    for (;;) {
      if (i >= b.length) throw new Error("truncated varint");
      const c = b[i++]!;
      x |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) return x;
      shift += 7n;
    }
  };
  while (i < b.length) {
    const tag = Number(varint());
    const no = tag >>> 3,
      wire = tag & 7;
    if (wire === 0) out.push({ no, wire, v: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      out.push({ no, wire, v: b.subarray(i, i + n) });
      i += n;
    } else if (wire === 2) {
      const n = Number(varint());
      if (i + n > b.length) throw new Error("truncated field");
      out.push({ no, wire, v: b.subarray(i, i + n) });
      i += n;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (v: Field["v"]) => new TextDecoder().decode(v as Uint8Array);
const bytesOf = (fs: Field[], no: number) =>
  fs.filter((f) => f.no === no).map((f) => f.v as Uint8Array);
const first = (fs: Field[], no: number) => fs.find((f) => f.no === no)?.v;

/** Packed or unpacked repeated varints. */
function ints(fs: Field[], no: number): number[] {
  const out: number[] = [];
  for (const f of fs.filter((g) => g.no === no)) {
    if (f.wire === 0) out.push(Number(BigInt.asIntN(64, f.v as bigint)));
    else
      for (const g of fields(prefixPacked(f.v as Uint8Array)))
        out.push(Number(BigInt.asIntN(64, g.v as bigint)));
  }
  return out;
}

/** Packed varints re-tagged as field 1 so `fields` can read them. */
function prefixPacked(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < b.length) {
    out.push(0x08);
    do out.push(b[i]!);
    while (b[i++]! >= 0x80 && i < b.length);
  }
  return Uint8Array.from(out);
}

function tensorOf(b: Uint8Array): { name: string; t: DictTensor } {
  const fs = fields(b);
  const name = text(first(fs, 8) ?? new Uint8Array());
  const dims = ints(fs, 1);
  const type = Number(first(fs, 2) ?? 0n);
  const n = dims.reduce((a, c) => a * c, 1);
  const raw = first(fs, 9) as Uint8Array | undefined;
  const copy = (u: Uint8Array) => u.slice().buffer;
  let data: Float64Array;
  if (type === 1) {
    const f32 = raw
      ? new Float32Array(copy(raw))
      : Float32Array.from(bytesOf(fs, 4).flatMap((u) => [...new Float32Array(copy(u))]));
    data = Float64Array.from(f32);
  } else if (type === 11) {
    data = raw
      ? new Float64Array(copy(raw))
      : Float64Array.from(bytesOf(fs, 10).flatMap((u) => [...new Float64Array(copy(u))]));
  } else throw new Error(`tensor ${name}: ONNX data type ${type} is not float or double`);
  if (data.length !== n)
    throw new Error(
      `tensor ${name}: dims [${dims.join(", ")}] need ${n} values, got ${data.length}`,
    );
  return { name, t: { shape: dims, data } };
}

export interface OnnxRecurrent {
  readonly kind: ImportKind;
  /** The node's weights as W, R and (when present) B. */
  readonly tensors: Map<string, DictTensor>;
  readonly linearBeforeReset: boolean;
  readonly hiddenSize?: number;
}

/** The weights of the model's one LSTM or GRU node. */
export function readOnnxRecurrent(bytes: Uint8Array): OnnxRecurrent {
  const model = fields(bytes);
  const graph = first(model, 7);
  if (!(graph instanceof Uint8Array)) throw new Error("not an ONNX model: no graph");
  const g = fields(graph);
  // initializers by name, decoded only when the node reads them (others may be int64, …)
  const raw = new Map<string, Uint8Array>();
  for (const b of bytesOf(g, 5)) raw.set(text(first(fields(b), 8) ?? new Uint8Array()), b);
  const inits = {
    has: (n: string) => raw.has(n),
    get: (n: string) => {
      const b = raw.get(n);
      return b ? tensorOf(b).t : undefined;
    },
  };
  const nodes = bytesOf(g, 1).map(fields);
  const rec = nodes.filter((n) => ["LSTM", "GRU"].includes(text(first(n, 4) ?? new Uint8Array())));
  if (rec.length !== 1)
    throw new Error(`the model has ${rec.length} LSTM/GRU nodes; import reads exactly one`);
  const node = rec[0]!;
  const op = text(first(node, 4)!);
  const attrs = new Map<string, Field[]>(
    bytesOf(node, 5).map((a) => {
      const fs = fields(a);
      return [text(first(fs, 1) ?? new Uint8Array()), fs];
    }),
  );
  const intAttr = (k: string) => {
    const v = attrs.get(k) && first(attrs.get(k)!, 3);
    return v === undefined ? undefined : Number(v as bigint);
  };
  const strAttr = (k: string) => {
    const v = attrs.get(k) && first(attrs.get(k)!, 4);
    return v === undefined ? undefined : text(v);
  };
  const dir = strAttr("direction") ?? "forward";
  if (dir !== "forward")
    throw new Error(`${op} node: direction ${dir}; import reads forward nodes only`);
  const inputs = bytesOf(node, 1).map((b) => new TextDecoder().decode(b));
  const tensors = new Map<string, DictTensor>();
  ["W", "R", "B"].forEach((role, k) => {
    const name = inputs[k + 1];
    if (!name) return;
    const t = inits.get(name);
    if (!t) throw new Error(`${op} node: input ${role} (${name}) is not an initializer`);
    tensors.set(role, t);
  });
  if (op === "LSTM" && inputs[7] && inits.has(inputs[7])) {
    const p = inits.get(inputs[7])!;
    if (p.data.some((v) => v !== 0))
      throw new Error(
        `LSTM node: peephole weights P (${inputs[7]}) are not supported (gated's lstm has none)`,
      );
  }
  const hs = intAttr("hidden_size");
  return {
    kind: op === "LSTM" ? "lstm" : "gru",
    tensors,
    linearBeforeReset: (intAttr("linear_before_reset") ?? 0) !== 0,
    ...(hs !== undefined ? { hiddenSize: hs } : {}),
  };
}
