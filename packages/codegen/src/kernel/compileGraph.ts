/**
 * `compileGraph`: a stateless per-sample graph (a linear head, a loss) compiled with the same
 * lowering as cells — no state, every row at once — into a forward and a backward function
 * over a batch of rows.
 */
import { leavesOf, type Node, type Sizes } from "@gated/graph";
import type { Backend } from "../backends/backend.js";
import { type BackendName, resolveBackend } from "../backends/registry.js";
import { lowerProblem } from "../lower/lower.js";
import type { Schedule } from "../schedule/schedule.js";
import { instantiateSweeps } from "./module.js";
import { initParamsFor, layoutOf, makeParams, paramsFrom } from "./params.js";
import type { DType, FloatArray, ParamSlot, Params, Recurrence } from "./types.js";

export interface GraphSpec {
  readonly name?: string;
  /** Per-row inputs by name (input leaves of the graph). */
  readonly inputs: Readonly<Record<string, Node>>;
  /** Per-row outputs by name. */
  readonly outputs: Readonly<Record<string, Node>>;
  /** Parameters in layout order (default: every param leaf reachable, in graph order). */
  readonly params?: readonly Node[];
}

export interface GraphRun {
  readonly rows: number;
  readonly outputs: Readonly<Record<string, FloatArray>>;
}

export interface GraphGradients {
  readonly params: Params;
  readonly inputs: Readonly<Record<string, FloatArray>>;
}

export interface GraphKernel {
  readonly name: string;
  /** The backend that emitted it: "js" or "wasm". */
  readonly backend: string;
  readonly dtype: DType;
  readonly sizes: Sizes;
  readonly layout: readonly ParamSlot[];
  readonly schedule: Schedule;
  readonly inputSizes: Readonly<Record<string, number>>;
  readonly outputSizes: Readonly<Record<string, number>>;
  initParams(opts?: { seed?: number }): Params;
  params(data?: ArrayLike<number>): Params;
  /** Runs every row: inputs[name] holds rows·size values, row-major. */
  forward(
    params: Params,
    inputs: Readonly<Record<string, ArrayLike<number>>>,
    opts: { readonly rows: number },
  ): GraphRun;
  /** Cotangents per output (absent: zero) → gradients of the parameters and the inputs. */
  backward(run: GraphRun, cotangents: Readonly<Record<string, ArrayLike<number>>>): GraphGradients;
}

interface Saved extends GraphRun {
  readonly saved: { p: FloatArray; xs: FloatArray[]; tape: FloatArray[] };
}

/** Compiles a stateless graph; sizes bind its symbolic dims. */
export function compileGraph(
  spec: GraphSpec,
  opts: {
    readonly sizes?: Sizes;
    readonly dtype?: DType;
    readonly backend?: Backend | BackendName;
  } = {},
): GraphKernel {
  const dtype = opts.dtype ?? "float64";
  const sizes = opts.sizes ?? {};
  const name = spec.name ?? "graph";
  const backend = resolveBackend(opts.backend, `compileGraph ${JSON.stringify(name)}`);
  const inNames = Object.keys(spec.inputs);
  const outNames = Object.keys(spec.outputs);
  const outNodes = outNames.map((k) => spec.outputs[k]!);
  const params = spec.params ?? leavesOf(outNodes, "param");
  const schedule = lowerProblem(
    {
      name,
      inputs: inNames.map((k) => ({ name: k, node: spec.inputs[k]! })),
      states: [],
      outputs: outNames.map((k) => ({ name: k, node: spec.outputs[k]! })),
      params,
    },
    sizes,
    dtype,
    { compute: backend.compute?.(dtype) ?? "f64" },
  );
  const fns = instantiateSweeps(backend.emit(schedule));
  const KF = fns.KF;
  const { layout } = schedule;
  const inSizes = Object.fromEntries(schedule.inputs.map((i) => [i.name, i.width]));
  const outSizes = Object.fromEntries(schedule.outputs.map((o) => [o.name, o.width]));
  const F = dtype === "float32" ? Float32Array : Float64Array;
  // kernels compute and keep their compute type KF inside; results are handed out in the dtype
  const out = (a: FloatArray): FloatArray => (a instanceof F ? a : F.from(a));
  const rowsOf = (v: ArrayLike<number> | undefined, n: number, what: string): FloatArray => {
    const a = new KF(n);
    if (v !== undefined) {
      if (v.length !== n) throw new Error(`${name}: ${what} needs ${n} values, got ${v.length}`);
      a.set(v);
    }
    return a;
  };
  const own = <T>(o: Readonly<Record<string, T>>, k: string): T | undefined =>
    Object.hasOwn(o, k) ? o[k] : undefined;
  return {
    name,
    backend: backend.name,
    dtype,
    sizes,
    layout,
    schedule,
    inputSizes: inSizes,
    outputSizes: outSizes,
    initParams({ seed = 0 } = {}) {
      const natural = layoutOf(params, sizes);
      const p = initParamsFor({ params } as unknown as Recurrence, natural, sizes, dtype, seed);
      const out = paramsFrom(layout, dtype);
      for (const s of layout) out.get(s.name).set(p.get(s.name));
      return out;
    },
    params: (data) => paramsFrom(layout, dtype, data),
    forward(p, inputs, { rows }) {
      if (!Number.isInteger(rows) || rows < 0)
        throw new Error(`${name}: rows must be a non-negative integer, got ${rows}`);
      for (const k of Object.keys(inputs))
        if (!inNames.includes(k))
          throw new Error(`${name}: unknown input "${k}" (inputs: ${inNames.join(", ")})`);
      const xs = schedule.inputs.map((i) => {
        const v = own(inputs, i.name);
        if (v === undefined) throw new Error(`${name}: input "${i.name}" is missing`);
        return rowsOf(v, rows * i.width, `input ${i.name}`);
      });
      const pd = KF.from(p.data);
      const res = fns.forward(pd, 1, rows, null, ...xs);
      const outputs = Object.fromEntries(outNames.map((k, i) => [k, out(res[i]!)]));
      const run: Saved = { rows, outputs, saved: { p: pd, xs, tape: res.slice(outNames.length) } };
      return run;
    },
    backward(run0, cot) {
      const run = run0 as Saved;
      if (!run.saved) throw new Error(`${name}: backward needs a run from this kernel's forward`);
      const g = schedule.outputs.map((o) =>
        rowsOf(own(cot, o.name), run.rows * o.width, `cotangent of ${o.name}`),
      );
      const res = fns.backward(
        run.saved.p,
        1,
        run.rows,
        null,
        ...run.saved.xs,
        ...run.saved.tape,
        ...g,
      );
      return {
        params: makeParams(layout, out(res[0]!)),
        inputs: Object.fromEntries(inNames.map((k, i) => [k, out(res[1 + i]!)])),
      };
    },
  };
}
