/**
 * JSON state dicts: `{name: {shape, data}}` with `data` nested row-major arrays (the fixture
 * format's tensors) or flat, or `{name: nested arrays}` with the shape read off the nesting.
 * In memory a state dict is a `Map<name, {shape, data: Float64Array}>`.
 */

export interface DictTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export type StateDict = Map<string, DictTensor>;

/** Shape of a nested array (rectangular), or an error naming the path. */
function nestedShape(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) return [];
  if (v.length === 0) return [0];
  const inner = nestedShape(v[0], `${where}[0]`);
  v.forEach((e, i) => {
    const s = nestedShape(e, `${where}[${i}]`);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k]))
      throw new Error(`${where}: ragged nested array at index ${i}`);
  });
  return [v.length, ...inner];
}

/** One tensor from `{shape, data}` or nested arrays; checks shape and finiteness of numbers. */
export function parseTensor(v: unknown, where: string): DictTensor {
  let shape: number[], data: unknown;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && "data" in v) {
    const o = v as { shape?: unknown; data: unknown };
    data = o.data;
    if (o.shape === undefined) shape = nestedShape(data, where);
    else if (Array.isArray(o.shape) && o.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      shape = o.shape as number[];
    else
      throw new Error(
        `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(o.shape)}`,
      );
  } else if (Array.isArray(v) || typeof v === "number") {
    data = v;
    shape = nestedShape(v, where);
  } else {
    throw new Error(`${where}: expected {shape, data} or a nested array of numbers`);
  }
  const flat = Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data];
  const n = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== n)
    throw new Error(
      `${where}: shape ${JSON.stringify(shape)} needs ${n} values, got ${flat.length}`,
    );
  const out = new Float64Array(n);
  flat.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x))
      throw new Error(`${where}: value ${i} is ${JSON.stringify(x)}, not a finite number`);
    out[i] = x;
  });
  return { shape, data: out };
}

/** A state dict from parsed JSON. */
export function parseStateDict(v: unknown): StateDict {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new Error("a state dict must be a JSON object {name: tensor}");
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
