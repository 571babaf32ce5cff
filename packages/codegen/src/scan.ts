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
import { foldConstant, isAdd, type Shapes } from "./analyze.js";
import type { ConstPool } from "./consts.js";
import type { Namer } from "./names.js";
import { orderItems } from "./order.js";
import { renderPlan } from "./render.js";
import type { BufferDecl, Loc, Stmt } from "./schedule.js";

export type Phase = "const" | "static" | "input" | "carried" | "pre" | "loop" | "post";
export type RunPhase = "static" | "pre" | "loop" | "post";

export interface ScanSpec {
  readonly sweep: "forward" | "backward";
  /** The element type of the sweep's buffers. */
  readonly compute: "f32" | "f64";
  readonly shapes: Shapes;
  readonly namer: Namer;
  /** Readable names for nodes (the cell's locals, states, outputs). */
  readonly hints: ReadonlyMap<Node, string>;
  readonly carried: readonly {
    readonly leaf: Node;
    readonly next: Node;
    readonly inLoc: Loc;
    readonly outLoc: Loc;
  }[];
  readonly rowInputs: ReadonlyMap<Node, Loc>;
  readonly rowOutputs: readonly { readonly node: Node; readonly loc: Loc }[];
  /** Parameter gradients: Σ over rows of `node`, added into `loc` (static, in the gradient buffer). */
  readonly accum: readonly { readonly node: Node; readonly loc: Loc; readonly offset: number }[];
  /** Nodes to keep over all rows (the tape read by the backward sweep). */
  readonly keep: ReadonlySet<Node>;
  /** Parameter leaves: static locations in the parameter buffer, and layout offsets. */
  readonly params: ReadonlyMap<Node, { readonly loc: Loc; readonly offset: number }>;
  readonly consts: ConstPool;
}

/** A shared-vector contraction: matvec(P_g, v) for several static P_g → one product. */
export interface MatGroup {
  readonly kind: "nt" | "nn";
  readonly v: Node;
  readonly members: readonly { readonly node: Node; readonly p: Node; readonly col: number }[];
  readonly width: number;
}
/** Σ_g matvec(transpose(S_g), u_g) + rest: one product over the concatenated u_g. */
export interface SumGroup {
  readonly root: Node;
  readonly terms: readonly { readonly s: Node; readonly u: Node }[];
  readonly rest: readonly Node[];
}
/** Deferred parameter gradient: Σ_rows outer(u_g, v) into consecutive parameters. */
export interface OuterGroup {
  readonly v: Node;
  readonly terms: readonly { readonly u: Node; readonly loc: Loc; readonly offset: number }[];
}

export type PlanItem =
  | {
      readonly kind: "map";
      readonly phase: RunPhase;
      readonly width: number;
      readonly nodes: Node[];
    }
  | { readonly kind: "mat"; readonly phase: RunPhase; readonly group: MatGroup }
  | { readonly kind: "sum"; readonly phase: RunPhase; readonly group: SumGroup }
  | { readonly kind: "node"; readonly phase: RunPhase; readonly node: Node }
  | { readonly kind: "outer"; readonly phase: RunPhase; readonly group: OuterGroup }
  | { readonly kind: "colsum"; readonly phase: RunPhase; readonly node: Node; readonly loc: Loc };

/** Everything the renderer needs: the plan, phases, readers and groupings. */
export interface Plan {
  readonly spec: ScanSpec;
  readonly order: readonly Node[];
  readonly phase: ReadonlyMap<Node, Phase>;
  readonly readers: ReadonlyMap<Node, readonly Node[]>;
  readonly items: Record<RunPhase, PlanItem[]>;
  readonly itemOf: ReadonlyMap<Node, PlanItem>;
  readonly matOf: ReadonlyMap<Node, MatGroup>;
  readonly sumOf: ReadonlyMap<Node, SumGroup>;
  /** Nodes stored into a concatenation buffer, with the request they belong to. */
  readonly concat: readonly (readonly Node[])[];
  /** Extra uses outside the graph: what must be readable over all rows. */
  readonly timeUse: ReadonlySet<Node>;
}

export interface ScanResult {
  readonly stmts: Record<RunPhase, Stmt[]>;
  readonly buffers: BufferDecl[];
  readonly locOf: (n: Node) => Loc | undefined;
}

const ROWISH = new Set<Phase>(["input", "carried", "pre", "loop", "post"]);

/** Is the node computed inside a fused elementwise map? */
export function ewLike(n: Node, shapes: Shapes): boolean {
  if (n.op.kind === "elementwise") return n.op.scalar !== undefined;
  if (n.op.kind === "reshape") return true;
  // a broadcast from one value per row is a plain load inside a map
  if (n.op.kind === "broadcast") return shapes.size(n.inputs[0]!) === 1;
  return false;
}

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
  const needed = new Set(
    topo(
      spec.carried.map((c) => c.next),
      stop,
    ),
  );
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
    if (p === "pre" && ewLike(c.next, shapes)) phase.set(c.next, "loop");
  }
  // 2. sink elementwise work of the pre phase into the one phase that reads it (no buffer)
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    if (phase.get(n) !== "pre" || !ewLike(n, shapes) || spec.keep.has(n) || isRoot.has(n)) continue;
    const ps = new Set(rd(n).map((r) => phase.get(r)));
    if (ps.size === 1) {
      const p = [...ps][0]!;
      if (p === "loop" || p === "post") phase.set(n, p);
    }
  }
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
  return renderPlan(plan, absorbed);
}
