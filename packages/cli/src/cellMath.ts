/**
 * A cell's equations, and the gradient equations of one BPTT step, as Unicode math for the
 * terminal (`gated show`): σ, tanh, ⊙ for elementwise products, ᵀ, primes for the next state
 * (h′ = …), ∂ for cotangents (∂h′ is given, and ∂y for an output of its own, `output y = …`;
 * ∂f, ∂x, ∂h and ∂U_f += … follow). The same
 * derivation as the LaTeX in the report (`vjp` then `simplify`), printed by @gated/graph's
 * let-binding text printer; shared intermediates are δ₁, δ₂, ….
 */
import { stepVjp } from "@gated/codegen";
import { type NamedNode, type Node, primes, simplify, textEquationLines } from "@gated/graph";
import { type Cell, hasOwnOutput } from "@gated/rnn";

const SUB = "₀₁₂₃₄₅₆₇₈₉";
const delta = (k: number) => `δ${String(k).replace(/\d/g, (d) => SUB[Number(d)]!)}`;

/** Forward names: x and the states by name, locals by name, next states primed. */
function forward(cell: Cell): { leaves: Map<Node, string>; named: NamedNode[]; locals: number } {
  const leaves = new Map<Node, string>([[cell.x, cell.x.label ?? "x"]]);
  for (const s of cell.state) leaves.set(s.node, s.name);
  const nexts = new Set(cell.state.map((s) => s.next));
  const named: NamedNode[] = [];
  for (const [n, name] of cell.locals)
    if (!nexts.has(n) && n.op.kind !== "leaf" && !name.endsWith("'"))
      named.push({ name: primes(name), node: n });
  const locals = named.length;
  for (const s of cell.state) named.push({ name: `${s.name}′`, node: s.next });
  return { leaves, named, locals };
}

/** `lhs = rhs` lines; a sink (a parameter's accumulator, named `∂W +`) reads `∂W += rhs`. */
const lines = (ls: readonly [string, string][]) =>
  ls.map(([l, r]) => (l.endsWith(" +") ? `${l.slice(0, -2)} += ${r}` : `${l} = ${r}`)).join("\n");

/** The step equations, e.g. `f = σ(U_f x + W_f h + b_f)` … `h′ = (1 - f) ⊙ h + f ⊙ n`. */
export function cellUnicode(cell: Cell): string {
  const { leaves, named } = forward(cell);
  return lines(
    textEquationLines(named, {
      style: "unicode",
      name: (n) => leaves.get(n),
      shareLongerThan: Infinity,
    }),
  );
}

/** One BPTT step: cotangents of the locals, of x and of the previous states, and `∂U_f += …`. */
export function cellGradientUnicode(cell: Cell): string {
  const { leaves, named: fwd, locals } = forward(cell);
  // an output of its own (`output y = …`) gets its cotangent ∂y given, like the next states
  const own = hasOwnOutput(cell);
  const outName = cell.locals.get(cell.output) ?? "y";
  const loc = fwd.slice(0, locals).filter((l) => !own || l.node !== cell.output);
  // the step VJP every kernel uses (wrt x, the states, the params, then the locals)
  const { seeds: cots, grads } = stepVjp(cell, {
    outputs: own,
    wrt: loc.map((l) => l.node),
    simplify: false,
  });
  // simplify gradients and forward values together, so forward values keep their names
  const all = simplify([...grads, ...fwd.map((f) => f.node)]);
  const names = new Map(leaves);
  cell.state.forEach((s, k) => names.set(cots[k]!, `∂${s.name}′`));
  if (own) names.set(cots[cell.state.length]!, `∂${primes(outName)}`);
  fwd.forEach((f, k) => {
    const n = all[grads.length + k]!;
    if (!names.has(n) && n.op.kind !== "leaf") names.set(n, f.name);
  });
  const nS = cell.state.length;
  const nP = cell.params.length;
  const named: NamedNode[] = [];
  loc.forEach((l, k) => named.push({ name: `∂${l.name}`, node: all[1 + nS + nP + k]! }));
  named.push({ name: `∂${cell.x.label ?? "x"}`, node: all[0]! });
  cell.state.forEach((s, k) => named.push({ name: `∂${s.name}`, node: all[1 + k]! }));
  cell.params.forEach((p, k) =>
    named.push({ name: `∂${p.label!} +`, node: all[1 + nS + k]!, sink: true }),
  );
  return lines(
    textEquationLines(named, { style: "unicode", name: (n) => names.get(n), temp: delta }),
  );
}
