/** Plain-text printer: infix where the op's notation says so, names for leaves. */
import { setDescribe, type Node } from "../node.js";
import { topo } from "../traverse.js";

/**
 * Prints an expression as text. Subexpressions used more than once are still printed inline;
 * use `printLets` for a let-bound listing that shows sharing.
 */
export function printText(n: Node, maxDepth = Infinity): string {
  return go(n, maxDepth).text;
}

function go(n: Node, depth: number): { text: string; prec: number } {
  const prec = n.op.notation?.prec ?? 100;
  if (depth <= 0 && n.op.kind !== "leaf") return { text: "…", prec: 100 };
  const args = n.inputs.map((x) => {
    const a = go(x, depth - 1);
    return a.prec < prec || (a.prec === prec && prec < 100 && x !== n.inputs[0]) ? `(${a.text})` : a.text;
  });
  const f = n.op.notation?.text;
  const text = f ? f(args, n.attrs) : `${n.op.name}(${[...args, ...attrText(n)].join(", ")})`;
  return { text, prec };
}

function attrText(n: Node): string[] {
  return Object.entries(n.attrs)
    .filter(([k]) => k !== "shape" || n.op.kind === "broadcast" || n.op.kind === "reshape")
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : String(v)}`);
}

/** A let-bound listing: one line per non-leaf node, names t0, t1, … */
export function printLets(outputs: readonly Node[]): string {
  const names = new Map<Node, string>();
  const lines: string[] = [];
  let k = 0;
  for (const n of topo(outputs)) {
    if (n.op.kind === "leaf") {
      names.set(n, n.label ?? printText(n));
      continue;
    }
    const name = `t${k++}`;
    names.set(n, name);
    const args = n.inputs.map((x) => names.get(x)!);
    const f = n.op.notation?.text;
    lines.push(`${name} = ${f ? f(args, n.attrs) : `${n.op.name}(${[...args, ...attrText(n)].join(", ")})`}`);
  }
  lines.push(`return ${outputs.map((o) => names.get(o)).join(", ")}`);
  return lines.join("\n");
}

setDescribe((n) => printText(n, 4));
