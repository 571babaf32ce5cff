/**
 * The simplify driver. Before: any graph. After: the same values, with constants folded through
 * each op's own `evaluate` and every op's rewrite rules applied bottom-up to a fixed point.
 * The driver knows no op: rules live with the op they rewrite.
 */

import { constant, constValue } from "./leaves.js";
import { apply, type Node, ops, type Rule } from "./node.js";
import { sameShape } from "./shape.js";
import { topo } from "./traverse.js";

/** Simplifies each output; shared subgraphs are simplified once. */
export function simplify(outputs: readonly Node[]): Node[] {
  const memo = new Map<Node, Node>();
  for (const n of topo(outputs)) memo.set(n, rewrite(n, memo));
  return outputs.map((o) => memo.get(o)!);
}

const MAX_REWRITES = 64;

function rewrite(n: Node, memo: Map<Node, Node>): Node {
  if (n.op.kind === "leaf") return n;
  // rebuild on simplified inputs (interning shares what became equal)
  let cur = apply(
    n.op,
    n.inputs.map((x) => memo.get(x) ?? x),
    n.attrs,
  );
  for (let step = 0; step < MAX_REWRITES; step++) {
    const next = fold(cur) ?? firstRule(cur);
    if (!next || next === cur) return cur;
    cur = simplifyNew(next, memo);
  }
  return cur;
}

/**
 * Simplifies a node a rule produced, whose inputs may be new too. A node is marked as its own
 * result before it is rewritten, so rules that undo each other stop instead of recursing.
 */
function simplifyNew(n: Node, memo: Map<Node, Node>): Node {
  for (const m of topo([n])) {
    if (memo.has(m)) continue;
    memo.set(m, m);
    memo.set(m, rewrite(m, memo));
  }
  return memo.get(n)!;
}

/** Constant folding: an elementwise op over constants is the constant its `evaluate` gives. */
function fold(n: Node): Node | null {
  if (n.op.kind !== "elementwise" || !n.inputs.every((x) => constValue(x) !== undefined))
    return null;
  const scalars = n.inputs.map((x) => ({ shape: [], data: Float64Array.of(constValue(x)!) }));
  const v = n.op.evaluate(scalars, n.attrs, [])[0]!;
  return Number.isFinite(v) ? constant(v, n.shape) : null;
}

const ruleCache = new WeakMap<object, readonly Rule[]>();

function firstRule(n: Node): Node | null {
  let rules = ruleCache.get(n.op);
  if (!rules) ruleCache.set(n.op, (rules = n.op.rules?.() ?? []));
  for (const rule of rules) {
    const r = tryRule(rule, n);
    if (r) return r;
  }
  return null;
}

function tryRule(rule: Rule, n: Node): Node | null {
  const r = rule.apply(n);
  if (!r) return null;
  if (sameShape(r.shape, n.shape)) return r;
  // a rule may drop a broadcast (x * 1 -> x with x scalar): restore the node's shape
  try {
    return ops().broadcastTo(r, n.shape);
  } catch {
    throw new Error(`rule "${rule.doc}" changed the shape of ${n.op.name} node`);
  }
}
