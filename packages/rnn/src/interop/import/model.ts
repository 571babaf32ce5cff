/**
 * Imported (or exported) parameters by gated name, as a single-layer sequence model's flat
 * parameters, and back. Names may carry the block suffix `_l0`; anything missing, extra or of
 * the wrong size is an error naming the parameter.
 */
import type { Params } from "@gated/codegen";
import type { Sizes } from "@gated/graph";
import type { Cell } from "../../defineCell.js";
import { type SequenceModel, sequenceModel } from "../../layers/sequenceModel.js";

/** A one-layer model of `cell` with its parameters set from `values` (by gated name). */
export function modelWithParams(
  cell: Cell,
  dims: { inputSize: number; hiddenSize: number; sizes?: Sizes },
  values: ReadonlyMap<string, ArrayLike<number>>,
): { model: SequenceModel; params: Params } {
  const model = sequenceModel({
    cell,
    inputSize: dims.inputSize,
    hiddenSize: dims.hiddenSize,
    ...(dims.sizes ? { sizes: dims.sizes } : {}),
  });
  const params = model.params();
  const byName = new Map<string, ArrayLike<number>>();
  for (const [k, v] of values) byName.set(k.replace(/_l0$/, ""), v);
  const names = model.layout.map((s) => s.name.replace(/_l0$/, ""));
  for (const k of byName.keys())
    if (!names.includes(k))
      throw new Error(
        `cell ${cell.name}: unexpected tensor ${k} (parameters: ${names.join(", ")})`,
      );
  for (const s of model.layout) {
    const n = s.name.replace(/_l0$/, "");
    const v = byName.get(n);
    if (!v) throw new Error(`cell ${cell.name}: missing parameter ${n} [${s.shape.join(", ")}]`);
    if (v.length !== s.size)
      throw new Error(
        `cell ${cell.name}: parameter ${n} has ${v.length} values, expected ${s.size} ([${s.shape.join(", ")}])`,
      );
    params.get(s.name).set(v);
  }
  return { model, params };
}

/** A model's parameters by gated name (suffix `_l0` dropped), with their shapes. */
export function paramsByName(
  model: SequenceModel,
  params: Params,
): Map<string, { shape: number[]; data: Float64Array }> {
  return new Map(
    model.layout.map((s) => [
      s.name.replace(/_l0$/, ""),
      { shape: [...s.shape], data: Float64Array.from(params.get(s.name)) },
    ]),
  );
}
