/**
 * Weight files for `gated export` and `gated import`: safetensors (any float dtype), JSON state
 * dicts, TF.js `model.json` (+ its weight .bin files) and ONNX models, read into name → tensor
 * maps; gated's own names may carry a model file's `rnn.` prefix or the block suffix `_l0`.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type DictTensor, parseStateDict, readSafetensors, type StateDict } from "@gated/rnn";
import { UsageError } from "../errors.js";

/** Reads a file's bytes; a missing or unreadable file is a usage error naming it. */
export function readBytes(file: string): Uint8Array {
  try {
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Tensors of a safetensors file, a JSON state dict, or a TF.js model.json, as float64. */
export function readTensors(file: string): StateDict {
  try {
    if (/\.json$/i.test(file)) {
      const v = JSON.parse(new TextDecoder().decode(readBytes(file))) as Record<string, unknown>;
      return v && typeof v === "object" && "weightsManifest" in v
        ? tfjsWeights(file, v)
        : parseStateDict(v);
    }
    const f = readSafetensors(readBytes(file));
    const out: StateDict = new Map();
    for (const [k, t] of f) {
      if (!["F64", "F32", "F16", "BF16"].includes(t.dtype))
        throw new Error(`tensor ${k}: dtype ${t.dtype} is not a float type`);
      out.set(k, { shape: [...t.shape], data: Float64Array.from(t.data as ArrayLike<number>) });
    }
    return out;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
}

/** TF.js's model.json: weightsManifest groups of {paths, weights: [{name, shape, dtype}]}. */
function tfjsWeights(file: string, json: Record<string, unknown>): StateDict {
  const out: StateDict = new Map();
  const groups = json["weightsManifest"] as {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string }[];
  }[];
  for (const g of groups) {
    const parts = g.paths.map((p) => readBytes(join(dirname(file), p)));
    const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    let at = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (w.dtype !== "float32")
        throw new Error(`weight ${w.name}: dtype ${w.dtype} is not float32`);
      const f32 = new Float32Array(all.slice(at, at + 4 * n).buffer);
      if (f32.length !== n) throw new Error(`weight ${w.name}: the weight files end early`);
      out.set(w.name, { shape: w.shape, data: Float64Array.from(f32) });
      at += 4 * n;
    }
  }
  return out;
}

/** gated's parameter names from a file's names: drops a model file's `rnn.` prefix and `_l0`; ignores `head.*`/`embedding`. */
export function cellTensors(t: StateDict): Map<string, DictTensor> {
  const isModel = [...t.keys()].some((k) => k.startsWith("rnn."));
  const out = new Map<string, DictTensor>();
  for (const [k, v] of t) {
    if (isModel && !k.startsWith("rnn.")) continue;
    const name = (isModel ? k.slice(4) : k).replace(/_l0$/, "");
    if (/_l\d+(_reverse)?$/.test(name) || /_l0_reverse$/.test(k))
      throw new UsageError(
        `tensor ${k}: only single-layer, one-direction cells export (found a block suffix)`,
      );
    out.set(name, v);
  }
  return out;
}
