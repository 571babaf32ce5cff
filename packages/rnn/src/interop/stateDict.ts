/**
 * JSON state dicts: `{name: {shape, data}}` with `data` nested row-major arrays (the fixture
 * format's tensors) or flat, or `{name: nested arrays}` with the shape read off the nesting.
 * In memory a state dict is a `Map<name, {shape, data: Float64Array}>`.
 */

import { FileFormatError } from "../errors.js";
import { brief } from "./safetensors.js";

export interface DictTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export type StateDict = Map<string, DictTensor>;

/** Deepest nesting (tensor rank) a JSON tensor may have. */
export const MAX_TENSOR_RANK = 32;

/**
 * Shape and row-major entries of a nested array (rectangular), walking it level by level: linear
 * in its size (a recursive walk that re-measures the first entry is exponential in the depth),
 * with no recursion, and an error naming the path at the first ragged level or past
 * `MAX_TENSOR_RANK` levels.
 */
function nested(v: unknown, where: string): { shape: number[]; flat: unknown[] } {
  const shape: number[] = [];
  let level: unknown[] = [v];
  for (;;) {
    const arrays = level.reduce<number>((n, e) => n + (Array.isArray(e) ? 1 : 0), 0);
    if (arrays === 0) return { shape, flat: level };
    const n = Array.isArray(level[0]) ? level[0].length : -1;
    const k = level.findIndex((e) => !Array.isArray(e) || e.length !== n);
    if (k >= 0)
      throw new FileFormatError(
        where,
        `ragged nested array at depth ${shape.length}: entry ${k} of that level is ${Array.isArray(level[k]) ? `an array of ${(level[k] as unknown[]).length}` : "not an array"}, entry 0 ${n < 0 ? "is not an array" : `has ${n}`}`,
      );
    shape.push(n);
    if (shape.length > MAX_TENSOR_RANK)
      throw new FileFormatError(where, `arrays nest more than ${MAX_TENSOR_RANK} levels deep`);
    const next: unknown[] = [];
    for (const e of level) for (const x of e as unknown[]) next.push(x);
    if (next.length === 0) return { shape, flat: next };
    level = next;
  }
}

/** One tensor from `{shape, data}` or nested arrays; checks shape and finiteness of numbers. */
export function parseTensor(v: unknown, where: string): DictTensor {
  let shape: number[], data: unknown, flat: unknown[] | undefined;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && "data" in v) {
    const o = v as { shape?: unknown; data: unknown };
    data = o.data;
    if (o.shape === undefined) shape = nested(data, where).shape;
    else if (
      Array.isArray(o.shape) &&
      o.shape.length <= MAX_TENSOR_RANK &&
      o.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
    )
      shape = o.shape as number[];
    else
      throw new FileFormatError(
        where,
        `shape must be an array of at most ${MAX_TENSOR_RANK} non-negative integers, got ${brief(o.shape)}`,
      );
  } else if (Array.isArray(v) || typeof v === "number") {
    data = v;
    ({ shape, flat } = nested(v, where));
  } else {
    throw new FileFormatError(where, `expected {shape, data} or a nested array of numbers`);
  }
  flat ??= nested(data, where).flat;
  const n = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== n)
    throw new FileFormatError(
      where,
      `shape ${JSON.stringify(shape)} needs ${n} values, got ${flat.length}`,
    );
  const out = new Float64Array(n);
  flat.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x))
      throw new FileFormatError(where, `value ${i} is ${brief(x)}, not a finite number`);
    out[i] = x;
  });
  return { shape, data: out };
}

/** A state dict from parsed JSON. */
export function parseStateDict(v: unknown): StateDict {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new FileFormatError("state dict", "must be a JSON object {name: tensor}");
  const out: StateDict = new Map();
  for (const [k, t] of Object.entries(v as Record<string, unknown>))
    out.set(k, parseTensor(t, `tensor ${JSON.stringify(k)}`));
  return out;
}

function nest(data: Float64Array, shape: readonly number[], at = 0): unknown {
  if (shape.length === 0) return data[at];
  const [n, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n! }, (_, i) => nest(data, rest, at + i * stride));
}

/** JSON text of a state dict, one line per tensor (numbers in shortest round-trip form). */
export function stateDictToJson(dict: StateDict): string {
  const lines = [...dict].map(
    ([k, t]) =>
      `  ${JSON.stringify(k)}: ${JSON.stringify({ shape: t.shape, data: nest(t.data, t.shape) })}`,
  );
  return `{\n${lines.join(",\n")}\n}`;
}
