/**
 * The one precedence-aware renderer behind the text and LaTeX printers. It knows no op: each
 * op's `notation` facet gives its template, binding strength and which arguments it delimits
 * itself. A template that returns one of its arguments unchanged (broadcast, reshape in LaTeX)
 * is transparent: the node prints as that argument, with the argument's binding strength.
 */
import type { Attrs, Node } from "../node.js";

export type Target = "text" | "latex";

/** A printed expression and how tightly it binds (100: an atom). */
export interface Rendered {
  readonly s: string;
  readonly prec: number;
}

export const ATOM = 100;

/** Binding strength of a printed prefix minus, also used for negative numbers. */
export const NEG_PREC = 30;

/** Attributes shown in generic `name(args, key=value)` forms. */
export function attrText(n: Node): string[] {
  return Object.entries(n.attrs)
    .filter(([k]) => k !== "shape" || n.op.kind === "broadcast" || n.op.kind === "reshape")
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : String(v)}`);
}

function enclosedPositions(n: Node, target: Target, prec: number): (i: number) => boolean {
  const e = n.op.notation?.enclosed;
  const list =
    e === undefined
      ? undefined
      : Array.isArray(e)
        ? (e as readonly number[])
        : (e as { text?: readonly number[]; latex?: readonly number[] })[target];
  if (list) return (i) => list.includes(i);
  return () => prec >= ATOM;
}

/** Does the template just return argument k (a transparent node)? */
function transparentArg(
  f: (args: readonly string[], attrs: Attrs, node: Node) => string,
  n: Node,
  arity: number,
): number {
  const marks = Array.from({ length: arity }, (_, i) => `\u0000${i}\u0000`);
  const m = /^\u0000(\d+)\u0000$/.exec(f(marks, n.attrs, n));
  return m ? Number(m[1]) : -1;
}

/**
 * Renders one non-leaf node from its rendered inputs. Arguments are parenthesized when they
 * bind more loosely than the node needs: a left operand needs at least the node's strength,
 * a right operand (and the operand of a prefix/postfix op) strictly more.
 */
export function renderNode(n: Node, args: readonly Rendered[], target: Target): Rendered {
  const not = n.op.notation ?? {};
  const f = target === "latex" ? not.latex : not.text;
  if (!f) {
    const inner = [...args.map((a) => a.s), ...attrText(n)].join(", ");
    const s =
      target === "latex"
        ? `\\operatorname{${latexEscape(n.op.name)}}\\left(${inner}\\right)`
        : `${n.op.name}(${inner})`;
    return { s, prec: ATOM };
  }
  const k = transparentArg(f, n, args.length);
  if (k >= 0) return args[k]!;
  const prec = (target === "latex" ? not.latexPrec : undefined) ?? not.prec ?? ATOM;
  const enclosed = enclosedPositions(n, target, prec);
  const strs = args.map((a, i) => {
    if (enclosed(i)) return a.s;
    const strict = args.length === 1 || i > 0;
    const ok = strict ? a.prec > prec : a.prec >= prec;
    if (ok) return a.s;
    return target === "latex" ? `\\left(${a.s}\\right)` : `(${a.s})`;
  });
  return { s: f(strs, n.attrs, n), prec };
}

/** Escapes text for use inside LaTeX (`\operatorname{…}`, `\mathrm{…}`). */
export function latexEscape(s: string): string {
  return s.replace(/[\\{}$&#^_%~]/g, (c) =>
    c === "\\" ? "\\textbackslash{}" : c === "^" ? "\\hat{}" : c === "~" ? "\\sim{}" : `\\${c}`,
  );
}

/**
 * Renders a whole expression inline (a shared subexpression is rendered once and repeated;
 * use a let-bound listing for large DAGs). `leaf` gives the printed form of leaves and of any node the caller names (let-bound
 * variables); returning undefined for a non-leaf renders it from its inputs.
 */
export function renderTree(
  root: Node,
  target: Target,
  leaf: (n: Node) => Rendered | undefined,
  maxDepth = Infinity,
): Rendered {
  const memo = new Map<Node, Rendered>();
  const go = (n: Node, depth: number): Rendered => {
    const named = leaf(n);
    if (named) return named;
    if (depth <= 0) return { s: target === "latex" ? "\\dots" : "…", prec: ATOM };
    const hit = depth === Infinity ? memo.get(n) : undefined;
    if (hit) return hit;
    const r = renderNode(
      n,
      n.inputs.map((x) => go(x, depth - 1)),
      target,
    );
    if (depth === Infinity) memo.set(n, r);
    return r;
  };
  return go(root, maxDepth);
}
