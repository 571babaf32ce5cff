/**
 * The safetensors format (https://github.com/huggingface/safetensors): 8 bytes of header length
 * N (unsigned 64-bit little-endian), N bytes of UTF-8 JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then
 * the raw little-endian tensor bytes; offsets are relative to the byte buffer after the header.
 *
 * The reader validates everything before it reads a byte of data, so a malformed file throws
 * an `Error` ("safetensors: …", naming the tensor at fault) and never reads out of bounds:
 * header length within the file, valid UTF-8 JSON object, known dtype, non-negative integer
 * shape, offsets in range, `end − begin = numel · itemsize`, each begin a multiple of the
 * itemsize (alignment), and the tensors tiling the byte buffer exactly (no overlap, no hole,
 * no trailing bytes), as the reference implementation requires.
 */
import { FileFormatError } from "../errors.js";

/** Element types this module reads; F16/BF16 are widened to float32 values on read. */
export type SafeDType =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U8"
  | "BOOL";

export type TensorData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

export interface SafeTensor {
  readonly dtype: SafeDType;
  readonly shape: readonly number[];
  /** Row-major values (F16/BF16 as Float32Array, BOOL as Uint8Array of 0/1). */
  readonly data: TensorData;
}

/** The tensors by name (a `Map`, in header order) plus the file's string metadata. */
export class SafetensorsFile extends Map<string, SafeTensor> {
  constructor(
    entries: Iterable<readonly [string, SafeTensor]>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    super(entries);
  }

  /** The same map (for `const { tensors, metadata } = readSafetensors(bytes)`). */
  get tensors(): Map<string, SafeTensor> {
    return this;
  }
}

const ITEM: Record<SafeDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
/** Headers larger than this are rejected (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

const fail = (msg: string): never => {
  throw new FileFormatError("safetensors", msg);
};

/**
 * A value from a (possibly hostile) header for messages: at most 60 characters, and never a
 * stack overflow (JSON.stringify recurses into thousands of nested arrays).
 */
export function brief(v: unknown): string {
  let t: string;
  try {
    t = JSON.stringify(v) ?? String(v);
  } catch {
    t = Array.isArray(v) ? "[[[…]]] (nested too deep)" : String(v);
  }
  return t.length <= 60 ? t : `${t.slice(0, 57)}…`;
}

/** Number of elements of a validated shape; rejects products beyond 2^53. */
function numel(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) fail(`${what}: shape ${brief(shape)} has too many elements`);
  }
  return n;
}

function decodeHalf(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1,
    e = (bits >> 10) & 0x1f,
    m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Parses a safetensors file held in memory: a `Map` name → {dtype, shape, data}, plus `metadata`. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) fail("expected the file's bytes as a Uint8Array");
  if (bytes.length < 8)
    fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8))
    fail(`header length ${n64} exceeds the ${bytes.length - 8} bytes after the length field`);
  const N = Number(n64);
  if (N > MAX_HEADER_BYTES)
    fail(`header length ${N} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (N < 2) fail(`header length ${N} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + N),
    );
  } catch {
    return fail("header is not valid UTF-8");
  }
  if (text[0] !== "{")
    fail(`header must start with "{", found ${JSON.stringify(text.slice(0, 8))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header))
    fail("header must be a JSON object");
  const bufLen = bytes.length - 8 - N;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (v === null || typeof v !== "object" || Array.isArray(v))
        fail("__metadata__ must be an object of strings");
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== "string") fail(`__metadata__.${k} must be a string, got ${brief(s)}`);
        metadata[k] = s as string;
      }
      continue;
    }
    const where = `tensor ${JSON.stringify(name)}`;
    if (v === null || typeof v !== "object" || Array.isArray(v))
      fail(`${where}: entry must be an object {dtype, shape, data_offsets}`);
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (k !== "dtype" && k !== "shape" && k !== "data_offsets")
        fail(`${where}: unexpected key ${JSON.stringify(k)}`);
    const dtype = e["dtype"];
    if (typeof dtype !== "string" || !(dtype in ITEM))
      fail(
        `${where}: unsupported dtype ${brief(dtype)} (supported: ${Object.keys(ITEM).join(", ")})`,
      );
    const shape = e["shape"];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where}: shape must be an array of non-negative integers, got ${brief(shape)}`);
    }
    const off = e["data_offsets"];
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isSafeInteger(d) && d >= 0)
    ) {
      fail(
        `${where}: data_offsets must be [begin, end] with non-negative integers, got ${brief(off)}`,
      );
    }
    const [begin, end] = off as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] has begin > end`);
    if (end > bufLen)
      fail(
        `${where}: data_offsets [${begin}, ${end}] out of range (the data buffer has ${bufLen} bytes)`,
      );
    const item = ITEM[dtype as SafeDType];
    const want = numel(shape as number[], where) * item;
    if (end - begin !== want)
      fail(
        `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${brief(shape)} needs ${want}`,
      );
    if (begin % item !== 0)
      fail(
        `${where}: data_offsets begin ${begin} is not aligned to the ${item}-byte ${dtype} element size`,
      );
    entries.push({ name, dtype: dtype as SafeDType, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos)
      fail(
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap another tensor`,
      );
    if (e.begin > pos)
      fail(
        `bytes ${pos}..${e.begin} of the data buffer belong to no tensor (before ${JSON.stringify(e.name)})`,
      );
    pos = e.end;
  }
  if (pos !== bufLen) fail(`the data buffer has ${bufLen} bytes but the tensors cover ${pos}`);
  const base = 8 + N;
  return new SafetensorsFile(
    entries.map(
      (e) =>
        [
          e.name,
          {
            dtype: e.dtype,
            shape: e.shape,
            data: decode(view, base + e.begin, e.dtype, (e.end - e.begin) / ITEM[e.dtype]),
          },
        ] as const,
    ),
    metadata,
  );
}

/** Reads `n` little-endian elements at byte `at` (range already validated). */
function decode(view: DataView, at: number, dtype: SafeDType, n: number): TensorData {
  const item = ITEM[dtype];
  switch (dtype) {
    case "F64":
      return Float64Array.from({ length: n }, (_, i) => view.getFloat64(at + i * item, true));
    case "F32":
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(at + i * item, true));
    case "F16":
      return Float32Array.from({ length: n }, (_, i) =>
        decodeHalf(view.getUint16(at + i * item, true)),
      );
    case "BF16":
      return Float32Array.from({ length: n }, (_, i) => {
        const b = new DataView(new ArrayBuffer(4));
        b.setUint32(0, view.getUint16(at + i * item, true) << 16);
        return b.getFloat32(0);
      });
    case "I64":
      return BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(at + i * item, true));
    case "I32":
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(at + i * item, true));
    case "I16":
      return Int16Array.from({ length: n }, (_, i) => view.getInt16(at + i * item, true));
    case "I8":
      return Int8Array.from({ length: n }, (_, i) => view.getInt8(at + i));
    case "U8":
      return Uint8Array.from({ length: n }, (_, i) => view.getUint8(at + i));
    case "BOOL":
      return Uint8Array.from({ length: n }, (_, i) => (view.getUint8(at + i) ? 1 : 0));
  }
}

/** A tensor to write: `dtype` defaults from the array type (Float64Array → F64, …). */
export interface TensorInput {
  readonly dtype?: SafeDType;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number> | BigInt64Array;
}

function dtypeOf(t: TensorInput, where: string): SafeDType {
  if (t.dtype !== undefined) {
    if (!(t.dtype in ITEM) || t.dtype === "F16" || t.dtype === "BF16")
      fail(
        `${where}: cannot write dtype ${brief(t.dtype)} (writable: F64, F32, I64, I32, I16, I8, U8, BOOL)`,
      );
    return t.dtype;
  }
  const d = t.data;
  if (d instanceof Float32Array) return "F32";
  if (d instanceof BigInt64Array) return "I64";
  if (d instanceof Int32Array) return "I32";
  if (d instanceof Int16Array) return "I16";
  if (d instanceof Int8Array) return "I8";
  if (d instanceof Uint8Array) return "U8";
  return "F64";
}

/**
 * Serialises tensors (in the given order in the header; data laid out by descending element
 * size so every tensor is aligned) with optional string metadata. The header is padded with
 * spaces to a multiple of 8 bytes.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const list =
    tensors instanceof Map
      ? [...tensors.entries()]
      : Object.entries(tensors as Record<string, TensorInput>);
  const items = list.map(([name, t]) => {
    const where = `tensor ${JSON.stringify(name)}`;
    if (name === "__metadata__") fail(`"__metadata__" is reserved and cannot name a tensor`);
    if (!Array.isArray(t.shape) || !t.shape.every((d: number) => Number.isSafeInteger(d) && d >= 0))
      fail(`${where}: shape must be non-negative integers, got ${brief(t.shape)}`);
    const dtype = dtypeOf(t, where);
    const n = numel(t.shape, where);
    if (t.data.length !== n)
      fail(`${where}: shape ${brief(t.shape)} needs ${n} values, got ${t.data.length}`);
    if ((dtype === "I64") !== t.data instanceof BigInt64Array)
      fail(`${where}: I64 data must be a BigInt64Array`);
    return { name, t, dtype, n, begin: 0 };
  });
  let pos = 0;
  for (const it of [...items].sort((a, b) => ITEM[b.dtype] - ITEM[a.dtype])) {
    it.begin = pos;
    pos += it.n * ITEM[it.dtype];
  }
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== "string") fail(`metadata ${k} must be a string`);
    header["__metadata__"] = { ...metadata };
  }
  for (const it of items)
    header[it.name] = {
      dtype: it.dtype,
      shape: [...it.t.shape],
      data_offsets: [it.begin, it.begin + it.n * ITEM[it.dtype]],
    };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + pos);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  json = new Uint8Array(0);
  const base = 8 + padded;
  for (const it of items) {
    const at = base + it.begin,
      d = it.t.data,
      sz = ITEM[it.dtype];
    for (let i = 0; i < it.n; i++) {
      const o = at + i * sz;
      switch (it.dtype) {
        case "F64":
          view.setFloat64(o, (d as ArrayLike<number>)[i]!, true);
          break;
        case "F32":
          view.setFloat32(o, (d as ArrayLike<number>)[i]!, true);
          break;
        case "I64":
          view.setBigInt64(o, (d as BigInt64Array)[i]!, true);
          break;
        case "I32":
          view.setInt32(o, (d as ArrayLike<number>)[i]!, true);
          break;
        case "I16":
          view.setInt16(o, (d as ArrayLike<number>)[i]!, true);
          break;
        case "I8":
          view.setInt8(o, (d as ArrayLike<number>)[i]!);
          break;
        case "U8":
          view.setUint8(o, (d as ArrayLike<number>)[i]!);
          break;
        case "BOOL":
          view.setUint8(o, (d as ArrayLike<number>)[i]! ? 1 : 0);
          break;
        default:
          fail(`tensor ${JSON.stringify(it.name)}: cannot write dtype ${it.dtype}`);
      }
    }
  }
  return out;
}
