/**
 * A look inside a trained model, on a small batch of validation examples:
 * - per-gate activation statistics (mean, std; for σ gates the fractions below 0.1 and above 0.9,
 *   "left-" and "right-saturated" as in Karpathy, Johnson & Fei-Fei 2015; for tanh values the
 *   fraction with |v| > 0.9),
 * - the cell state over time for a few examples (a heat map in the report),
 * - for attention pooling, the attention weights over the input steps (which characters decided),
 * - for classification, the confusion matrix and per-class accuracy.
 * Gate values are exact: the cell's step graph (its named locals) is run by the reference
 * interpreter (`prepareEvaluate`, the same loop as `evaluateAll`) step by step, from zero states, on the trained parameters of the
 * first layer (forward direction); a test checks its output against the model's kernels.
 */
import { evaluateAll, input, type Node, prepareEvaluate } from "@gated/graph";
import { attentionPool, type Model, type Sample } from "@gated/rnn";

export interface GateStat {
  readonly name: string;
  /** "sigmoid" and "tanh" values get saturation fractions; others only moments. */
  readonly kind: "sigmoid" | "tanh" | "other";
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** σ gates: fraction of values < 0.1 and > 0.9. */
  readonly below01?: number;
  readonly above09?: number;
  /** tanh values: fraction with |v| > 0.9. */
  readonly saturated?: number;
  /** σ gates, per unit: the fractions below 0.1 and above 0.9 (Karpathy et al.'s scatter). */
  readonly units?: { readonly below01: readonly number[]; readonly above09: readonly number[] };
  /** Values counted (examples × valid steps × units). */
  readonly count: number;
}

export interface StateMap {
  readonly example: number;
  readonly state: string;
  /** Input tokens (characters) or step numbers, one per valid step. */
  readonly tokens: readonly string[];
  /** values[t][unit]. */
  readonly values: readonly (readonly number[])[];
}

export interface AttentionMap {
  readonly example: number;
  readonly tokens: readonly string[];
  /** One weight per valid step; they sum to 1. */
  readonly weights: readonly number[];
  readonly target?: string;
  readonly predicted?: string;
}

export interface Confusion {
  readonly classes: readonly string[];
  /** counts[true][predicted]. */
  readonly counts: readonly (readonly number[])[];
  readonly perClass: readonly {
    readonly name: string;
    readonly count: number;
    readonly accuracy: number;
  }[];
  readonly accuracy: number;
  readonly examples: number;
}

export interface Inspection {
  readonly cell: string;
  readonly seed: number;
  /** Validation examples the gate statistics are over. */
  readonly examples: number;
  readonly gates: readonly GateStat[];
  readonly states: readonly StateMap[];
  readonly attention?: readonly AttentionMap[];
  readonly confusion?: Confusion;
}

export interface InspectOptions {
  readonly cell: string;
  readonly seed: number;
  /** Validation examples for the gate statistics (default 32). */
  readonly batch?: number;
  /** Examples drawn as heat maps / attention strips (default 3). */
  readonly show?: number;
  /** Class names (classification). */
  readonly classes?: readonly string[];
  /** Characters by token id (character tasks). */
  readonly chars?: string;
  /** Examples for the confusion matrix (default: all of `samples`). */
  readonly confusionSamples?: readonly Sample[];
}

/** Per-step values of one example: every named local and state, [t] → Float64Array. */
export interface Trace {
  readonly steps: number;
  readonly values: Map<string, Float64Array[]>;
  readonly outputs: Float64Array[];
}

export function stepNames(model: Model): { node: Node; name: string }[] {
  const rec = model.spec.cell;
  const out: { node: Node; name: string }[] = [];
  const seen = new Set<Node>();
  const nexts = new Map(rec.state.map((s) => [s.next, s.name]));
  for (const [node, name] of rec.locals ?? []) {
    if (node.op.kind === "leaf" || seen.has(node)) continue;
    seen.add(node);
    out.push({ node, name: nexts.has(node) ? `${nexts.get(node)}′` : name.replace(/'/g, "′") });
  }
  for (const s of rec.state)
    if (!seen.has(s.next)) {
      seen.add(s.next);
      out.push({ node: s.next, name: `${s.name}′` });
    }
  return out;
}

/** The step graph prepared once: every named value, the next states and the output per step. */
export interface Stepper {
  readonly names: readonly { node: Node; name: string }[];
  run(model: Model, sample: Sample): Trace;
}

/** Prepares the cell's step graph for the reference interpreter (layer 0, forward direction). */
export function stepper(model: Model): Stepper {
  const rec = model.spec.cell;
  const kernel = model.rnn.kernels[0]!;
  const names = stepNames(model);
  const nexts = rec.state.map((s) => s.next);
  const outputs = [...nexts, rec.output, ...names.map((n) => n.node)];
  const step = prepareEvaluate(outputs, kernel.sizes);
  return {
    names,
    run(m, sample) {
      const suffix = m.rnn.suffix(0, 0);
      const params: Record<string, ArrayLike<number>> = {};
      for (const p of rec.params) params[p.label!] = m.get(p.label! + suffix);
      const T = m.lengthOf(sample);
      const I = kernel.inputSize;
      const table = m.spec.embedding ? m.get("embedding") : undefined;
      const xLabel = rec.x.label ?? "x";
      let state: Record<string, ArrayLike<number>> = Object.fromEntries(
        rec.state.map((s) => [s.node.label!, new Float64Array(kernel.stateSizes[s.name]!)]),
      );
      const values = new Map<string, Float64Array[]>(names.map((n) => [n.name, []]));
      const outs: Float64Array[] = [];
      for (let t = 0; t < T; t++) {
        const x = table
          ? table.subarray(sample.x[t]! * I, (sample.x[t]! + 1) * I)
          : Float64Array.from({ length: I }, (_, i) => sample.x[t * I + i]!);
        const v = step({ ...params, ...state, [xLabel]: x });
        names.forEach((n, k) => values.get(n.name)!.push(v[nexts.length + 1 + k]!));
        outs.push(v[nexts.length]!);
        state = Object.fromEntries(rec.state.map((s, k) => [s.node.label!, v[k]!]));
      }
      return { steps: T, values, outputs: outs };
    },
  };
}

function gateStat(name: string, node: Node, series: readonly Float64Array[][]): GateStat {
  const kind = node.op.name === "sigmoid" ? "sigmoid" : node.op.name === "tanh" ? "tanh" : "other";
  let n = 0,
    sum = 0,
    sq = 0,
    lo = 0,
    hi = 0,
    sat = 0,
    min = Infinity,
    max = -Infinity;
  const U = series[0]?.[0]?.length ?? 0;
  const uLo = new Array<number>(U).fill(0);
  const uHi = new Array<number>(U).fill(0);
  let rows = 0;
  for (const steps of series)
    for (const v of steps) {
      rows++;
      v.forEach((x, u) => {
        if (x < 0.1) uLo[u]!++;
        if (x > 0.9) uHi[u]!++;
      });
      for (const x of v) {
        n++;
        sum += x;
        sq += x * x;
        if (x < 0.1) lo++;
        if (x > 0.9) hi++;
        if (Math.abs(x) > 0.9) sat++;
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
  const mean = sum / n;
  return {
    name,
    kind,
    mean,
    std: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    min,
    max,
    ...(kind === "sigmoid"
      ? {
          below01: lo / n,
          above09: hi / n,
          units: { below01: uLo.map((c) => c / rows), above09: uHi.map((c) => c / rows) },
        }
      : {}),
    ...(kind === "tanh" ? { saturated: sat / n } : {}),
    count: n,
  };
}

/** Attention weights over the valid steps of one example, from the head's own pooling graph. */
function attentionWeights(model: Model, outputs: readonly Float64Array[]): number[] {
  const seq = input("seq", ["T", "D"]);
  const mask = input("mask", ["T"]);
  const pooled = attentionPool(seq, mask);
  const alpha = pooled.inputs[1]!; // matvec(seqᵀ, α)
  const T = outputs.length;
  const D = outputs[0]!.length;
  const flat = new Float64Array(T * D);
  outputs.forEach((o, t) => flat.set(o, t * D));
  const head = model.head;
  const p = (name: string) => model.get(name);
  const all = evaluateAll(
    [alpha],
    {
      seq: flat,
      mask: new Float64Array(T).fill(1),
      W_att: p("W_att"),
      b_att: p("b_att"),
      v_att: p("v_att"),
    },
    { T, D, A: head.sizes["A"]! },
  );
  return [...all.get(alpha)!.data];
}

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (v[from + c]! > v[from + best]!) best = c;
  return best;
}

/** Confusion matrix and per-class accuracy of a classifier over `samples` (batches of 256). */
export function confusion(
  model: Model,
  samples: readonly Sample[],
  classes: readonly string[],
): Confusion {
  const C = model.spec.outputs;
  const counts = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (let i = 0; i < samples.length; i += 256) {
    const batch = samples.slice(i, i + 256);
    const r = model.run(batch);
    batch.forEach((s, b) => {
      const y = typeof s.y === "number" ? s.y : s.y[0]!;
      counts[y]![argmax(r.pred, b * C, C)]!++;
    });
  }
  const names = Array.from({ length: C }, (_, c) => classes[c] ?? String(c));
  const perClass = counts.map((row, c) => {
    const n = row.reduce((a, b) => a + b, 0);
    return { name: names[c]!, count: n, accuracy: n ? row[c]! / n : NaN };
  });
  const right = counts.reduce((a, row, c) => a + row[c]!, 0);
  return {
    classes: names,
    counts,
    perClass,
    accuracy: samples.length ? right / samples.length : NaN,
    examples: samples.length,
  };
}

/** Inspects a trained model on `samples` (validation examples); see the module comment. */
export function inspectModel(
  model: Model,
  samples: readonly Sample[],
  opts: InspectOptions,
): Inspection {
  const batch = samples.slice(0, opts.batch ?? 32);
  if (batch.length === 0) throw new Error("inspect: no validation examples");
  const st = stepper(model);
  const names = st.names;
  const traces = batch.map((s) => st.run(model, s));
  const gates = names.map((n) =>
    gateStat(
      n.name,
      n.node,
      traces.map((tr) => tr.values.get(n.name)!),
    ),
  );
  const rec = model.spec.cell;
  const stateName = rec.state.find((s) => s.name === "c")?.name ?? rec.state[0]!.name;
  const stateKey = `${stateName}′`;
  const show = Math.min(opts.show ?? 3, batch.length);
  const tokensOf = (s: Sample, T: number) =>
    Array.from({ length: T }, (_, t) =>
      model.spec.embedding && opts.chars ? (opts.chars[s.x[t]!] ?? "?") : String(t + 1),
    );
  const states = traces.slice(0, show).map((tr, k) => ({
    example: k,
    state: stateKey,
    tokens: tokensOf(batch[k]!, tr.steps),
    values: tr.values.get(stateKey)!.map((v) => [...v]),
  }));
  const attention =
    typeof model.spec.pool === "object" && model.rnn.numLayers === 1 && model.rnn.D === 1
      ? traces.slice(0, show).map((tr, k) => {
          const s = batch[k]!;
          const cls = (c: number) => opts.classes?.[c] ?? String(c);
          const y = typeof s.y === "number" ? s.y : s.y.length === 1 ? s.y[0]! : undefined;
          const pred = model.run([s]).pred;
          return {
            example: k,
            tokens: tokensOf(s, tr.steps),
            weights: attentionWeights(model, tr.outputs),
            ...(y !== undefined && model.loss.target === "class" ? { target: cls(y) } : {}),
            ...(model.loss.target === "class"
              ? { predicted: cls(argmax(pred, 0, model.spec.outputs)) }
              : {}),
          };
        })
      : undefined;
  const classify = model.loss.target === "class" && model.spec.pool !== "none";
  return {
    cell: opts.cell,
    seed: opts.seed,
    examples: batch.length,
    gates,
    states,
    ...(attention ? { attention } : {}),
    ...(classify
      ? { confusion: confusion(model, opts.confusionSamples ?? samples, opts.classes ?? []) }
      : {}),
  };
}
