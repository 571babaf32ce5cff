/**
 * The contraction passes of a sweep: where the speed comes from. `mergeSums`: Σ_g Sᵀ_g u_g over
 * static S_g → one product over the concatenated u_g. `deferOuterProducts`: parameter gradients
 * Σ_rows u ⊗ v → one product over all T·B rows after the sweep (the rest: column sums).
 * `groupSharedVector`: matvec(P_g, v) over static P_g → one product. `concatRequests`: the
 * vectors those products read side by side.
 */
import { describe, type Node } from "@gated/graph";
import type { Loc } from "../schedule/schedule.js";
import { foldConstant, isAdd } from "./analyze.js";
import {
  type ColSum,
  type Deferred,
  ewLike,
  type Grouped,
  type MatGroup,
  type Merged,
  type OuterGroup,
  type Phased,
  type Requested,
  ROWISH,
  readersOf,
  type ScanSpec,
  type SumGroup,
} from "./plan.js";

/** Read once, by a node of the sweep only (not kept, not a root): may be folded into a reader. */
const single = (spec: ScanSpec, p: Phased, n: Node) =>
  readersOf(p, n).length === 1 && !spec.keep.has(n) && !p.isRoot.has(n);

/**
 * The terms of the sum rooted at `root`: additions below it that `within` allows, read once and
 * not yet absorbed, are flattened into it (`internal`).
 */
function flattenSum(
  spec: ScanSpec,
  p: Phased,
  absorbed: ReadonlySet<Node>,
  root: Node,
  within: (t: Node) => boolean,
): { terms: Node[]; internal: Node[] } {
  const terms: Node[] = [];
  const internal: Node[] = [];
  const visit = (t: Node, top: boolean) => {
    if (isAdd(t.op) && (top || (within(t) && single(spec, p, t) && !absorbed.has(t)))) {
      if (!top) internal.push(t);
      for (const x of t.inputs) visit(x, false);
    } else terms.push(t);
  };
  visit(root, true);
  return { terms, internal };
}

const staticMatrix = (spec: ScanSpec, p: Phased, s: Node) =>
  p.phase.get(s) === "static" && spec.shapes.of(s).length === 2;
const offsetOf = (spec: ScanSpec, s: Node) => spec.params.get(s)?.offset ?? Infinity;

/** Σ_g matvec(transpose(S_g), u_g) + rest, S_g static, in one phase: one product (≥ 2 terms). */
export function mergeSums(spec: ScanSpec, p: Phased): Merged {
  const { shapes } = spec;
  const ph = (n: Node) => p.phase.get(n)!;
  const absorbed = new Set<Node>();
  const sumOf = new Map<Node, SumGroup>();
  for (let k = p.order.length - 1; k >= 0; k--) {
    const root = p.order[k]!;
    const at = ph(root);
    if (!isAdd(root.op) || absorbed.has(root) || (at !== "pre" && at !== "loop" && at !== "post"))
      continue;
    const size = shapes.size(root);
    const { terms, internal } = flattenSum(
      spec,
      p,
      absorbed,
      root,
      (t) => ph(t) === at && shapes.size(t) === size,
    );
    const cand = terms.filter(
      (t) =>
        t.op.kind === "matvec" &&
        t.inputs[0]!.op.kind === "transpose" &&
        staticMatrix(spec, p, t.inputs[0]!.inputs[0]!) &&
        ph(t) === at &&
        single(spec, p, t) &&
        shapes.size(t) === size &&
        ROWISH.has(ph(t.inputs[1]!)),
    );
    if (cand.length < 2) continue;
    const matrix = (t: Node) => t.inputs[0]!.inputs[0]!;
    const sorted = [...cand].sort((a, b) => offsetOf(spec, matrix(a)) - offsetOf(spec, matrix(b)));
    sumOf.set(root, {
      root,
      terms: sorted.map((t) => ({ s: matrix(t), u: t.inputs[1]! })),
      rest: terms.filter((t) => !cand.includes(t)),
    });
    for (const t of [...internal, ...cand]) absorbed.add(t);
  }
  return { ...p, sumOf, absorbed };
}

/** Is the node zero once constants are folded? (x·0 = 0 for finite x; the op says which inputs.) */
function zeroTest(spec: ScanSpec, p: Phased): (n: Node) => boolean {
  const memo = new Map<Node, boolean>();
  const isZero = (n: Node): boolean => {
    let z = memo.get(n);
    if (z !== undefined) return z;
    if (p.phase.get(n) === "const") z = foldConstant(n, spec.shapes.sizes).every((v) => v === 0);
    else if (["broadcast", "reshape", "transpose", "slice", "reduce"].includes(n.op.kind))
      z = isZero(n.inputs[0]!);
    else if (n.op.kind === "matvec" || n.op.kind === "matmul" || n.op.kind === "outer")
      z = n.inputs.some(isZero);
    else if (n.op.kind === "concat") z = n.inputs.every(isZero);
    else if (n.op.kind === "elementwise")
      z = (n.op.algebra?.zeroAbsorbing ?? []).some((i) => isZero(n.inputs[i]!));
    else z = false;
    memo.set(n, z);
    return z;
  };
  return isZero;
}

type OuterTerm = { readonly u: Node; readonly v: Node; readonly loc: Loc; readonly offset: number };

/**
 * Parameter gradients: each accumulator's sum is split into terms; outer products of per-row
 * vectors are deferred (grouped by v over consecutive parameters), every other term is summed
 * over the rows. A term without rows must be zero (the gradient is linear in the cotangents).
 */
export function deferOuterProducts(spec: ScanSpec, m: Merged): Deferred {
  const ph = (n: Node) => m.phase.get(n)!;
  const absorbed = new Set(m.absorbed);
  const isZero = zeroTest(spec, m);
  const outerTerms: OuterTerm[] = [];
  const colsums: ColSum[] = [];
  const deferrable = (n: Node) => ROWISH.has(ph(n)) && ph(n) !== "carried";
  const free = (t: Node) =>
    readersOf(m, t).every((r) => absorbed.has(r)) &&
    !spec.keep.has(t) &&
    !spec.carried.some((c) => c.next === t);
  for (const a of spec.accum) {
    const owned =
      readersOf(m, a.node).length === 0 && m.roots.filter((r) => r === a.node).length === 1;
    const { terms, internal } = owned
      ? flattenSum(spec, m, absorbed, a.node, () => true)
      : { terms: [a.node], internal: [] };
    if (owned && terms.length > 1) for (const t of [a.node, ...internal]) absorbed.add(t);
    else if (owned && terms[0] !== a.node) absorbed.add(a.node);
    for (const t of terms) {
      const tp = ph(t);
      if (tp === "const" || tp === "static") {
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
        single(spec, m, t.inputs[0]!)
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
  return { ...m, absorbed, outerGroups: groupOuterTerms(spec, outerTerms), colsums };
}

/** Deferred outer products grouped by v, over runs of consecutive parameters. */
function groupOuterTerms(spec: ScanSpec, outerTerms: readonly OuterTerm[]): OuterGroup[] {
  const { shapes } = spec;
  const groups: OuterGroup[] = [];
  const byV = new Map<Node, OuterTerm[]>();
  for (const t of outerTerms) byV.set(t.v, [...(byV.get(t.v) ?? []), t]);
  for (const [v, ts] of byV) {
    ts.sort((a, b) => a.offset - b.offset);
    let run: OuterTerm[] = [];
    const flush = () =>
      run.length &&
      groups.push({ v, terms: run.map(({ u, loc, offset }) => ({ u, loc, offset })) });
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
  return groups;
}

/**
 * Shared-vector products: matvec(P_g, v) with static P_g (`nt`: one product per v and phase), or
 * matvec(transpose(S), v) with static S (`nn`: each on its own), members side by side in layout
 * order.
 */
export function groupSharedVector(spec: ScanSpec, d: Deferred): Grouped {
  const { shapes } = spec;
  const ph = (n: Node) => d.phase.get(n)!;
  const matOf = new Map<Node, MatGroup>();
  const matKey = new Map<string, { kind: "nt" | "nn"; v: Node; members: Node[] }>();
  const vId = new Map<Node, number>();
  for (const n of d.order) {
    if (n.op.kind !== "matvec" || d.absorbed.has(n) || !ROWISH.has(ph(n))) continue;
    const [a, v] = n.inputs as [Node, Node];
    if (!ROWISH.has(ph(v))) continue;
    const nn = a.op.kind === "transpose" && staticMatrix(spec, d, a.inputs[0]!);
    if (!nn && !staticMatrix(spec, d, a) && ph(a) !== "const") continue;
    if (!vId.has(v)) vId.set(v, vId.size);
    const key = nn ? `nn${matKey.size}` : `nt${vId.get(v)}:${ph(n)}`;
    const g = matKey.get(key) ?? { kind: nn ? ("nn" as const) : ("nt" as const), v, members: [] };
    g.members.push(n);
    matKey.set(key, g);
  }
  for (const g of matKey.values()) {
    const pOf = (m: Node) => (g.kind === "nn" ? m.inputs[0]!.inputs[0]! : m.inputs[0]!);
    const ms = [...g.members].sort((a, b) => offsetOf(spec, pOf(a)) - offsetOf(spec, pOf(b)));
    let col = 0;
    const members = ms.map((m) => {
      const r = { node: m, p: pOf(m), col };
      col += shapes.size(m);
      return r;
    });
    const group: MatGroup = { kind: g.kind, v: g.v, members, width: col };
    for (const m of ms) matOf.set(m, group);
  }
  return { ...d, matOf };
}

/** The vectors a merged sum or a deferred gradient reads, stored side by side where mappable. */
export function concatRequests(spec: ScanSpec, g: Grouped): Requested {
  const mappable = (n: Node) => {
    const p = g.phase.get(n);
    return (
      ewLike(n, spec.shapes) && !g.absorbed.has(n) && (p === "pre" || p === "loop" || p === "post")
    );
  };
  const concat: Node[][] = [];
  const request = (us: Node[]) => {
    if (us.length < 2 || !us.every(mappable) || new Set(us).size !== us.length) return;
    if (!concat.some((c) => c.length === us.length && c.every((x, i) => x === us[i])))
      concat.push(us);
  };
  for (const s of g.sumOf.values()) request(s.terms.map((t) => t.u));
  for (const o of g.outerGroups) request(o.terms.map((t) => t.u));
  return { ...g, concat };
}
