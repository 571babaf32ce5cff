/**
 * The first passes of a sweep. `sweepGraph`: the sweep's spec → its nodes in topological order
 * (the cell's locals in definition order where dependencies allow) and their readers.
 * `phases`: → each node's phase — `static` (parameters only, once per call), `pre` (per-row
 * inputs only: all T·B rows before the loop), `loop` (needs a carried value: B rows per step),
 * `post` (reads a carried value but no next state needs it: all rows after the loop), or
 * `const`, `input`, `carried` for leaves. `sinkElementwise`: pre work read by one later phase
 * only moves there.
 */
import { type Node, topo } from "@gated/graph";
import {
  ewLike,
  type Phase,
  type Phased,
  ROWISH,
  readersOf,
  type ScanSpec,
  type SweepGraph,
  sweepLeaf,
} from "./plan.js";

/** The sweep's nodes from its roots (carried next values, row outputs, gradient terms). */
export function sweepGraph(spec: ScanSpec): SweepGraph {
  const stop = sweepLeaf(spec);
  const roots = [
    ...spec.carried.map((c) => c.next),
    ...spec.rowOutputs.map((o) => o.node),
    ...spec.accum.map((a) => a.node),
  ];
  // the cell's locals (in the graph) first, in definition order, then the roots
  const reached = new Set(topo(roots, stop));
  const first = (spec.first ?? []).filter((n) => reached.has(n) && !stop(n));
  const order = topo([...first, ...roots], stop);
  const readers = new Map<Node, Node[]>();
  for (const n of order) {
    if (stop(n)) continue;
    for (const x of n.inputs) {
      const r = readers.get(x);
      if (!r) readers.set(x, [n]);
      else if (!r.includes(n)) r.push(n);
    }
  }
  return { order, readers, roots, isRoot: new Set(roots) };
}

/** What each node depends on decides where it runs; carried outputs run every step. */
export function phases(spec: ScanSpec, g: SweepGraph): Phased {
  const carriedLeaf = new Set(spec.carried.map((c) => c.leaf));
  const stop = sweepLeaf(spec);
  const needed = new Set<Node>();
  // the nodes a next state depends on within the sweep
  const visit = (n: Node): void => {
    if (needed.has(n)) return;
    needed.add(n);
    if (!stop(n)) for (const x of n.inputs) visit(x);
  };
  for (const c of spec.carried) visit(c.next);
  const phase = new Map<Node, Phase>();
  const car = new Set<Node>();
  const nexts = new Set(spec.carried.map((c) => c.next));
  for (const n of g.order) {
    if (carriedLeaf.has(n)) {
      phase.set(n, "carried");
      car.add(n);
    } else if (spec.rowInputs.has(n)) phase.set(n, "input");
    else if (n.op.kind === "leaf") {
      if (spec.params.has(n)) phase.set(n, "static");
      else if (n.label === undefined) phase.set(n, "const");
      else
        throw new Error(
          `${spec.sweep}: ${n.op.name} "${n.label}" is not bound (not x, a state or a parameter of this cell)`,
        );
    } else {
      const ps = n.inputs.map((x) => phase.get(x)!);
      if (n.inputs.some((x) => car.has(x))) {
        car.add(n);
        // a carried input lives one step at a time: whatever reads it runs in the loop
        phase.set(n, needed.has(n) || n.inputs.some((x) => carriedLeaf.has(x)) ? "loop" : "post");
      } else if (ps.some((p) => ROWISH.has(p))) {
        // a carried output is written every step, whatever it depends on: it lives one step at
        // a time like a carried value, so what reads it runs in the loop or after it
        if (nexts.has(n) && ewLike(n, spec.shapes)) {
          phase.set(n, "loop");
          car.add(n);
        } else phase.set(n, "pre");
      } else if (ps.some((p) => p === "static")) phase.set(n, "static");
      else phase.set(n, "const");
    }
  }
  return { ...g, phase };
}

/**
 * Elementwise work of the pre phase that only one later phase reads moves into that phase, where
 * it fuses into the map that reads it (no [T·B] buffer).
 */
export function sinkElementwise(spec: ScanSpec, p: Phased): Phased {
  const phase = new Map(p.phase);
  for (let k = p.order.length - 1; k >= 0; k--) {
    const n = p.order[k]!;
    if (phase.get(n) !== "pre" || !ewLike(n, spec.shapes) || spec.keep.has(n) || p.isRoot.has(n))
      continue;
    const ps = new Set(readersOf(p, n).map((r) => phase.get(r)));
    if (ps.size === 1) {
      const to = [...ps][0]!;
      if (to === "loop" || to === "post") phase.set(n, to);
    }
  }
  return { ...p, phase };
}
