/**
 * Phase assignment, the first passes of a sweep. Before: the sweep's nodes in topological order.
 * After: each node's phase — `static` (parameters only, once per call), `pre` (per-row inputs
 * only: all T·B rows before the loop), `loop` (needs a carried value: B rows per step), `post`
 * (reads a carried value but no next state needs it: all rows after the loop), or `const`,
 * `input`, `carried` for leaves.
 */
import type { Node } from "@gated/graph";
import { ewLike, type Phase, ROWISH, type ScanSpec } from "./plan.js";

/** What each node depends on decides where it runs; carried outputs run every step. */
export function assignPhases(spec: ScanSpec, order: readonly Node[]): Map<Node, Phase> {
  const carriedLeaf = new Set(spec.carried.map((c) => c.leaf));
  const stop = (n: Node) => spec.rowInputs.has(n) || carriedLeaf.has(n);
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
  for (const n of order) {
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
      } else if (ps.some((p) => ROWISH.has(p))) phase.set(n, "pre");
      else if (ps.some((p) => p === "static")) phase.set(n, "static");
      else phase.set(n, "const");
    }
  }
  // carried outputs are written every step, whatever they depend on
  for (const c of spec.carried) {
    const p = phase.get(c.next)!;
    if (p === "pre" && ewLike(c.next, spec.shapes)) phase.set(c.next, "loop");
  }
  return phase;
}

/**
 * Elementwise work of the pre phase that only one later phase reads moves into that phase, where
 * it fuses into the map that reads it (no [T·B] buffer). Updates `phase` in place.
 */
export function sinkElementwise(
  spec: ScanSpec,
  order: readonly Node[],
  phase: Map<Node, Phase>,
  readersOf: (n: Node) => readonly Node[],
  isRoot: ReadonlySet<Node>,
): void {
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    if (phase.get(n) !== "pre" || !ewLike(n, spec.shapes) || spec.keep.has(n) || isRoot.has(n))
      continue;
    const ps = new Set(readersOf(n).map((r) => phase.get(r)));
    if (ps.size === 1) {
      const p = [...ps][0]!;
      if (p === "loop" || p === "post") phase.set(n, p);
    }
  }
}
