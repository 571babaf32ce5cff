/**
 * Lowering of one sweep (a scan over time) into statements. Before: a graph whose roots are the
 * carried outputs (next states, or the cotangents of the previous states), per-row outputs and
 * parameter-gradient accumulators; leaves are parameters, constants, per-row inputs (x, tape
 * entries, output cotangents) and carried inputs. After: statements in four phases —
 *   static (once per call) · pre (all T·B rows, before the loop) · loop (B rows per step) ·
 *   post (all T·B rows, after the loop) —
 * with contractions merged into row-batched products, elementwise work fused, and buffers placed.
 */
import { describe, type Node, topo } from "@gated/graph";
import type { Loc } from "../schedule/schedule.js";
import { foldConstant, isAdd } from "./analyze.js";
import { orderItems } from "./order.js";
import { assignPhases, sinkElementwise } from "./phases.js";
import { placePlan } from "./place.js";
import {
  ewLike,
  type MatGroup,
  type OuterGroup,
  type Plan,
  ROWISH,
  type ScanResult,
  type ScanSpec,
  type SumGroup,
} from "./plan.js";

/** Lowers one sweep: classify, merge contractions, fuse, then place buffers and render. */
export function lowerScan(spec: ScanSpec): ScanResult {
  const { shapes } = spec;
  const carriedLeaf = new Set(spec.carried.map((c) => c.leaf));
  const stop = (n: Node) => spec.rowInputs.has(n) || carriedLeaf.has(n);
  const roots = [
    ...spec.carried.map((c) => c.next),
    ...spec.rowOutputs.map((o) => o.node),
    ...spec.accum.map((a) => a.node),
  ];
  const order = topo(roots, stop);
  const readers = new Map<Node, Node[]>();
  for (const n of order) {
    if (stop(n)) continue;
    for (const x of n.inputs) {
      const r = readers.get(x);
      if (!r) readers.set(x, [n]);
      else if (!r.includes(n)) r.push(n);
    }
  }
  const isRoot = new Set(roots);
  const rd = (n: Node) => readers.get(n) ?? [];

  // 1. phases: what each node depends on decides where it runs
  const phase = assignPhases(spec, order);
  // 2. sink elementwise work of the pre phase into the one phase that reads it (no buffer)
  sinkElementwise(spec, order, phase, rd, isRoot);
  const ph = (n: Node) => phase.get(n)!;
  const zeroMemo = new Map<Node, boolean>();
  const isZero = (n: Node): boolean => {
    let z = zeroMemo.get(n);
    if (z !== undefined) return z;
    if (ph(n) === "const") z = foldConstant(n, shapes.sizes).every((v) => v === 0);
    else if (["broadcast", "reshape", "transpose", "slice", "reduce"].includes(n.op.kind))
      z = isZero(n.inputs[0]!);
    else if (n.op.kind === "matvec" || n.op.kind === "matmul" || n.op.kind === "outer")
      z = n.inputs.some(isZero);
    else if (n.op.kind === "concat") z = n.inputs.every(isZero);
    else if (n.op.kind === "elementwise") {
      // x·0 = 0 = 0·x for any finite x (and 0/y): the op says which operands absorb zero
      const absorbing = n.op.algebra?.zeroAbsorbing ?? [];
      z = absorbing.some((i) => isZero(n.inputs[i]!));
    } else z = false;
    zeroMemo.set(n, z);
    return z;
  };

  // 3. merge contractions
  const absorbed = new Set<Node>();
  const sumOf = new Map<Node, SumGroup>();
  const single = (n: Node) => rd(n).length === 1 && !spec.keep.has(n) && !isRoot.has(n);
  const flatten = (
    root: Node,
    within: (t: Node) => boolean,
  ): { terms: Node[]; internal: Node[] } => {
    const terms: Node[] = [];
    const internal: Node[] = [];
    const visit = (t: Node, top: boolean) => {
      if (isAdd(t.op) && (top || (within(t) && single(t) && !absorbed.has(t)))) {
        if (!top) internal.push(t);
        for (const x of t.inputs) visit(x, false);
      } else terms.push(t);
    };
    visit(root, true);
    return { terms, internal };
  };
  const staticMatrix = (s: Node) => ph(s) === "static" && shapes.of(s).length === 2;
  const offsetOf = (s: Node) => spec.params.get(s)?.offset ?? Infinity;
  for (let k = order.length - 1; k >= 0; k--) {
    const root = order[k]!;
    const p = ph(root);
    if (!isAdd(root.op) || absorbed.has(root) || (p !== "pre" && p !== "loop" && p !== "post"))
      continue;
    const size = shapes.size(root);
    const { terms, internal } = flatten(root, (t) => ph(t) === p && shapes.size(t) === size);
    const cand = terms.filter(
      (t) =>
        t.op.kind === "matvec" &&
        t.inputs[0]!.op.kind === "transpose" &&
        staticMatrix(t.inputs[0]!.inputs[0]!) &&
        ph(t) === p &&
        single(t) &&
        shapes.size(t) === size &&
        ROWISH.has(ph(t.inputs[1]!)),
    );
    if (cand.length < 2) continue;
    const sorted = [...cand].sort(
      (a, b) => offsetOf(a.inputs[0]!.inputs[0]!) - offsetOf(b.inputs[0]!.inputs[0]!),
    );
    const group: SumGroup = {
      root,
      terms: sorted.map((t) => ({ s: t.inputs[0]!.inputs[0]!, u: t.inputs[1]! })),
      rest: terms.filter((t) => !cand.includes(t)),
    };
    sumOf.set(root, group);
    for (const t of [...internal, ...cand]) absorbed.add(t);
  }

  // parameter gradients: outer products deferred to one product after the sweep, the rest summed
  const outerTerms: { u: Node; v: Node; loc: Loc; offset: number }[] = [];
  const colsums: { node: Node; loc: Loc }[] = [];
  const deferrable = (n: Node) => ROWISH.has(ph(n)) && ph(n) !== "carried";
  const free = (t: Node) =>
    rd(t).every((r) => absorbed.has(r)) &&
    !spec.keep.has(t) &&
    !spec.carried.some((c) => c.next === t);
  for (const a of spec.accum) {
    const owned = rd(a.node).length === 0 && roots.filter((r) => r === a.node).length === 1;
    const { terms, internal } = owned
      ? flatten(a.node, () => true)
      : { terms: [a.node], internal: [] };
    if (owned && terms.length > 1) for (const t of [a.node, ...internal]) absorbed.add(t);
    else if (owned && terms[0] !== a.node) absorbed.add(a.node);
    for (const t of terms) {
      const tp = ph(t);
      if (tp === "const" || tp === "static") {
        // linear in the cotangents, so a term without rows is zero, once constants are folded
        if (isZero(t)) continue;
        throw new Error(
          `${spec.sweep}: the gradient term ${describe(t)} does not depend on any row`,
        );
      }
      let o: Node | null = null;
      let flip = false;
      if (t.op.kind === "outer") o = t;
      else if (
        t.op.kind === "transpose" &&
        t.inputs[0]!.op.kind === "outer" &&
        single(t.inputs[0]!)
      ) {
        o = t.inputs[0]!;
        flip = true;
      }
      if (o && deferrable(o.inputs[0]!) && deferrable(o.inputs[1]!)) {
        const [u, v] = flip ? [o.inputs[1]!, o.inputs[0]!] : [o.inputs[0]!, o.inputs[1]!];
        outerTerms.push({ u, v, loc: a.loc, offset: a.offset });
        if (free(t)) absorbed.add(t);
        if (flip && free(o)) absorbed.add(o);
      } else colsums.push({ node: t, loc: a.loc });
    }
  }
  // group deferred outer products by v, over consecutive parameters
  const outerGroups: OuterGroup[] = [];
  const byV = new Map<Node, typeof outerTerms>();
  for (const t of outerTerms) {
    const l = byV.get(t.v) ?? [];
    l.push(t);
    byV.set(t.v, l);
  }
  for (const [v, ts] of byV) {
    ts.sort((a, b) => a.offset - b.offset);
    let run: typeof outerTerms = [];
    const flush = () =>
      run.length &&
      outerGroups.push({ v, terms: run.map(({ u, loc, offset }) => ({ u, loc, offset })) });
    for (const t of ts) {
      const last = run[run.length - 1];
      if (
        last &&
        last.offset + shapes.size(last.u) * shapes.size(v) === t.offset &&
        !run.some((r) => r.u === t.u)
      )
        run.push(t);
      else {
        flush();
        run = [t];
      }
    }
    flush();
  }

  // shared-vector products: matvec(P_g, v) with static P_g, grouped by (v, phase)
  const matOf = new Map<Node, MatGroup>();
  const matKey = new Map<string, { kind: "nt" | "nn"; v: Node; members: Node[] }>();
  const vId = new Map<Node, number>();
  for (const n of order) {
    if (n.op.kind !== "matvec" || absorbed.has(n) || !ROWISH.has(ph(n))) continue;
    const [a, v] = n.inputs as [Node, Node];
    if (!ROWISH.has(ph(v))) continue;
    const nn = a.op.kind === "transpose" && staticMatrix(a.inputs[0]!);
    if (!nn && !staticMatrix(a) && ph(a) !== "const") continue;
    if (!vId.has(v)) vId.set(v, vId.size);
    const key = nn ? `nn${matKey.size}` : `nt${vId.get(v)}:${ph(n)}`;
    const g = matKey.get(key) ?? { kind: nn ? ("nn" as const) : ("nt" as const), v, members: [] };
    g.members.push(n);
    matKey.set(key, g);
  }
  for (const g of matKey.values()) {
    const pOf = (m: Node) => (g.kind === "nn" ? m.inputs[0]!.inputs[0]! : m.inputs[0]!);
    const ms = [...g.members].sort((a, b) => offsetOf(pOf(a)) - offsetOf(pOf(b)));
    let col = 0;
    const members = ms.map((m) => {
      const r = { node: m, p: pOf(m), col };
      col += shapes.size(m);
      return r;
    });
    const group: MatGroup = { kind: g.kind, v: g.v, members, width: col };
    for (const m of ms) matOf.set(m, group);
  }

  // 4. concatenation requests: the vectors a merged product reads side by side
  const mappable = (n: Node) =>
    ewLike(n, shapes) &&
    !absorbed.has(n) &&
    (ph(n) === "pre" || ph(n) === "loop" || ph(n) === "post");
  const concat: Node[][] = [];
  const request = (us: Node[]) => {
    if (us.length < 2 || !us.every(mappable) || new Set(us).size !== us.length) return false;
    if (!concat.some((c) => c.length === us.length && c.every((x, i) => x === us[i])))
      concat.push(us);
    return true;
  };
  for (const g of sumOf.values()) request(g.terms.map((t) => t.u));
  for (const g of outerGroups) request(g.terms.map((t) => t.u));

  // 5. liveness: only what some root, merged product or gradient actually reads is computed
  const operands = (n: Node): readonly Node[] => {
    const sg = sumOf.get(n);
    if (sg) return [...sg.rest, ...sg.terms.flatMap((t) => [t.u, t.s])];
    const mg = matOf.get(n);
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
  for (const c of colsums) mark(c.node);
  for (const g of outerGroups) mark(g.v), g.terms.forEach((t) => mark(t.u));
  for (const k of spec.keep) if (phase.has(k)) mark(k);

  // 6. statement order: topological, fusing elementwise nodes of one width and phase
  const { items, itemOf } = orderItems({
    order,
    ph,
    live,
    absorbed,
    matOf,
    sumOf,
    colsums,
    outerGroups,
    shapes,
  });

  // what must be readable over all rows, beyond the graph's own readers
  const timeUse = new Set<Node>(spec.keep);
  for (const g of outerGroups) {
    timeUse.add(g.v);
    for (const t of g.terms) timeUse.add(t.u);
  }
  const plan: Plan = { spec, order, phase, readers, items, itemOf, matOf, sumOf, concat, timeUse };
  return placePlan(plan, absorbed);
}
