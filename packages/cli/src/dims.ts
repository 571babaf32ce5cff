/**
 * Sizes of a cell's extra dims (beyond its input dim and H): `--dim NAME=N` on the command line,
 * else the cell's own default (`dim M = 2*H` in its text), else a default by name (G, a group count: H/4), else a usage error naming the dim and the flag.
 */
import { cellSizes as kernelSizes } from "@gated/codegen";
import { parseDim, resolveDim } from "@gated/graph";
import { type Cell, cellDimDefaults, checkCellSizes } from "@gated/rnn";
import type { FlagSpec } from "./args.js";
import { UsageError } from "./errors.js";

/** The `--dim NAME=N` flag every command that sizes a cell takes (read with `getDims`). */
export const DIM_FLAG: FlagSpec = {
  kind: "dims",
  help: "size of a cell's extra dim, e.g. --dim G=4 (repeatable)",
};

/** Defaults of extra dims by name, from the hidden size. */
export const DIM_DEFAULTS: Readonly<Record<string, (hidden: number) => number>> = {
  G: (h) => Math.max(1, Math.round(h / 4)),
};

const NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** The symbolic dims a cell uses besides its input dim and H, in order of appearance. */
export function extraDims(cell: Cell): string[] {
  const out = new Set<string>();
  // a linear form (2*M+1) uses each of its names
  const add = (d: unknown) => {
    if (typeof d !== "string") return;
    for (const n of Object.keys(parseDim(d)?.terms ?? {}))
      if (NAME.test(n) && n !== cell.inputDim && n !== "H") out.add(n);
  };
  for (const d of Object.values(cell.stateSizes)) add(d);
  for (const p of cell.paramInfo) for (const d of p.shape) add(d);
  return [...out];
}

/**
 * Sizes for a cell's extra dims; `given` are the `--dim` values (checked against the cells);
 * `input`, where known, must fit the cell's input (x[H] takes only the hidden size).
 */
export function cellSizes(
  command: string,
  cell: Cell,
  given: Readonly<Record<string, number>>,
  hidden: number,
  input?: number,
): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const d of extraDims(cell)) {
    const own = cellDimDefaults(cell);
    if (Object.hasOwn(given, d)) sizes[d] = given[d]!;
    else if (Object.hasOwn(own, d)) {
      try {
        sizes[d] = resolveDim(own[d]!, { ...sizes, H: hidden });
      } catch (e) {
        throw new UsageError(
          `gated ${command}: cell ${cell.name}: the default of dim ${d} (${own[d]}): ${(e as Error).message}; give --dim ${d}=N`,
        );
      }
    } else if (Object.hasOwn(DIM_DEFAULTS, d)) sizes[d] = DIM_DEFAULTS[d]!(hidden);
    else
      throw new UsageError(
        `gated ${command}: cell ${cell.name} uses the dim ${d}; give its size with --dim ${d}=N`,
      );
  }
  // what the text leaves to the sizes (a reshape [K] -> [H, H]), at its line:col
  try {
    checkCellSizes(cell, { ...sizes, H: hidden });
  } catch (e) {
    throw new UsageError(`gated ${command}: cell ${cell.name}: ${(e as Error).message}`);
  }
  if (input !== undefined)
    try {
      kernelSizes(cell, { inputSize: input, hiddenSize: hidden, sizes });
    } catch (e) {
      throw new UsageError(`gated ${command}: ${(e as Error).message}`);
    }
  return sizes;
}

/** Every `--dim` must name a dim of at least one of the cells. */
export function checkDimsUsed(
  command: string,
  cells: readonly Cell[],
  given: Readonly<Record<string, number>>,
): void {
  const used = new Set(cells.flatMap(extraDims));
  for (const d of Object.keys(given)) {
    if (d === "H" || cells.some((c) => c.inputDim === d))
      throw new UsageError(
        `gated ${command}: --dim ${d}: ${d} is set by ${d === "H" ? "--hidden" : "the input size"}`,
      );
    if (!used.has(d))
      throw new UsageError(
        `gated ${command}: --dim ${d}: no cell uses a dim ${d} (${used.size ? `dims: ${[...used].join(", ")}` : "the cells use only their input dim and H"})`,
      );
  }
}
