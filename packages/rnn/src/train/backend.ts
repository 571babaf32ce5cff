/**
 * How per-sample graphs (heads, losses and their VJPs) run over a batch: one small interface,
 * so the interpreter and the compiled backend (`compileGraph` from @gated/codegen) swap freely.
 * A program evaluates the same per-sample graph for `rows` rows; per-row leaves are given as
 * rows × size arrays, shared leaves (parameters, scalars) once.
 */
import { prepareEvaluate, type Bindings, type Node, type Sizes } from "@gated/graph";

export interface RowProgram {
  /** One array per output, rows × (output size), row-major. */
  run(rows: number, perRow: Bindings, shared: Bindings): Float64Array[];
}

export interface GraphBackend {
  readonly name: string;
  /** Prepares `outputs` for repeated runs at these sizes. `rowInputs` names the per-row leaves. */
  compile(outputs: readonly Node[], sizes: Sizes, rowInputs: readonly string[]): RowProgram;
}

/** The reference interpreter (`prepareEvaluate`), one row at a time: slow, obviously right. */
export const interpreterBackend: GraphBackend = {
  name: "interpreter",
  compile(outputs, sizes) {
    const evalRow = prepareEvaluate(outputs, sizes);
    return {
      run(rows, perRow, shared) {
        const names = Object.keys(perRow);
        const width = names.map((n) => {
          const len = perRow[n]!.length;
          if (len % rows !== 0) throw new Error(`row input "${n}" has ${len} values, not a multiple of ${rows} rows`);
          return len / rows;
        });
        const results: Float64Array[][] = [];
        for (let r = 0; r < rows; r++) {
          const bind: Record<string, ArrayLike<number>> = { ...shared };
          names.forEach((n, k) => (bind[n] = slice(perRow[n]!, r * width[k]!, width[k]!)));
          results.push(evalRow(bind));
        }
        return outputs.map((_, j) => {
          const w = results[0]?.[j]?.length ?? 0;
          const out = new Float64Array(rows * w);
          results.forEach((res, r) => out.set(res[j]!, r * w));
          return out;
        });
      },
    };
  },
};

function slice(a: ArrayLike<number>, start: number, n: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as unknown as Float64Array).subarray(start, start + n);
  return Array.prototype.slice.call(a, start, start + n) as number[];
}

/** The best backend available: `compileGraph` once @gated/codegen provides it, else the interpreter. */
export function defaultBackend(): GraphBackend {
  return interpreterBackend;
}
