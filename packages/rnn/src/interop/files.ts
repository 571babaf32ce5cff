/**
 * File helpers: safetensors and JSON state dicts on disk. Writes are atomic: the bytes go to a
 * temporary file beside the target, are flushed (fsync), then renamed over it, so a reader
 * never sees a half-written checkpoint.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  readSafetensors,
  type SafetensorsFile,
  type TensorInput,
  writeSafetensors,
} from "./safetensors.js";
import { parseStateDict, type StateDict, stateDictToJson } from "./stateDict.js";

/** Writes `bytes` to `path` atomically (temp file in the same folder + fsync + rename). */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`,
  );
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let fd = -1;
  try {
    fd = openSync(tmp, "wx");
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Reads a safetensors file; errors name the file. */
export function readSafetensorsFile(path: string): SafetensorsFile {
  const bytes = readFileSync(path);
  try {
    return readSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Writes tensors (and string metadata) as a safetensors file, atomically. */
export function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>,
  metadata?: Readonly<Record<string, string>>,
): void {
  writeFileAtomic(path, writeSafetensors(tensors, metadata));
}

/** Reads a JSON state dict (`{name: {shape, data}}` or `{name: nested arrays}`). */
export function readStateDictFile(path: string): StateDict {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return parseStateDict(v);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Writes a JSON state dict (`{name: {shape, data: nested arrays}}`), atomically. */
export function writeStateDictFile(path: string, dict: StateDict): void {
  writeFileAtomic(path, stateDictToJson(dict) + "\n");
}
