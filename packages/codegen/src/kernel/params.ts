/** Parameter layout and named views over one flat buffer. */
import { type Node, resolveShape, type Sizes, sizeOf } from "@gated/graph";
import { mulberry32 } from "./rng.js";
import type { DType, FloatArray, ParamSlot, Params, Recurrence } from "./types.js";

/** Contiguous slots in the order given (each parameter row-major). */
export function layoutOf(params: readonly Node[], sizes: Sizes): ParamSlot[] {
  let offset = 0;
  const seen = new Set<string>();
  return params.map((p) => {
    const name = p.label!;
    if (seen.has(name)) throw new Error(`parameter ${name} appears twice in the layout`);
    seen.add(name);
    const shape = resolveShape(p.shape, sizes, `parameter ${name}`);
    const size = sizeOf(shape);
    const slot = { name, shape, offset, size };
    offset += size;
    return slot;
  });
}

/** The number of values a layout's slots hold: the length of its flat parameter buffer. */
export function layoutSize(layout: readonly { readonly size: number }[]): number {
  return layout.reduce((a, s) => a + s.size, 0);
}

export function allocate(dtype: DType, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/** Wraps a buffer as `Params`; `get` returns a view, and names the known ones when it fails. */
export function makeParams(layout: readonly ParamSlot[], data: FloatArray): Params {
  const total = layoutSize(layout);
  if (data.length !== total)
    throw new Error(`parameter buffer has ${data.length} values, layout needs ${total}`);
  const bySlot = new Map(layout.map((s) => [s.name, s]));
  return {
    data,
    layout,
    get(name: string): FloatArray {
      const s = bySlot.get(name);
      if (!s)
        throw new Error(
          `unknown parameter "${name}" (parameters: ${layout.map((l) => l.name).join(", ")})`,
        );
      return data.subarray(s.offset, s.offset + s.size);
    },
  };
}

/** Copies `values` (or zeros) into a new buffer of the dtype and wraps it. */
export function paramsFrom(
  layout: readonly ParamSlot[],
  dtype: DType,
  values?: ArrayLike<number>,
): Params {
  const total = layoutSize(layout);
  const data = allocate(dtype, total);
  if (values !== undefined) {
    if (values.length !== total)
      throw new Error(`parameters: expected ${total} values, got ${values.length}`);
    data.set(values);
  }
  return makeParams(layout, data);
}

/** Seeded initial parameters: the recurrence's own scheme, else PyTorch's U(−1/√H, 1/√H). */
export function initParamsFor(
  rec: Recurrence,
  layout: readonly ParamSlot[],
  sizes: Sizes,
  dtype: DType,
  seed = 0,
): Params {
  // NaN or 1.5 would silently give seed 0's or 1's weights
  if (!Number.isInteger(seed)) throw new Error(`initParams: seed must be an integer, got ${seed}`);
  const p = paramsFrom(layout, dtype);
  const random = mulberry32(seed);
  const bound = 1 / Math.sqrt(sizes["H"] ?? 1);
  for (const s of layout) {
    const v =
      rec.initParam?.(s.name, s.shape, random, sizes) ??
      Float64Array.from({ length: s.size }, () => (2 * random() - 1) * bound);
    if (v.length !== s.size)
      throw new Error(`init of ${s.name} gave ${v.length} values, expected ${s.size}`);
    p.data.set(v, s.offset);
  }
  return p;
}
