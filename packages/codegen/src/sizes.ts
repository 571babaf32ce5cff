/** The one sizes function of every kernel built from a cell (compiled or reference). */
import type { Sizes } from "@gated/graph";
import type { KernelOptions, Recurrence } from "./kernel.js";

/** The sizes of every dim: the cell's own input dim and H bound from the options. */
export function cellSizes(cell: Recurrence, opts: KernelOptions): Sizes {
  const sizes: Record<string, number> = { ...opts.sizes, I: opts.inputSize, H: opts.hiddenSize };
  const d = cell.x.shape[0];
  if (cell.x.shape.length === 1 && typeof d === "string" && !Object.hasOwn(sizes, d))
    sizes[d] = opts.inputSize;
  return sizes;
}
