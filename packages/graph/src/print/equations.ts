/**
 * Let-binding, the one algorithm behind every printer that shows sharing (LaTeX equation
 * systems, `printText`, the terminal's Unicode equations): walk the DAG once in dependency
 * order, give each named node its own line, bind a node used more than once (and long enough
 * to be worth it) to a fresh name, and print everything else inline. As in a jaxpr, every node
 * is printed once, and a bound name is defined before its first use.
 */
import type { Node } from "../node.js";
import { topo } from "../traverse.js";
import { ATOM, type Rendered, renderNode, type Target } from "./core.js";

/**
 * One equation of a let-bound system. With `sink`, the line is printed but other equations do
 * not refer to the node by this name (a parameter's gradient accumulator `\bar{W} \mathrel{+}`).
 */
export interface NamedNode {
  readonly name: string;
  readonly node: Node;
  readonly sink?: boolean;
}

export interface BindOptions {
  readonly target: Target;
  /** Printed form of leaves and of nodes the caller names inline (no equation of their own). */
  readonly leaf: (n: Node) => Rendered | undefined;
  /** Bind a node used more than once only when its inline form is longer than this. */
  readonly shareLongerThan: number;
  /** Name of the k-th bound intermediate (k = 1, 2, …). */
  readonly temp: (k: number) => string;
  /** Renders a non-leaf node from its rendered inputs (default `renderNode` for the target). */
  readonly render?: (n: Node, args: readonly Rendered[]) => Rendered;
}

export interface Bound {
  /** [lhs, rhs] in dependency order. */
  readonly lines: [string, string][];
  /** How each visited node is referred to: its name, or its inline form. */
  readonly bound: ReadonlyMap<Node, Rendered>;
}

/** How often each node occurs as an input (a node used twice by one user counts twice). */
export function useCounts(outputs: readonly Node[]): Map<Node, number> {
  const m = new Map<Node, number>();
  for (const n of topo(outputs)) for (const c of n.inputs) m.set(c, (m.get(c) ?? 0) + 1);
  return m;
}

/** Let-binds the equations `named` and the expressions `roots` (see the module comment). */
export function bindEquations(
  named: readonly NamedNode[],
  roots: readonly Node[],
  opts: BindOptions,
): Bound {
  const render = opts.render ?? ((n, args) => renderNode(n, args, opts.target));
  const outputs = [...named.map((e) => e.node), ...roots];
  const uses = useCounts(outputs);
  for (const r of roots) uses.set(r, (uses.get(r) ?? 0) + 1);
  const names = new Map<Node, string[]>();
  const sinks = new Map<Node, string[]>();
  for (const e of named) {
    const m = e.sink ? sinks : names;
    m.set(e.node, [...(m.get(e.node) ?? []), e.name]);
  }
  const bound = new Map<Node, Rendered>();
  const lines: [string, string][] = [];
  let k = 0;
  for (const n of topo(outputs)) {
    const own = names.get(n);
    const given = opts.leaf(n);
    const args = given ? [] : n.inputs.map((x) => bound.get(x)!);
    const inline = given ?? render(n, args);
    // a transparent node (a broadcast) prints as its argument: binding it would bind that
    const transparent = args.includes(inline);
    if (own) {
      // a named node that is itself a leaf or caller-named still gets its equation
      lines.push([own[0]!, inline.s]);
      for (const alias of own.slice(1)) lines.push([alias, own[0]!]);
      bound.set(n, given ?? { s: own[0]!, prec: ATOM });
    } else if (
      !given &&
      !transparent &&
      (uses.get(n) ?? 0) + (sinks.get(n)?.length ?? 0) >= 2 &&
      inline.s.length > opts.shareLongerThan
    ) {
      const t = opts.temp(++k);
      lines.push([t, inline.s]);
      bound.set(n, { s: t, prec: ATOM });
    } else bound.set(n, inline);
    for (const sink of sinks.get(n) ?? []) lines.push([sink, bound.get(n)!.s]);
  }
  return { lines, bound };
}
