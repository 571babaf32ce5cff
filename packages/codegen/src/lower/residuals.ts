/**
 * Residuals, the pass between the VJP and the forward scan. Before: the step's forward graph and
 * its VJP. After: the forward values the backward graph reads that are per-row work (they
 * depend on x or a state) and not recomputed backward: the tape the forward sweep keeps over
 * all rows.
 */
import { type Node, topo } from "@gated/graph";
import type { Problem, StepVjp } from "./problem.js";

export function residuals(pr: Problem, vjp: StepVjp): ReadonlySet<Node> {
  const outs = [...pr.states.map((s) => s.next), ...pr.outputs.map((o) => o.node)];
  const fwdSet = new Set(topo(outs));
  const seedSet = new Set(vjp.seeds);
  const rowLeaves = new Set([...pr.inputs.map((i) => i.node), ...pr.states.map((s) => s.node)]);
  const dep = new Set<Node>(); // depends on a cotangent
  const rowDep = new Set<Node>(); // depends on x or a state
  const bOrder = topo(vjp.grads);
  for (const n of [...topo(outs), ...bOrder]) {
    if (seedSet.has(n) || n.inputs.some((x) => dep.has(x))) dep.add(n);
    if (rowLeaves.has(n) || n.inputs.some((x) => rowDep.has(x))) rowDep.add(n);
  }
  const residual = new Set<Node>();
  for (const m of bOrder) {
    if (!dep.has(m) && fwdSet.has(m)) continue;
    for (const x of m.inputs) if (!dep.has(x) && fwdSet.has(x) && rowDep.has(x)) residual.add(x);
  }
  return residual;
}
