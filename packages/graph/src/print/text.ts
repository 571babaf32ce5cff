/** Plain-text printer: infix where the op's notation says so, names for leaves. */

import { constValue } from "../leaves.js";
import { type Node, setDescribe } from "../node.js";
import { topo } from "../traverse.js";
import { ATOM, attrText, NEG_PREC, type Rendered, renderNode, renderTree } from "./core.js";

/** A leaf as text: its name, or a constant's value (negative numbers bind like a prefix minus). */
export function textLeaf(n: Node): Rendered | undefined {
  if (n.op.kind !== "leaf") return undefined;
  const c = constValue(n);
  if (c !== undefined) return { s: String(c), prec: c < 0 ? NEG_PREC : ATOM };
  return { s: n.label ?? n.op.name, prec: ATOM };
}

/**
 * Prints an expression as text, parenthesized only where precedence needs it
 * (`σ(U_f x + W_f h + b_f)`). Subexpressions used more than once are printed inline at each
 * use; `printLets` gives a let-bound listing that shows sharing.
 */
export function printText(n: Node, maxDepth = Infinity): string {
  return renderTree(n, "text", textLeaf, maxDepth).s;
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
