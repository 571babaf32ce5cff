/**
 * Training checkpoints as safetensors files (F64 tensors plus string metadata), through
 * @gated/rnn's validated reader/writer. Writes are atomic (temp file beside the target, fsync,
 * rename), so a run killed at any moment leaves the previous checkpoint or the new one, never a
 * torn file. Malformed or unreadable files are one-line `UsageError`s naming the file.
 */
import { readFileSync } from "node:fs";
import { readSafetensors, writeSafetensors } from "@gated/rnn";
import { writeFileAtomic as writeAtomic } from "@gated/rnn/node";
import { UsageError } from "./errors.js";

export interface Checkpoint {
  /** Named float64 tensors (parameters, optimizer moments, …), flat. */
  readonly tensors: Readonly<Record<string, ArrayLike<number>>>;
  /** String metadata (safetensors `__metadata__`): step, configuration, history as JSON. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Encodes a checkpoint (tensor names sorted, so equal checkpoints give equal bytes). */
export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const tensors: Record<string, { dtype: "F64"; shape: number[]; data: Float64Array }> = {};
  for (const name of Object.keys(ck.tensors).sort()) {
    const t = ck.tensors[name]!;
    tensors[name] = { dtype: "F64", shape: [t.length], data: Float64Array.from(t) };
  }
  return writeSafetensors(tensors, ck.metadata);
}

export function decodeCheckpoint(bytes: Uint8Array, file = "checkpoint"): Checkpoint {
  let f;
  try {
    f = readSafetensors(bytes);
  } catch (e) {
    throw new UsageError(
      `${file}: not a valid checkpoint (${(e as Error).message.split("\n")[0]})`,
    );
  }
  const tensors: Record<string, Float64Array> = {};
  for (const [name, t] of f) {
    if (t.dtype !== "F64")
      throw new UsageError(
        `${file}: not a valid checkpoint (tensor ${name} has dtype ${t.dtype}, expected F64)`,
      );
    tensors[name] = t.data as Float64Array;
  }
  return { tensors, metadata: f.metadata };
}

/** Writes `bytes` to `file` atomically; a failure is one line naming the file. */
export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  try {
    writeAtomic(file, bytes);
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
}

export function saveCheckpoint(file: string, ck: Checkpoint): void {
  writeFileAtomic(file, encodeCheckpoint(ck));
}

export function loadCheckpoint(file: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(
      `cannot read checkpoint ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  return decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}
