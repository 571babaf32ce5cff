/**
 * A cell's equations in LaTeX, in the seed's notation (the Deep Learning book): x^{(t)}, the
 * previous state h^{(t-1)}, gates and next state at time t, parameters U^{f}, W^{f}, b^{f}; and
 * the equations of one backpropagation-through-time step, derived by `vjp` and `simplify`.
 */

import { stepVjp } from "@gated/codegen";
import { latexEquationLines, latexName, type NamedNode, type Node, simplify } from "@gated/graph";
import { type Cell, hasOwnOutput } from "../defineCell.js";
import { definitionOrder } from "./order.js";

const at = (name: string, t: string) => `${latexName(name)}^{(${t})}`;

/** Forward names: x^{(t)}, states at t−1, locals and next states at t. */
function forwardNames(cell: Cell): {
  leaves: Map<Node, string>;
  named: { name: string; node: Node; raw: string }[];
} {
  const leaves = new Map<Node, string>([[cell.x, at(cell.x.label ?? "x", "t")]]);
  for (const s of cell.state) leaves.set(s.node, at(s.name, "t-1"));
  const nextOf = new Map<Node, string>();
  for (const s of cell.state) if (!nextOf.has(s.next)) nextOf.set(s.next, s.name);
  const named: { name: string; node: Node; raw: string }[] = [];
  for (const n of definitionOrder(cell)) {
    const local = cell.locals.get(n);
    if (local !== undefined && !nextOf.has(n) && n.op.kind !== "leaf" && !local.endsWith("'"))
      named.push({ name: at(local, "t"), node: n, raw: local });
  }
  for (const s of cell.state) named.push({ name: at(s.name, "t"), node: s.next, raw: s.name });
  return { leaves, named };
}

/** The lines of `cellLatex` as [lhs, rhs] pairs. */
export function cellLatexLines(cell: Cell): [string, string][] {
  const { leaves, named } = forwardNames(cell);
  return latexEquationLines(named, { name: (n) => leaves.get(n), shareLongerThan: Infinity });
}

/**
 * The cell's equations as an `aligned` block, one per named value, e.g. for the MGU
 * `f^{(t)} &= \sigma\left(U^{f} x^{(t)} + W^{f} h^{(t-1)} + b^{f}\right)`.
 */
export function cellLatex(cell: Cell): string {
  return aligned(cellLatexLines(cell));
}

/**
 * One BPTT step: given the cotangents of the next states (\bar{h}^{(t)}, …), the cotangents of
 * each gate, of x^{(t)}, of the previous states and this step's contribution to each parameter's
 * gradient (`\bar{U}^{f} \mathrel{+}= …`). Forward values are referred to by name (σ' is written
 * on f^{(t)}), and shared subexpressions are bound to \delta_{k}.
 */
export function cellGradientLines(cell: Cell): [string, string][] {
  const { leaves, named: fwd } = forwardNames(cell);
  const ownOutput = hasOwnOutput(cell);
  // an output of its own is given its cotangent (\bar{y}^{(t)}, a seed), not derived
  const locals = fwd
    .slice(0, fwd.length - cell.state.length)
    .filter((l) => !ownOutput || l.node !== cell.output);
  // the step VJP every kernel uses: next states seeded (the output too when it is a value of
  // its own, `output y = …`; else it is a next state), the gates differentiated too; simplified
  // below together with the forward values
  const { seeds: cots, grads } = stepVjp(cell, {
    outputs: ownOutput,
    wrt: locals.map((l) => l.node),
    simplify: false,
  });
  // simplify gradients and forward values together, so forward values keep their names
  const all = simplify([...grads, ...fwd.map((f) => f.node)]);
  const names = new Map(leaves);
  const bar = (name: string, t: string) => `${latexName(name, "input", "bar")}^{(${t})}`;
  cell.state.forEach((s, k) => names.set(cots[k]!, bar(s.name, "t")));
  const outName = cell.locals.get(cell.output) ?? "y";
  if (ownOutput) names.set(cots[cell.state.length]!, bar(outName, "t"));
  fwd.forEach((f, k) => {
    const n = all[grads.length + k]!;
    if (!names.has(n) && n.op.kind !== "leaf") names.set(n, f.name);
  });
  const g = (k: number) => all[k]!;
  const nS = cell.state.length;
  const nP = cell.params.length;
  const named: NamedNode[] = [];
  locals.forEach((l, k) => named.push({ name: bar(l.raw, "t"), node: g(1 + nS + nP + k) }));
  named.push({ name: bar(cell.x.label ?? "x", "t"), node: g(0) });
  cell.state.forEach((s, k) => named.push({ name: bar(s.name, "t-1"), node: g(1 + k) }));
  cell.params.forEach((p, k) =>
    named.push({
      name: `${latexName(p.label!, "param", "bar")} \\mathrel{+}`,
      node: g(1 + nS + k),
      sink: true,
    }),
  );
  return latexEquationLines(named, { name: (n) => names.get(n), temp: (k) => `\\delta_{${k}}` });
}

/** `cellGradientLines` as an `aligned` block. */
export function cellGradientLatex(cell: Cell): string {
  return aligned(cellGradientLines(cell));
}

function aligned(lines: readonly [string, string][]): string {
  return `\\begin{aligned}\n${lines.map(([l, r]) => `${l} &= ${r}`).join(" \\\\\n")}\n\\end{aligned}`;
}
