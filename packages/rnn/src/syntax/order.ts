/** The order in which a cell's equations are shown: as its values were defined. */
import type { Node } from "@gated/graph";
import type { Cell } from "../defineCell.js";

/**
 * Every node the next states and the per-step output need, inputs before users, visiting the
 * named locals in the order they were defined (then the next states in state order, then the
 * output), so printed equations keep the author's order wherever dependencies allow.
 */
export function definitionOrder(cell: Cell): Node[] {
  const outputs = [...cell.state.map((s) => s.next), cell.output];
  const nexts = new Set(outputs);
  const live = new Set<Node>();
  const mark = (n: Node) => {
    if (live.has(n)) return;
    live.add(n);
    n.inputs.forEach(mark);
  };
  outputs.forEach(mark);
  const roots = [
    ...[...cell.locals.keys()].filter((n) => n.op.kind !== "leaf" && !nexts.has(n) && live.has(n)),
    ...outputs,
  ];
  const seen = new Set<Node>();
  const order: Node[] = [];
  const visit = (n: Node) => {
    if (seen.has(n)) return;
    seen.add(n);
    n.inputs.forEach(visit);
    order.push(n);
  };
  roots.forEach(visit);
  return order;
}
