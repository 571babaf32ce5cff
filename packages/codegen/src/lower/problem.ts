/**
 * What lowering starts from, and the one step VJP every kernel uses. A `Problem` is the general
 * form of a recurrence (or of a stateless graph: no states): per-row inputs, carried states with
 * their next values, per-row outputs and parameters. `problemVjp` differentiates one step; the
 * lowering, the reference kernel and the training interpreter all call it, so they agree on
 * what a cell means and name the cotangent leaves one way.
 */
import { input, type Node, simplify, topo, vjp } from "@gated/graph";
import type { Recurrence } from "../kernel/types.js";

/** The general form both `compileCell` and `compileGraph` lower. */
export interface Problem {
  readonly name: string;
  readonly inputs: readonly { readonly name: string; readonly node: Node }[];
  readonly states: readonly { readonly name: string; readonly node: Node; readonly next: Node }[];
  readonly outputs: readonly { readonly name: string; readonly node: Node }[];
  readonly params: readonly Node[];
  readonly locals?: ReadonlyMap<Node, string>;
}

export function problemOf(rec: Recurrence): Problem {
  const locals = rec.locals;
  return {
    name: rec.name,
    inputs: [{ name: "x", node: rec.x }],
    states: rec.state.map((s) => ({ name: s.name, node: s.node, next: s.next })),
    outputs: [{ name: "output", node: rec.output }],
    params: rec.params,
    ...(locals ? { locals } : {}),
  };
}

/** The step's VJP: cotangent leaves (seeds) → gradients of the inputs, states and params. */
export interface StepVjp {
  /** Cotangent leaves: one per state (of its next value), then one per output. */
  readonly seeds: readonly Node[];
  /** Gradients of each input, each state, each param, then each extra `wrt` node, in order. */
  readonly grads: readonly Node[];
}

export interface VjpOptions {
  /** Seed the outputs too (default true); false: only the next states carry cotangents. */
  readonly outputs?: boolean;
  /** More nodes to differentiate with respect to (their gradients come last). */
  readonly wrt?: readonly Node[];
  /** Simplify the gradients (default true). */
  readonly simplify?: boolean;
}

/**
 * The VJP of one step. Seeds are named `d_<state or output>__seed`, apart from every leaf label
 * of the step (an underscore is appended until the name is free).
 */
export function problemVjp(pr: Problem, opts: VjpOptions = {}): StepVjp {
  const withOutputs = opts.outputs ?? true;
  const outs = [
    ...pr.states.map((s) => s.next),
    ...(withOutputs ? pr.outputs.map((o) => o.node) : []),
  ];
  const taken = new Set(
    topo(outs)
      .filter((n) => n.label !== undefined)
      .map((n) => n.label!),
  );
  const seedName = (base: string) => {
    let s = `d_${base.replace(/[^\p{L}\p{N}_]/gu, "_")}__seed`;
    while (taken.has(s)) s += "_";
    taken.add(s);
    return s;
  };
  const seeds = [
    ...pr.states.map((s) => input(seedName(s.name), s.next.shape)),
    ...(withOutputs ? pr.outputs.map((o) => input(seedName(o.name), o.node.shape)) : []),
  ];
  const wrt = [
    ...pr.inputs.map((i) => i.node),
    ...pr.states.map((s) => s.node),
    ...pr.params,
    ...(opts.wrt ?? []),
  ];
  const grads = vjp(outs, seeds, wrt);
  return { seeds, grads: (opts.simplify ?? true) ? simplify(grads) : grads };
}

/** The VJP of one step of a recurrence (`problemVjp` of `problemOf(rec)`). */
export function stepVjp(rec: Recurrence, opts: VjpOptions = {}): StepVjp {
  return problemVjp(problemOf(rec), opts);
}
