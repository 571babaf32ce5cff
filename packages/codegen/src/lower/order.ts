/**
 * Statement order for one sweep. `liveness`: only what some root, merged product or gradient
 * reads is computed. `orderItems`: per phase, a list of plan items in dependency order,
 * elementwise nodes fused into maps: an elementwise node waits until a product (or the phase's
 * end) needs it, then joins the latest map of its width that its inputs allow, so a step's
 * elementwise work lands in as few maps as possible.
 */
import type { Node } from "@gated/graph";
import {
  ewLike,
  type Live,
  type MatGroup,
  type Plan,
  type PlanItem,
  type Requested,
  type RunPhase,
  type ScanSpec,
  sweepLeaf,
} from "./plan.js";

/** Marks what the carried and row outputs, the gradients and the tape read, through the groups. */
export function liveness(spec: ScanSpec, r: Requested): Live {
  const stop = sweepLeaf(spec);
  const operands = (n: Node): readonly Node[] => {
    const sg = r.sumOf.get(n);
    if (sg) return [...sg.rest, ...sg.terms.flatMap((t) => [t.u, t.s])];
    const mg = r.matOf.get(n);
    if (mg) return [mg.v, mg.members.find((m) => m.node === n)!.p];
    return n.inputs;
  };
  const live = new Set<Node>();
  const mark = (n: Node) => {
    if (live.has(n)) return;
    live.add(n);
    if (!stop(n)) for (const x of operands(n)) mark(x);
  };
  for (const c of spec.carried) mark(c.next);
  for (const o of spec.rowOutputs) mark(o.node);
  for (const c of r.colsums) mark(c.node);
  for (const g of r.outerGroups) mark(g.v), g.terms.forEach((t) => mark(t.u));
  for (const k of spec.keep) if (r.phase.has(k)) mark(k);
  return { ...r, live };
}

/** Topological order per phase, elementwise nodes of one width fused into maps. */
export function orderItems(spec: ScanSpec, l: Live): Plan {
  const { order, live, absorbed, matOf, sumOf, colsums, outerGroups } = l;
  const { shapes } = spec;
  const ph = (n: Node) => l.phase.get(n)!;
  const items: Record<RunPhase, PlanItem[]> = { static: [], pre: [], loop: [], post: [] };
  const itemOf = new Map<Node, PlanItem>();
  const emittedMat = new Map<MatGroup, PlanItem>();
  // items are only ever appended, so an item's index is fixed when it is pushed
  const index = new Map<PlanItem, number>();
  const push = (p: RunPhase, it: PlanItem) => (index.set(it, items[p].length), items[p].push(it));
  const pos = (n: Node, p: RunPhase) => {
    const it = itemOf.get(n);
    return it && it.phase === p ? index.get(it)! : -1;
  };
  // elementwise nodes wait (pending) until a product or the phase's end needs them, so one map
  // takes as much of the step's elementwise work as dependencies allow
  const pending: Record<RunPhase, Node[]> = { static: [], pre: [], loop: [], post: [] };
  const ewInputs = (n: Node) => sumOf.get(n)?.rest ?? n.inputs;
  const place = (n: Node, p: RunPhase) => {
    const list = items[p];
    const width = shapes.size(n);
    const sg = sumOf.get(n);
    const need = Math.max(
      -1,
      ...ewInputs(n).map((x) => pos(x, p)),
      sg ? index.get(itemOf.get(n)!)! : -1,
    );
    let target: PlanItem | undefined;
    for (let i = list.length - 1; i >= Math.max(need, 0); i--) {
      const it = list[i]!;
      if (it.kind === "map" && it.width === width) {
        target = it;
        break;
      }
    }
    if (!target) {
      target = { kind: "map", phase: p, width, nodes: [] };
      push(p, target);
    }
    (target as { nodes: Node[] }).nodes.push(n);
    itemOf.set(n, target);
  };
  const flush = (p: RunPhase, needs: readonly Node[] | null) => {
    const pend = new Set(pending[p]);
    const want = new Set<Node>();
    const visit = (x: Node) => {
      if (!pend.has(x) || want.has(x)) return;
      want.add(x);
      ewInputs(x).forEach(visit);
    };
    if (needs) needs.forEach(visit);
    else pending[p].forEach((x) => want.add(x));
    if (!want.size) return;
    const keep: Node[] = [];
    for (const x of pending[p]) want.has(x) ? place(x, p) : keep.push(x);
    pending[p] = keep;
  };
  for (const n of order) {
    const p = ph(n);
    if (
      !live.has(n) ||
      absorbed.has(n) ||
      p === "const" ||
      p === "input" ||
      p === "carried" ||
      n.op.kind === "leaf"
    )
      continue;
    const mg = matOf.get(n);
    if (mg) {
      if (!emittedMat.has(mg)) {
        flush(p, [mg.v]);
        const it: PlanItem = { kind: "mat", phase: p, group: mg };
        push(p, it);
        emittedMat.set(mg, it);
      }
      itemOf.set(n, emittedMat.get(mg)!);
      continue;
    }
    const sg = sumOf.get(n);
    if (sg) {
      flush(
        p,
        sg.terms.map((t) => t.u),
      );
      const it: PlanItem = { kind: "sum", phase: p, group: sg };
      push(p, it);
      itemOf.set(n, it);
      if (sg.rest.length > 0) pending[p].push(n);
    } else if (ewLike(n, shapes)) pending[p].push(n);
    else {
      flush(p, n.inputs);
      const it: PlanItem = { kind: "node", phase: p, node: n };
      push(p, it);
      itemOf.set(n, it);
    }
  }
  for (const p of ["static", "pre", "loop", "post"] as const) flush(p, null);
  for (const c of colsums) {
    const p = ph(c.node);
    const rp: RunPhase = p === "input" ? "pre" : p === "carried" ? "loop" : (p as RunPhase);
    push(rp, { kind: "colsum", phase: rp, node: c.node, loc: c.loc });
  }
  for (const g of outerGroups) push("post", { kind: "outer", phase: "post", group: g });

  return { ...l, items, itemOf };
}
