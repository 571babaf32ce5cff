/**
 * The reference kernel: runs a recurrence with the interpreter, one sample and one step at a
 * time, forward and backward (BPTT through the symbolic VJP of the step). Slow and obviously
 * right; compiled kernels are tested against it.
 */
import { type Bindings, prepareEvaluate, resolveShape, sizeOf } from "@gated/graph";
import { stepVjp } from "../lower/problem.js";
import { initParamsFor, layoutOf, layoutSize, paramsFrom } from "./params.js";
import { cellSizes } from "./sizes.js";
import type {
  Cotangents,
  FloatArray,
  Gradients,
  Kernel,
  KernelOptions,
  Params,
  Recurrence,
  Run,
} from "./types.js";

interface RefRun extends Run {
  readonly params: Params;
  readonly x: Float64Array;
  /** State before each step, [T][B][size] per state. */
  readonly tape: Float64Array[];
  readonly lengths: Int32Array;
}

export function referenceKernel(rec: Recurrence, opts: KernelOptions): Kernel {
  const dtype = opts.dtype ?? "float64";
  const sizes = cellSizes(rec, opts);
  const layout = layoutOf(rec.params, sizes);
  const I = sizeOf(resolveShape(rec.x.shape, sizes, "input x"));
  const O = sizeOf(resolveShape(rec.output.shape, sizes, "output"));
  const S = rec.state.map((s) => sizeOf(resolveShape(s.node.shape, sizes, `state ${s.name}`)));
  const step = prepareEvaluate([...rec.state.map((s) => s.next), rec.output], sizes);
  const dv = stepVjp(rec);
  const back = prepareEvaluate(dv.grads, sizes);
  const cast = (a: Float64Array): FloatArray => (dtype === "float64" ? a : Float32Array.from(a));

  function paramBindings(params: Params): Record<string, ArrayLike<number>> {
    const b: Record<string, ArrayLike<number>> = Object.create(null); // own keys even for __proto__
    for (const s of layout) b[s.name] = params.get(s.name);
    return b;
  }
  /** A float64 copy: the run keeps the values it used, whatever the caller does to `params` later. */
  function snapshot(params: Params): Params {
    const copy = paramsFrom(layout, "float64");
    for (const s of layout) {
      const v = params.get(s.name);
      if (v.length !== s.size)
        throw new Error(`forward: parameter ${s.name} has ${v.length} values, expected ${s.size}`);
      copy.get(s.name).set(v);
    }
    return copy;
  }
  /** Runs made by this kernel's forward: backward accepts only these. */
  const ours = new WeakSet<object>();
  /** Runs made with `tape: false`: backward refuses them, as compiled kernels do. */
  const noTape = new WeakSet<object>();

  const kernel: Kernel = {
    name: rec.name,
    backend: "reference",
    dtype,
    sizes,
    inputSize: I,
    outputSize: O,
    stateSizes: Object.fromEntries(rec.state.map((s, k) => [s.name, S[k]!])),
    layout,
    initParams: ({ seed = 0 } = {}) => initParamsFor(rec, layout, sizes, dtype, seed),
    params: (data) => paramsFrom(layout, dtype, data),
    // keeps its whole tape whatever `checkpoint` says (the reference is for correctness)
    forward(params, xs, { batch: B, initial = {}, lengths, tape: keep = true }): Run {
      if (!Number.isInteger(B) || B <= 0)
        throw new Error(`forward: batch must be a positive integer, got ${B}`);
      if (xs.length % (B * I) !== 0)
        throw new Error(`forward: x has ${xs.length} values, not a multiple of B·I = ${B * I}`);
      const T = xs.length / (B * I);
      const len = checkLengths(lengths, B, T);
      const cur = rec.state.map((s, k) => {
        const v = own(initial, s.name);
        const n = B * S[k]!;
        if (v !== undefined && v.length !== n)
          throw new Error(`forward: initial ${s.name} needs ${n} values, got ${v.length}`);
        return v ? Float64Array.from(v) : new Float64Array(n);
      });
      for (const name of Object.keys(initial)) {
        if (!rec.state.some((s) => s.name === name))
          throw new Error(`forward: unknown state "${name}" in initial`);
      }
      const tape = S.map((n) => new Float64Array(T * B * n));
      const out = new Float64Array(T * B * O);
      const kept = snapshot(params);
      const pb = paramBindings(kept);
      const x = Float64Array.from(xs);
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++) {
          rec.state.forEach((_, k) =>
            tape[k]!.set(cur[k]!.subarray(b * S[k]!, (b + 1) * S[k]!), (t * B + b) * S[k]!),
          );
          if (t >= len[b]!) continue;
          const bind: Record<string, ArrayLike<number>> = Object.assign(Object.create(null), pb, {
            x: x.subarray((t * B + b) * I, (t * B + b + 1) * I),
          });
          rec.state.forEach(
            (s, k) => (bind[s.name] = cur[k]!.subarray(b * S[k]!, (b + 1) * S[k]!)),
          );
          const r = step(bind as Bindings);
          rec.state.forEach((_, k) => cur[k]!.set(r[k]!, b * S[k]!));
          out.set(r[rec.state.length]!, (t * B + b) * O);
        }
      const run: RefRun = {
        T,
        B,
        output: cast(out),
        final: Object.fromEntries(rec.state.map((s, k) => [s.name, cast(cur[k]!)])),
        params: kept,
        x,
        tape,
        lengths: len,
      };
      (keep ? ours : noTape).add(run);
      return run;
    },
    backward(run0, cot: Cotangents): Gradients {
      const run = run0 as RefRun;
      if (noTape.has(run))
        throw new Error(
          "backward: this run was made with { tape: false } (inference) and kept nothing for backward; run forward without tape: false",
        );
      if (!ours.has(run))
        throw new Error("backward: this run did not come from this kernel's forward");
      const { T, B } = run;
      const gParams = new Float64Array(layoutSize(layout));
      const gx = new Float64Array(T * B * I);
      const dOut = cot.output;
      if (dOut !== undefined && dOut.length !== T * B * O)
        throw new Error(`backward: output cotangent needs ${T * B * O} values, got ${dOut.length}`);
      const dState = rec.state.map((s, k) => {
        const v = own(cot.final, s.name);
        const n = B * S[k]!;
        if (v !== undefined && v.length !== n)
          throw new Error(`backward: final ${s.name} cotangent needs ${n} values, got ${v.length}`);
        return v ? Float64Array.from(v) : new Float64Array(n);
      });
      for (const name of Object.keys(cot.final ?? {}))
        if (!rec.state.some((s) => s.name === name))
          throw new Error(
            `backward: unknown state ${JSON.stringify(name)} in final cotangents (states: ${rec.state.map((s) => s.name).join(", ")})`,
          );
      const pb = paramBindings(run.params);
      const zeroOut = new Float64Array(O);
      for (let t = T - 1; t >= 0; t--)
        for (let b = 0; b < B; b++) {
          if (t >= run.lengths[b]!) continue;
          const bind: Record<string, ArrayLike<number>> = Object.assign(Object.create(null), pb, {
            x: run.x.subarray((t * B + b) * I, (t * B + b + 1) * I),
          });
          rec.state.forEach((s, k) => {
            bind[s.name] = run.tape[k]!.subarray((t * B + b) * S[k]!, (t * B + b + 1) * S[k]!);
            bind[dv.seeds[k]!.label!] = dState[k]!.subarray(b * S[k]!, (b + 1) * S[k]!);
          });
          bind[dv.seeds[rec.state.length]!.label!] = dOut
            ? Float64Array.from({ length: O }, (_, i) => dOut[(t * B + b) * O + i]!)
            : zeroOut;
          const r = back(bind as Bindings);
          gx.set(r[0]!, (t * B + b) * I);
          rec.state.forEach((_, k) => dState[k]!.set(r[1 + k]!, b * S[k]!));
          layout.forEach((s, j) => {
            const g = r[1 + rec.state.length + j]!;
            for (let i = 0; i < s.size; i++) gParams[s.offset + i]! += g[i]!;
          });
        }
      return {
        params: paramsFrom(layout, dtype, gParams),
        input: cast(gx),
        initial: Object.fromEntries(rec.state.map((s, k) => [s.name, cast(dState[k]!)])),
      };
    },
  };
  return kernel;
}

/** `o[k]` if `o` has its own property `k` (a state may be called `__proto__` or `constructor`). */
function own<T>(o: Readonly<Record<string, T>> | undefined, k: string): T | undefined {
  return o !== undefined && Object.hasOwn(o, k) ? o[k] : undefined;
}

/** Per-sequence lengths, validated; all T when absent. */
export function checkLengths(
  lengths: ArrayLike<number> | undefined,
  B: number,
  T: number,
): Int32Array {
  const len = new Int32Array(B).fill(T);
  if (lengths === undefined) return len;
  if (lengths.length !== B)
    throw new Error(`forward: lengths needs ${B} values (one per sequence), got ${lengths.length}`);
  for (let b = 0; b < B; b++) {
    const l = lengths[b]!;
    if (!Number.isInteger(l) || l < 0 || l > T)
      throw new Error(`forward: lengths[${b}] = ${l} must be an integer in [0, ${T}]`);
    len[b] = l;
  }
  return len;
}
