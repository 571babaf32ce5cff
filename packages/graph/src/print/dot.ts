/**
 * Graphviz DOT printer: one DOT node per graph node (shared subexpressions appear once), edges
 * from inputs to users, labelled with the input position where the op is not commutative.
 * Every label is escaped, so no name or attribute can break out of its string.
 */

import { constValue } from "../leaves.js";
import type { Node } from "../node.js";
import { formatShape } from "../shape.js";
import { topo } from "../traverse.js";
import { attrText } from "./core.js";

/** Escapes a string for a double-quoted DOT string (quotes, backslashes, control characters). */
export function dotEscape(s: string): string {
  return s
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, "\\n")
    .replace(/[\u0000-\u001f\u007f]/g, " ");
}

export interface DotOptions {
  /** Graph name (escaped). */
  readonly name?: string;
  /** Labels for nodes the caller names (cell locals such as gates); shown above the op. */
  readonly names?: ReadonlyMap<Node, string>;
  /** Show each node's shape (default true). */
  readonly shapes?: boolean;
}

/** The graph reachable from `outputs` as DOT text; outputs are drawn with a double border. */
export function printDot(outputs: readonly Node[], opts: DotOptions = {}): string {
  const lines = [
    `digraph "${dotEscape(opts.name ?? "graph")}" {`,
    "  rankdir=BT;",
    '  node [fontname="Helvetica"];',
  ];
  const outs = new Set(outputs);
  const order = topo(outputs);
  for (const n of order) {
    const parts: string[] = [];
    const local = opts.names?.get(n);
    if (local !== undefined) parts.push(local);
    const c = constValue(n);
    if (c !== undefined) parts.push(String(c));
    else if (n.op.kind === "leaf") parts.push(n.label ?? n.op.name);
    else parts.push([n.op.name, ...attrText(n)].join(" "));
    if (opts.shapes !== false) parts.push(formatShape(n.shape));
    const shape =
      n.op.kind !== "leaf"
        ? "ellipse"
        : n.op.name === "param"
          ? "box"
          : c !== undefined
            ? "plaintext"
            : "invhouse";
    const extra = outs.has(n) ? ", peripheries=2" : "";
    lines.push(`  n${n.id} [label="${dotEscape(parts.join("\n"))}", shape=${shape}${extra}];`);
  }
  for (const n of order) {
    n.inputs.forEach((x, i) => {
      const label = n.inputs.length > 1 && !n.op.commutative ? ` [label="${i}"]` : "";
      lines.push(`  n${x.id} -> n${n.id}${label};`);
    });
  }
  lines.push("}");
  return lines.join("\n");
}
