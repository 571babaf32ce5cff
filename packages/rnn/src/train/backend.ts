/**
 * How per-sample graphs (heads, losses) run over a batch of rows, forward and backward: one
 * small interface, so the interpreter and the compiled backend (`compileGraph` from
 * @gated/codegen) swap freely. Both differentiate the graph symbolically; neither holds a
 * hand-written gradient.
 */
import { compileGraph, problemVjp } from "@gated/codegen";
import { type Bindings, type Node, prepareEvaluate, type Sizes } from "@gated/graph";

export interface GraphSpec {
  /** Per-row inputs by name (input leaves). */
  readonly inputs: Readonly<Record<string, Node>>;
  /** Per-row outputs by name. */
  readonly outputs: Readonly<Record<string, Node>>;
  /** Parameters (shared by all rows). */
  readonly params: readonly Node[];
}

export interface GraphRun {
  readonly rows: number;
  /** Per output, rows × size. */
  readonly outputs: Readonly<Record<string, Float64Array>>;
}

export interface GraphProgram {
  /** `params` by name; inputs by name, rows × size each. */
  forward(
    params: Readonly<Record<string, ArrayLike<number>>>,
    inputs: Bindings,
    rows: number,
  ): GraphRun;
  /** Cotangents per output (rows × size; absent: zero) → parameter gradients summed over rows, input gradients per row. */
  backward(
    run: GraphRun,
    cotangents: Bindings,
  ): { params: Record<string, Float64Array>; inputs: Record<string, Float64Array> };
}

export interface GraphBackend {
  readonly name: string;
  /** Prepares a per-sample graph at these sizes. */
  compile(spec: GraphSpec, sizes: Sizes): GraphProgram;
}

/** The reference interpreter (`prepareEvaluate` on the graph and on its `vjp`), row by row. */
export const interpreterBackend: GraphBackend = {
  name: "interpreter",
  compile(spec, sizes) {
    const inNames = Object.keys(spec.inputs),
      outNames = Object.keys(spec.outputs);
    const outs = outNames.map((k) => spec.outputs[k]!);
    // the step VJP every kernel uses (a stateless problem: seeds for the outputs)
    const { seeds, grads } = problemVjp({
      name: "graph",
      inputs: inNames.map((k) => ({ name: k, node: spec.inputs[k]! })),
      states: [],
      outputs: outNames.map((k) => ({ name: k, node: spec.outputs[k]! })),
      params: spec.params,
    });
    const fwd = prepareEvaluate(outs, sizes);
    const back = prepareEvaluate(grads, sizes);
    type Saved = GraphRun & { rowsBind: Record<string, ArrayLike<number>>[] };
    return {
      forward(params, inputs, rows) {
        const rowsBind = Array.from({ length: rows }, (_, r) => {
          const b: Record<string, ArrayLike<number>> = { ...params };
          for (const k of inNames) b[k] = rowOf(inputs[k], r, rows, k);
          return b;
        });
        const res = rowsBind.map((b) => fwd(b));
        const outputs = Object.fromEntries(
          outNames.map((k, j) => [k, concatRows(res.map((r) => r[j]!))]),
        );
        const run: Saved = { rows, outputs, rowsBind };
        return run;
      },
      backward(run0, cot) {
        const run = run0 as Saved;
        const res = run.rowsBind.map((b, r) => {
          const bind: Record<string, ArrayLike<number>> = { ...b };
          outNames.forEach((k, j) => {
            const n = run.outputs[k]!.length / run.rows;
            bind[seeds[j]!.label!] = cot[k]
              ? rowOf(cot[k], r, run.rows, `cotangent ${k}`)
              : new Float64Array(n);
          });
          return back(bind);
        });
        const inputs = Object.fromEntries(
          inNames.map((k, j) => [k, concatRows(res.map((r) => r[j]!))]),
        );
        const params = Object.fromEntries(
          spec.params.map((p, j) => {
            const sum = new Float64Array(res[0]?.[inNames.length + j]?.length ?? 0);
            for (const r of res) r[inNames.length + j]!.forEach((v, i) => (sum[i]! += v));
            return [p.label!, sum];
          }),
        );
        return { params, inputs };
      },
    };
  },
};

/** `compileGraph`: the graph and its VJP lowered and emitted as JavaScript, all rows at once. */
export const compiledBackend: GraphBackend = {
  name: "compiled",
  compile(spec, sizes) {
    const k = compileGraph(
      { inputs: spec.inputs, outputs: spec.outputs, params: spec.params },
      { sizes, dtype: "float64" },
    );
    return {
      forward(params, inputs, rows) {
        const p = k.params();
        for (const s of k.layout) p.get(s.name).set(params[s.name]!);
        const run = k.forward(p, inputs, { rows });
        return Object.assign(run, { outputs: run.outputs as Record<string, Float64Array> });
      },
      backward(run, cot) {
        const g = k.backward(run as Parameters<typeof k.backward>[0], cot);
        return {
          params: Object.fromEntries(
            k.layout.map((s) => [s.name, Float64Array.from(g.params.get(s.name))]),
          ),
          inputs: g.inputs as Record<string, Float64Array>,
        };
      },
    };
  },
};

function rowOf(
  a: ArrayLike<number> | undefined,
  r: number,
  rows: number,
  what: string,
): ArrayLike<number> {
  if (a === undefined) throw new Error(`row input "${what}" is missing`);
  if (a.length % rows !== 0)
    throw new Error(`row input "${what}" has ${a.length} values, not a multiple of ${rows} rows`);
  const n = a.length / rows;
  return ArrayBuffer.isView(a)
    ? (a as unknown as Float64Array).subarray(r * n, (r + 1) * n)
    : Array.prototype.slice.call(a, r * n, (r + 1) * n);
}

function concatRows(parts: readonly Float64Array[]): Float64Array {
  const w = parts[0]?.length ?? 0;
  const out = new Float64Array(parts.length * w);
  parts.forEach((p, r) => out.set(p, r * w));
  return out;
}

/** The compiled backend (the interpreter stays available as the oracle). */
export function defaultBackend(): GraphBackend {
  return compiledBackend;
}
