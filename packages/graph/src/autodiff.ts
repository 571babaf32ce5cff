/**
 * Symbolic differentiation. `vjp` (reverse mode), `grad` (of a scalar) and `jvp` (forward
 * mode) return new nodes, built from each op's own rules, which can be simplified, compiled
 * or differentiated again (Hessian-vector products, grad-of-grad).
 */

import { constant } from "./leaves.js";
import { describe, type Node, ops } from "./node.js";
import { formatShape, type Shape, sameShape } from "./shape.js";
import { dependsOn, topo } from "./traverse.js";

/**
 * Reverse mode: Σ_k cotangents[k]ᵀ · ∂outputs[k]/∂wrt[i], one node per `wrt`. A `wrt` the
 * outputs do not depend on gets zeros of its shape.
 */
export function vjp(
  outputs: readonly Node[],
  cotangents: readonly Node[],
  wrt: readonly Node[],
): Node[] {
  if (outputs.length !== cotangents.length) {
    throw new Error(`vjp: ${outputs.length} outputs but ${cotangents.length} cotangents`);
  }
  outputs.forEach((o, k) =>
    checkShape(cotangents[k]!, o.shape, () => `cotangent ${k} of ${describe(o)}`),
  );
  // 1. keep only the nodes between wrt and the outputs
  const live = dependsOn(outputs, new Set(wrt));
  const grads = new Map<Node, Node>();
  const accumulate = (n: Node, g: Node) => {
    const prev = grads.get(n);
    grads.set(n, prev ? ops().add(prev, g) : g); // 3. accumulate with add
  };
  outputs.forEach((o, k) => live.has(o) && accumulate(o, cotangents[k]!));
  // 2. walk in reverse topological order, calling each op's rule
  const order = topo(outputs);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    const g = grads.get(node);
    if (!g || node.op.kind === "leaf") continue;
    const contributions = node.op.vjp({ x: node.inputs, out: node, g, attrs: node.attrs });
    if (contributions.length !== node.inputs.length) {
      throw new Error(
        `vjp of ${node.op.name} gave ${contributions.length} results for ${node.inputs.length} inputs`,
      );
    }
    node.inputs.forEach((x, i) => {
      let c = contributions[i];
      if (c == null || !live.has(x)) return;
      // 4. sum over broadcast axes back to the input's shape
      if (!sameShape(c.shape, x.shape)) c = ops().sumTo(c, x.shape);
      // 5. check shapes
      checkShape(c, x.shape, () => `vjp of ${node.op.name} for input ${i} (${describe(x)})`);
      accumulate(x, c);
    });
  }
  return wrt.map((w) => grads.get(w) ?? constant(0, w.shape));
}

/** Gradient of a scalar `y` with respect to each of `wrt`. */
export function grad(y: Node, wrt: readonly Node[]): Node[] {
  if (y.shape.length !== 0) {
    throw new Error(
      `grad: ${describe(y)} has shape ${formatShape(y.shape)}; grad needs a scalar (use vjp)`,
    );
  }
  return vjp([y], [constant(1)], wrt);
}

/**
 * Forward mode: ∂outputs[k]/∂wrt · tangents, one node per output (zeros where the output does
 * not depend on `wrt`).
 */
export function jvp(
  outputs: readonly Node[],
  wrt: readonly Node[],
  tangents: readonly Node[],
): Node[] {
  if (wrt.length !== tangents.length)
    throw new Error(`jvp: ${wrt.length} wrt but ${tangents.length} tangents`);
  const tan = new Map<Node, Node | null>();
  wrt.forEach((w, i) => {
    checkShape(tangents[i]!, w.shape, () => `tangent ${i} of ${describe(w)}`);
    tan.set(w, tangents[i]!);
  });
  for (const node of topo(outputs)) {
    if (tan.has(node)) continue;
    const dx = node.inputs.map((x) => tan.get(x) ?? null);
    if (node.op.kind === "leaf" || dx.every((d) => d === null)) {
      tan.set(node, null);
      continue;
    }
    let t = node.op.jvp({ x: node.inputs, out: node, dx, attrs: node.attrs });
    if (t && !sameShape(t.shape, node.shape)) t = ops().broadcastTo(t, node.shape);
    if (t) checkShape(t, node.shape, () => `jvp of ${node.op.name} (${describe(node)})`);
    tan.set(node, t);
  }
  return outputs.map((o) => tan.get(o) ?? constant(0, o.shape));
}

function checkShape(n: Node, shape: Shape, what: () => string): void {
  if (!sameShape(n.shape, shape)) {
    throw new Error(`${what()}: gave ${formatShape(n.shape)}, expected ${formatShape(shape)}`);
  }
}
