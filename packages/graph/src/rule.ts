/**
 * Rewrite rules as data: `rule("x * 1 -> x", P.op(mul, X, 1), ({ x }) => x)`. Patterns match
 * by op identity; commutative ops match either argument order; a variable seen twice must bind
 * the same (interned, hence identical) node.
 */

import { constValue } from "./leaves.js";
import { asNode, type Node, type OpDef, type Rule } from "./node.js";

export type Pattern =
  | { readonly kind: "var"; readonly name: string }
  | { readonly kind: "const"; readonly value: number }
  | { readonly kind: "anyConst"; readonly name: string }
  | { readonly kind: "op"; readonly op: OpDef; readonly args: readonly Pattern[] };

/** What a match bound: nodes by variable name, constant values by `anyConst` name. */
export type Match = Readonly<Record<string, Node>> & {
  readonly $: Readonly<Record<string, number>>;
};

export const P = {
  /** Any node, bound to `name`. */
  v: (name: string): Pattern => ({ kind: "var", name }),
  /** A constant node with this value (any shape). */
  c: (value: number): Pattern => ({ kind: "const", value }),
  /** Any constant node, its value bound to `m.$[name]`. */
  k: (name: string): Pattern => ({ kind: "anyConst", name }),
  /** The op applied to patterns; numbers stand for constants. */
  op: (op: OpDef, ...args: (Pattern | number)[]): Pattern => ({
    kind: "op",
    op,
    args: args.map((a) => (typeof a === "number" ? P.c(a) : a)),
  }),
};

/** The usual variables. */
export const X = P.v("x");
export const Y = P.v("y");
export const Z = P.v("z");

export function rule(doc: string, lhs: Pattern, rhs: (m: Match) => Node | number | null): Rule {
  return {
    doc,
    apply: (node) => {
      const m = match(lhs, node, { $: {} } as unknown as Bound);
      if (!m) return null;
      const r = rhs(m as Match);
      return r === null ? null : asNode(r);
    },
  };
}

type Bound = Record<string, Node> & { $: Record<string, number> };

function match(p: Pattern, n: Node, b: Bound): Bound | null {
  switch (p.kind) {
    case "var": {
      const prev = b[p.name];
      if (prev) return prev === n ? b : null;
      return { ...b, [p.name]: n } as Bound;
    }
    case "const":
      return constValue(n) === p.value ? b : null;
    case "anyConst": {
      const v = constValue(n);
      if (v === undefined) return null;
      const prev = b.$[p.name];
      if (prev !== undefined) return prev === v ? b : null;
      return { ...b, $: { ...b.$, [p.name]: v } } as Bound;
    }
    case "op": {
      if (n.op !== p.op || n.inputs.length !== p.args.length) return null;
      const direct = matchAll(p.args, n.inputs, b);
      if (direct || !p.op.commutative || p.args.length !== 2) return direct;
      return matchAll([p.args[1]!, p.args[0]!], n.inputs, b);
    }
  }
}

function matchAll(ps: readonly Pattern[], ns: readonly Node[], b: Bound): Bound | null {
  let cur: Bound | null = b;
  for (let i = 0; i < ps.length && cur; i++) cur = match(ps[i]!, ns[i]!, cur);
  return cur;
}
