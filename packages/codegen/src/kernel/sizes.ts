/** The one sizes function of every kernel built from a cell (compiled or reference). */
import { resolveShape, type Sizes, sizeOf } from "@gated/graph";
import type { KernelOptions, Recurrence } from "./types.js";

/**
 * The sizes of every dim: the cell's own input dim and H bound from the options. A size the
 * cell fixes (x[H], literal sizes) or `sizes` gives must agree with inputSize / hiddenSize.
 */
export function cellSizes(cell: Recurrence, opts: KernelOptions): Sizes {
  const where = `cell ${JSON.stringify(cell.name)}`;
  for (const [k, v] of [
    ["inputSize", opts.inputSize],
    ["hiddenSize", opts.hiddenSize],
  ] as const)
    if (v !== undefined && !(Number.isInteger(v) && v >= 0))
      throw new Error(`${where}: ${k} must be an integer ≥ 0, got ${String(v)}`);
  for (const [d, k, v] of [
    ["I", "inputSize", opts.inputSize],
    ["H", "hiddenSize", opts.hiddenSize],
  ] as const) {
    const given = opts.sizes?.[d];
    if (given !== undefined && v !== undefined && given !== v)
      throw new Error(`${where}: sizes.${d} = ${given} conflicts with ${k} = ${v}`);
  }
  const sizes: Record<string, number> = { ...opts.sizes, I: opts.inputSize, H: opts.hiddenSize };
  const d = cell.x.shape[0];
  if (cell.x.shape.length === 1 && typeof d === "string" && !Object.hasOwn(sizes, d))
    sizes[d] = opts.inputSize;
  const shape = (s: readonly (string | number)[]) => `[${s.join(", ")}]`;
  if (opts.inputSize !== undefined) {
    const I = sizeOf(resolveShape(cell.x.shape, sizes, "input x"));
    if (I !== opts.inputSize)
      throw new Error(
        `${where}: its input x${shape(cell.x.shape)} has ${I} values per step, but inputSize is ${opts.inputSize}`,
      );
  }
  const usesH = [cell.x, cell.output, ...cell.params, ...cell.state.map((s) => s.node)].some((n) =>
    n.shape.some((e) => typeof e === "string" && /(^|[^A-Za-z0-9_])H($|[^A-Za-z0-9_])/.test(e)),
  );
  const first = cell.state[0];
  if (!usesH && first && opts.hiddenSize !== undefined) {
    const S = sizeOf(resolveShape(first.node.shape, sizes, `state ${first.name}`));
    if (S !== opts.hiddenSize)
      throw new Error(
        `${where}: the cell fixes its sizes (state ${first.name}${shape(first.node.shape)} has ${S} values), but hiddenSize is ${opts.hiddenSize}`,
      );
  }
  return sizes;
}
