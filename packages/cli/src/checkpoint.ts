/**
 * Training checkpoints as safetensors files (8-byte little-endian header length, JSON header,
 * raw little-endian data), written atomically: the bytes go to a temporary file in the same
 * directory, are flushed to disk, and the file is renamed over the target, so a run killed at any
 * moment leaves either the previous checkpoint or the new one, never a torn file.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { UsageError } from "./errors.js";

export interface Checkpoint {
  /** Named float64 tensors (parameters, optimizer moments, …), flat. */
  readonly tensors: Readonly<Record<string, ArrayLike<number>>>;
  /** String metadata (safetensors `__metadata__`): step, config, history as JSON. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Encodes tensors as F64 safetensors bytes (names sorted, so the bytes are deterministic). */
export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const names = Object.keys(ck.tensors).sort();
  const header: Record<string, unknown> = { __metadata__: ck.metadata };
  let offset = 0;
  for (const n of names) {
    const len = ck.tensors[n]!.length;
    header[n] = { dtype: "F64", shape: [len], data_offsets: [offset, offset + 8 * len] };
    offset += 8 * len;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += " ";
  const hb = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + hb.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const n of names) {
    const t = ck.tensors[n]!;
    for (let i = 0; i < t.length; i++, p += 8) view.setFloat64(p, t[i]!, true);
  }
  return out;
}

/** Decodes a checkpoint; malformed files are a `UsageError` naming the file and the fault. */
export function decodeCheckpoint(bytes: Uint8Array, file = "checkpoint"): Checkpoint {
  const bad = (why: string) => new UsageError(`${file}: not a valid checkpoint (${why})`);
  if (bytes.length < 8) throw bad("shorter than the 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(view.getBigUint64(0, true));
  if (hlen > bytes.length - 8) throw bad(`header length ${hlen} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + hlen)).toString("utf8")) as Record<string, unknown>;
  } catch {
    throw bad("header is not JSON");
  }
  const base = 8 + hlen;
  const tensors: Record<string, Float64Array> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const t = info as { dtype?: unknown; data_offsets?: unknown };
    const off = t.data_offsets;
    if (t.dtype !== "F64") throw bad(`tensor ${name} has dtype ${String(t.dtype)}, expected F64`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0)) throw bad(`tensor ${name} has bad offsets`);
    const [a, b] = off as [number, number];
    if (b < a || base + b > bytes.length || (b - a) % 8 !== 0) throw bad(`tensor ${name} offsets [${a}, ${b}] out of range`);
    const arr = new Float64Array((b - a) / 8);
    for (let i = 0; i < arr.length; i++) arr[i] = view.getFloat64(base + a + 8 * i, true);
    tensors[name] = arr;
  }
  const meta = (header["__metadata__"] ?? {}) as Record<string, string>;
  return { tensors, metadata: meta };
}

/** Writes `bytes` to `file` atomically (temp file in the same directory, fsync, rename). */
export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function saveCheckpoint(file: string, ck: Checkpoint): void {
  writeFileAtomic(file, encodeCheckpoint(ck));
}

export function loadCheckpoint(file: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read checkpoint ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return decodeCheckpoint(bytes, file);
}
