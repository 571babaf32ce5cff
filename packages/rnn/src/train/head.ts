/**
 * The head of a model as one per-sample graph: RNN outputs [T,D] -> pooling -> linear ->
 * loss, and its VJP (w.r.t. the RNN outputs and the head's parameters) from `vjp`. The graph
 * is built once with symbolic dims T (padded length), D, C, A and run on a `GraphBackend`,
 * compiled once per padded length. Pooling "last" and "mean" run the same head on the pooled
 * vectors [D] instead (one program; the numbers of the pooling products over [T, D]).
 */

import { layoutOf, layoutSize, type ParamSlot } from "@gated/codegen";
import { input, leavesOf, type Node, type Sizes } from "@gated/graph";
import type { GraphBackend, GraphProgram, GraphSpec } from "./backend.js";
import { linear, type Pooling, pool } from "./heads.js";
import { type Loss, sampleLoss } from "./losses.js";

export interface HeadSpec {
  readonly pool: Pooling;
  /** Size of the prediction per sample (or per step): classes, or regression outputs. */
  readonly outputs: number;
  readonly loss: Loss;
}

export interface HeadResult {
  /** Per-sample loss, [B]. */
  readonly loss: Float64Array;
  /** Predictions (logits or values), [B][C] or [B][T][C]. */
  readonly pred: Float64Array;
  /** ∂(mean loss)/∂seq, [B][T][D] (only with gradients; not from `runPooled`). */
  readonly dseq?: Float64Array;
  /** `runPooled`: ∂(mean loss)/∂(each sequence's pooled vector), [B][D] (with gradients). */
  readonly dpooled?: Float64Array;
  /** ∂(mean loss)/∂(head parameters), in `layout` order (only with gradients). */
  readonly dparams?: Float64Array;
}

const PARAM_ORDER = ["W_att", "b_att", "v_att", "W_out", "b_out"];

/** A head bound to an input width D; knows its parameter layout and how to run itself. */
export class Head {
  readonly layout: readonly ParamSlot[];
  readonly size: number;
  readonly perStep: boolean;
  readonly sizes: Sizes;
  private readonly graph: GraphSpec;
  private readonly programs = new Map<number, GraphProgram>();
  /**
   * Pooling "last" or "mean": the same head on the pooled vector [D] (`poolSteps`: the last
   * valid output, or the sum of the valid ones over their count, in the graph's own order), so
   * no [T, D] sequence goes through the graph; one program for every padded length.
   */
  readonly pools: "last" | "mean" | null;
  private readonly pooledGraph?: GraphSpec;
  private pooledProgram?: GraphProgram;

  constructor(
    readonly spec: HeadSpec,
    readonly inputSize: number,
    private readonly backend: GraphBackend,
  ) {
    const seq = input("seq", ["T", "D"]);
    const mask = input("mask", ["T"]);
    const last = input("last", ["T"]);
    const pred = linear(pool(spec.pool, { seq, mask, last }));
    const target = input("target", pred.shape);
    const loss = sampleLoss(spec.loss, pred, target, mask);
    this.perStep = spec.pool === "none";
    const params = paramsOf(loss);
    const attention = typeof spec.pool === "object" ? spec.pool.attention : 1;
    this.sizes = { D: inputSize, C: spec.outputs, A: attention };
    this.layout = layoutOf(params, this.sizes);
    this.size = layoutSize(this.layout);
    this.graph = { inputs: { seq, mask, last, target }, outputs: { loss, pred }, params };
    this.pools = spec.pool === "last" || spec.pool === "mean" ? spec.pool : null;
    if (this.pools) {
      const h = input("h", ["D"]);
      const predL = linear(h);
      const targetL = input("target", predL.shape);
      const lossL = sampleLoss(spec.loss, predL, targetL, mask);
      this.pooledGraph = {
        inputs: { h, target: targetL },
        outputs: { loss: lossL, pred: predL },
        params: paramsOf(lossL),
      };
    }
  }

  /** PyTorch's Linear default: U(−1/√fan_in, 1/√fan_in) for weights and biases alike. */
  init(random: () => number, into: Float64Array | Float32Array): void {
    for (const s of this.layout) {
      const fanIn = s.name === "v_att" ? this.sizes["A"]! : this.inputSize;
      const a = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < s.size; i++) into[s.offset + i] = (2 * random() - 1) * a;
    }
  }

  /**
   * Runs the head on a batch. `seq` is [B][T][D]; targets are encoded by `encodeTargets`.
   * Gradients are of the batch mean of the per-sample losses.
   */
  run(
    params: ArrayLike<number>,
    seq: Float64Array,
    lengths: ArrayLike<number>,
    T: number,
    targets: Float64Array,
    grad: boolean,
  ): HeadResult {
    const B = lengths.length;
    if (this.pools) {
      // each row's pooled vector, [B][D]; its gradient goes back to the steps it pooled
      const D = this.inputSize;
      const at = (b: number, t: number) => (b * T + t) * D;
      const h = poolSteps(this.pools, seq, lengths, at, D);
      const r = this.runPooled(params, h, targets, grad);
      if (!grad) return r;
      const dseq = new Float64Array(B * T * D);
      unpoolSteps(this.pools, r.dpooled!, lengths, dseq, at);
      return { loss: r.loss, pred: r.pred, dseq, dparams: r.dparams! };
    }
    let prog = this.programs.get(T);
    if (!prog) {
      prog = this.backend.compile(this.graph, { ...this.sizes, T });
      this.programs.set(T, prog);
    }
    const mask = new Float64Array(B * T);
    const last = new Float64Array(B * T);
    for (let b = 0; b < B; b++) {
      const n = lengths[b]!;
      if (n < 1)
        throw new Error(`head: sequence ${b} is empty; every sequence needs at least one step`);
      mask.fill(1, b * T, b * T + n);
      last[b * T + n - 1] = 1;
    }
    const run = prog.forward(this.shared(params), { seq, mask, last, target: targets }, B);
    const loss = run.outputs["loss"]!,
      pred = run.outputs["pred"]!;
    if (!grad) return { loss, pred };
    // the batch loss is the mean of the per-sample losses: cotangent 1/B on each row
    const g = prog.backward(run, { loss: new Float64Array(B).fill(1 / B) });
    return { loss, pred, dseq: g.inputs["seq"]!, dparams: this.flat(g.params) };
  }

  /** The head on pooled vectors `h` ([B][D], `poolSteps`): gradient `dpooled`. */
  runPooled(
    params: ArrayLike<number>,
    h: Float64Array,
    targets: Float64Array,
    grad: boolean,
  ): HeadResult {
    if (!this.pooledGraph) throw new Error(`head: runPooled needs pooling "last" or "mean"`);
    const B = h.length / this.inputSize;
    this.pooledProgram ??= this.backend.compile(this.pooledGraph, { ...this.sizes, T: 1 });
    const run = this.pooledProgram.forward(this.shared(params), { h, target: targets }, B);
    const loss = run.outputs["loss"]!,
      pred = run.outputs["pred"]!;
    if (!grad) return { loss, pred };
    const g = this.pooledProgram.backward(run, { loss: new Float64Array(B).fill(1 / B) });
    return { loss, pred, dpooled: g.inputs["h"]!, dparams: this.flat(g.params) };
  }

  private shared(params: ArrayLike<number>): Record<string, ArrayLike<number>> {
    const shared: Record<string, ArrayLike<number>> = {};
    for (const s of this.layout) shared[s.name] = subarray(params, s.offset, s.size);
    return shared;
  }

  private flat(g: Record<string, Float64Array>): Float64Array {
    const dparams = new Float64Array(this.size);
    for (const s of this.layout) dparams.set(g[s.name]!, s.offset);
    return dparams;
  }

  /**
   * Targets as the graph reads them, [B][C] or [B][T][C]: class indices become one-hot rows;
   * values are copied (zeros past each sequence's end for per-step targets).
   */
  encodeTargets(
    ys: readonly (ArrayLike<number> | number)[],
    lengths: ArrayLike<number>,
    T: number,
  ): Float64Array {
    const C = this.spec.outputs;
    const steps = this.perStep ? T : 1;
    const out = new Float64Array(ys.length * steps * C);
    ys.forEach((y, b) => {
      const base = b * steps * C;
      const n = this.perStep ? lengths[b]! : 1;
      const v = typeof y === "number" ? [y] : y;
      if (this.spec.loss.target === "class") {
        if (v.length !== n)
          throw new Error(`sample ${b}: expected ${n} class target(s), got ${v.length}`);
        for (let t = 0; t < n; t++) {
          const c = v[t]!;
          if (!Number.isInteger(c) || c < 0 || c >= C)
            throw new Error(`sample ${b}: class ${c} is not an integer in [0, ${C})`);
          out[base + t * C + c] = 1;
        }
      } else {
        if (v.length !== n * C)
          throw new Error(`sample ${b}: expected ${n * C} target values, got ${v.length}`);
        for (let i = 0; i < n * C; i++) out[base + i] = v[i]!;
      }
    });
    return out;
  }
}

/**
 * Each row's pooled vector, [B][D], from `src` where row b's step t starts at `at(b, t)`:
 * "last" its last valid step; "mean" Σ_t<n x_t / n, summed from 0 in time order as the graph's
 * one-hot/mask product does (its padded terms are ±0 and change nothing). Every sequence needs
 * a step (the same error as the full head's).
 */
export function poolSteps(
  kind: "last" | "mean",
  src: ArrayLike<number>,
  lengths: ArrayLike<number>,
  at: (b: number, t: number) => number,
  D: number,
): Float64Array {
  const B = lengths.length;
  const h = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    if (n < 1)
      throw new Error(`head: sequence ${b} is empty; every sequence needs at least one step`);
    if (kind === "last") {
      const o = at(b, n - 1);
      for (let d = 0; d < D; d++) h[b * D + d] = src[o + d]!;
      continue;
    }
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += src[at(b, t) + d]!;
      h[b * D + d] = s / n;
    }
  }
  return h;
}

/**
 * The pooled vectors' gradient `dh` ([B][D]) back to the steps of `out` (row b's step t at
 * `at(b, t)`): "last" at the last valid step, "mean" dh / n at every valid one (the division's
 * own gradient); the other steps stay as they are (zero).
 */
export function unpoolSteps(
  kind: "last" | "mean",
  dh: Float64Array,
  lengths: ArrayLike<number>,
  out: Float64Array,
  at: (b: number, t: number) => number,
): void {
  const D = dh.length / lengths.length;
  for (let b = 0; b < lengths.length; b++) {
    const n = lengths[b]!;
    if (kind === "last") {
      out.set(dh.subarray(b * D, (b + 1) * D), at(b, n - 1));
      continue;
    }
    for (let d = 0; d < D; d++) {
      const m = dh[b * D + d]! / n;
      for (let t = 0; t < n; t++) out[at(b, t) + d] = m;
    }
  }
}

/** The head's parameters that `loss` reads, in `PARAM_ORDER` (both graphs lay them out alike). */
function paramsOf(loss: Node): Node[] {
  const found = leavesOf([loss], "param");
  return PARAM_ORDER.map((n) => found.find((p) => p.label === n)).filter((p): p is Node => !!p);
}

function subarray(a: ArrayLike<number>, start: number, n: number): ArrayLike<number> {
  return ArrayBuffer.isView(a)
    ? (a as unknown as Float64Array).subarray(start, start + n)
    : Array.prototype.slice.call(a, start, start + n);
}
