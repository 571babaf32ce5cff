/** Traversal: topological order of everything reachable from some outputs. */
import type { Node } from "./node.js";

/**
 * Inputs before users, each node once, in a deterministic order (depth-first, inputs left to
 * right). Only reachable nodes appear, so this is also dead-code elimination. Nodes for which
 * `stop` holds are listed but not entered (their inputs are not visited through them).
 */
export function topo(outputs: readonly Node[], stop?: (n: Node) => boolean): Node[] {
  const seen = new Set<Node>();
  const order: Node[] = [];
  // iterative DFS: cells unrolled over long sequences make deep graphs
  const stack: [Node, number][] = [];
  for (const root of outputs) {
    if (seen.has(root)) continue;
    stack.push([root, 0]);
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [n, i] = top;
      if (i < n.inputs.length && !(stop && stop(n))) {
        top[1]++;
        const c = n.inputs[i]!;
        if (!seen.has(c)) {
          seen.add(c);
          stack.push([c, 0]);
        }
      } else {
        stack.pop();
        order.push(n);
      }
    }
  }
  return order;
}

/** Number of distinct nodes reachable from `outputs`. */
export function countNodes(outputs: readonly Node[]): number {
  return topo(outputs).length;
}

/** The leaves of a given kind ("input" or "param") reachable from `outputs`, in topo order. */
export function leavesOf(outputs: readonly Node[], opName: "input" | "param"): Node[] {
  return topo(outputs).filter((n) => n.op.kind === "leaf" && n.op.name === opName);
}

/** Users of each node within the graph reachable from `outputs`. */
export function users(outputs: readonly Node[]): Map<Node, Node[]> {
  const m = new Map<Node, Node[]>();
  for (const n of topo(outputs)) {
    for (const c of n.inputs) {
      const u = m.get(c);
      if (u) {
        if (!u.includes(n)) u.push(n);
      } else m.set(c, [n]);
    }
  }
  return m;
}

/** Does `n` depend on any node in `on`? Memoised over one call. */
export function dependsOn(outputs: readonly Node[], on: ReadonlySet<Node>): Set<Node> {
  const dep = new Set<Node>();
  for (const n of topo(outputs)) {
    if (on.has(n) || n.inputs.some((c) => dep.has(c))) dep.add(n);
  }
  return dep;
}
