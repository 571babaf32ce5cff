/**
 * The step's VJP with its values named after the cell's. Before: the problem. After: its
 * `StepVjp` (`problemVjp`) and names for the backward graph's values, as the cell's equations
 * would write them: `d_<local>` for the cotangent of each local of the cell (`d_i`, `d_c_next`),
 * `d_<local>_pre` for the cotangent of an activation's input (`i = σ(a)`: `d_i_pre` is ∂a, what
 * the weight gradients read), `d_<state>`, `d_<output>` for the cotangent leaves, and `d_x`,
 * `d_<state>_prev` for what the step returns.
 */
import type { Node } from "@gated/graph";
import { type Problem, problemVjp, type StepVjp } from "./problem.js";

export interface NamedVjp {
  readonly vjp: StepVjp;
  /** Readable names for the cotangent leaves and the cotangents of the cell's locals. */
  readonly names: ReadonlyMap<Node, string>;
  /** The locals' cotangents in the locals' definition order (the pre-activation's, if any). */
  readonly order: readonly Node[];
}

/** The input of a local that is an activation of one argument (σ(a), tanh(a)), not a local. */
function activationInput(n: Node, locals: ReadonlyMap<Node, string>): Node | undefined {
  if (n.op.kind !== "elementwise" || n.inputs.length !== 1) return undefined;
  const a = n.inputs[0]!;
  return a.op.kind === "leaf" || locals.has(a) ? undefined : a;
}

export function namedVjp(pr: Problem): NamedVjp {
  const locals = pr.locals ?? new Map<Node, string>();
  const entries = [...locals].map(([node, name]) => ({
    node,
    name,
    pre: activationInput(node, locals),
  }));
  const pres = entries.flatMap((e) => (e.pre ? [e.pre] : []));
  // the locals as extra `wrt`: their cotangents are nodes of the backward graph (interned)
  const full = problemVjp(pr, { wrt: [...entries.map((e) => e.node), ...pres] });
  const n = pr.inputs.length + pr.states.length + pr.params.length;
  const extra = full.grads.slice(n);
  const names = new Map<Node, string>();
  const name = (g: Node | undefined, s: string) => {
    if (g && g.op.kind !== "leaf" && !names.has(g)) names.set(g, s);
  };
  // the leaves: cotangents of the next states and outputs (the buffers d_h, d_output)
  pr.states.forEach((s, k) => names.set(full.seeds[k]!, `d_${s.name}`));
  pr.outputs.forEach((o, k) => names.set(full.seeds[pr.states.length + k]!, `d_${o.name}`));
  // what the step returns: ∂x and ∂ of each state at the step's start (d_x, d_h_prev)
  pr.inputs.forEach((x, k) => name(full.grads[k], `d_${x.name}`));
  pr.states.forEach((s, k) => name(full.grads[pr.inputs.length + k], `d_${s.name}_prev`));
  const order: Node[] = [];
  let p = entries.length;
  entries.forEach((e, k) => {
    const g = extra[k];
    const gPre = e.pre ? extra[p++] : undefined;
    name(gPre, `d_${e.name}_pre`);
    name(g, `d_${e.name}`);
    const first = gPre ?? g;
    if (first && first.op.kind !== "leaf") order.push(first);
  });
  return { vjp: { seeds: full.seeds, grads: full.grads.slice(0, n) }, names, order };
}
