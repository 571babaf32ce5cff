/**
 * Plain-text printers: infix where the op's notation says so, names for leaves. `printText`
 * shows sharing as a jaxpr does: a subexpression used more than once is bound to a name on a
 * line of its own (`v₁ = σ(U_f x + b_f)`) and referred to by that name
 * (`U_fᵀ (v₁ * (1 - v₁))`). The Unicode style (for terminals) also writes elementwise products
 * as ⊙ and primes as ′.
 */

import { constValue } from "../leaves.js";
import { type Node, setDescribe } from "../node.js";
import { topo } from "../traverse.js";
import { ATOM, attrText, NEG_PREC, type Rendered, renderNode, renderTree } from "./core.js";
import { bindEquations, type NamedNode } from "./equations.js";

/** A leaf as text: its name, or a constant's value (negative numbers bind like a prefix minus). */
export function textLeaf(n: Node): Rendered | undefined {
  if (n.op.kind !== "leaf") return undefined;
  const c = constValue(n);
  if (c !== undefined) return { s: String(c), prec: c < 0 ? NEG_PREC : ATOM };
  return { s: n.label ?? n.op.name, prec: ATOM };
}

export interface TextOptions {
  /** Print at most this deep, `…` below (always inline: a one-line description). */
  readonly maxDepth?: number;
  /**
   * Bind a subexpression used more than once when its inline form is longer than this many
   * characters (default 12: `σ(x)` stays inline, `σ(U_f x + b_f)` is bound); Infinity: never.
   */
  readonly shareLongerThan?: number;
  /** `"unicode"`: ⊙ for elementwise products of tensors, ′ for primes (terminal math). */
  readonly style?: "plain" | "unicode";
  /** Names for nodes, printed in place of their expressions (leaves like x or h). */
  readonly name?: (n: Node) => string | undefined;
}

const SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉";

/** `v₁`, `v₂`, …: bound names that no leaf of the graph uses. */
function tempNames(roots: readonly Node[], base = "v"): (k: number) => string {
  const taken = new Set(
    topo(roots)
      .filter((n) => n.op.kind === "leaf")
      .map((n) => n.label ?? n.op.name),
  );
  const made = new Map<number, string>();
  let offset = 0;
  return (k) => {
    let s = made.get(k);
    if (s !== undefined) return s;
    do s = `${base}${String(k + offset).replace(/\d/g, (d) => SUBSCRIPT[Number(d)]!)}`;
    while (taken.has(s) && ++offset);
    made.set(k, s);
    return s;
  };
}

/** Renders one node in a text style (the Unicode style writes ⊙ for tensor products). */
export function textNode(
  n: Node,
  args: readonly Rendered[],
  style: TextOptions["style"],
): Rendered {
  if (style !== "unicode" || n.op.name !== "mul" || !n.inputs.every((x) => x.shape.length > 0))
    return renderNode(n, args, "text");
  // the op's own notation (same precedence and parenthesization) with ⊙ for the product
  const notation = { ...n.op.notation, text: ([x, y]: readonly string[]) => `${x} ⊙ ${y}` };
  const odot = Object.create(n, { op: { value: { ...n.op, notation } } }) as Node;
  return renderNode(odot, args, "text");
}

function leafFor(opts: TextOptions): (n: Node) => Rendered | undefined {
  return (n) => {
    const s = opts.name?.(n);
    if (s !== undefined) return { s, prec: ATOM };
    const l = textLeaf(n);
    return l && opts.style === "unicode" ? { s: primes(l.s), prec: l.prec } : l;
  };
}

/** `h'` → `h′` (Unicode primes). */
export function primes(name: string): string {
  return name.replace(/'/g, "′");
}

/**
 * Prints an expression as text, parenthesized only where precedence needs it
 * (`σ(U_f x + W_f h + b_f)`). Subexpressions used more than once are let-bound (one line each,
 * before the expression that uses them); with a finite `maxDepth` (a number, or the option)
 * the result is one inline line, truncated with `…`.
 */
export function printText(n: Node, opts: number | TextOptions = {}): string {
  const o: TextOptions = typeof opts === "number" ? { maxDepth: opts } : opts;
  const leaf = leafFor(o);
  if (o.maxDepth !== undefined && o.maxDepth !== Infinity)
    return renderTree(n, "text", leaf, o.maxDepth).s;
  const { lines, bound } = bindEquations([], [n], {
    target: "text",
    leaf,
    shareLongerThan: o.shareLongerThan ?? 12,
    temp: tempNames([n]),
    render: (m, args) => textNode(m, args, o.style),
  });
  return [...lines.map(([l, r]) => `${l} = ${r}`), bound.get(n)!.s].join("\n");
}

export interface TextEquationOptions extends TextOptions {
  /** Name of the k-th bound intermediate (default `v₁`, `v₂`, … avoiding the leaves' names). */
  readonly temp?: (k: number) => string;
}

/**
 * A let-bound system of equations as text lines `name = expression`, in dependency order: the
 * text twin of `latexEquationLines` (same binding rule; names are taken as they are).
 */
export function textEquationLines(
  named: readonly NamedNode[],
  opts: TextEquationOptions = {},
): [string, string][] {
  return bindEquations(named, [], {
    target: "text",
    leaf: leafFor(opts),
    shareLongerThan: opts.shareLongerThan ?? 12,
    temp: opts.temp ?? tempNames(named.map((e) => e.node)),
    render: (m, args) => textNode(m, args, opts.style),
  }).lines;
}

/**
 * A let-bound listing: one line per non-leaf node (names t0, t1, …, or the caller's names),
 * then `return` of the outputs. Shows the DAG exactly, each node once.
 */
export function printLets(outputs: readonly Node[], names?: ReadonlyMap<Node, string>): string {
  const bound = new Map<Node, Rendered>();
  const lines: string[] = [];
  let k = 0;
  for (const n of topo(outputs)) {
    const leaf = textLeaf(n);
    if (leaf) {
      bound.set(n, leaf);
      continue;
    }
    const name = names?.get(n) ?? `t${k++}`;
    const rhs = renderNode(
      n,
      n.inputs.map((x) => bound.get(x)!),
      "text",
    );
    lines.push(`${name} = ${rhs.s}`);
    bound.set(n, { s: name, prec: ATOM });
  }
  lines.push(`return ${outputs.map((o) => bound.get(o)!.s).join(", ")}`);
  return lines.join("\n");
}

export { attrText };

setDescribe((n) => printText(n, 4));
