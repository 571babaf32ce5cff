/**
 * Simplification on random graphs over the whole op set: it never changes a value (of the
 * graph or of its gradient graph), never adds an operation, and is idempotent (interning
 * makes the second pass return the very same nodes).
 */
import { test } from "@fast-check/vitest";
import { evaluate, input, type Node, simplify, topo, vjp } from "@gated/graph";
import { expect } from "vitest";
import { graphArb } from "./arbitraries.js";
import { randomLike, type Values } from "./fd.js";

const RUNS = Number(process.env["FC_RUNS"] ?? 0) || 500;

/** Operations (non-leaf nodes): what a kernel computes; x + x -> 2x trades one for a constant. */
const opCount = (nodes: readonly Node[]) => topo(nodes).filter((n) => n.op.kind !== "leaf").length;

function expectClose(a: readonly Float64Array[], b: readonly Float64Array[], what: string): void {
  a.forEach((x, k) =>
    x.forEach((v, i) => {
      const w = b[k]![i]!;
      expect(Math.abs(v - w), `${what}[${k}][${i}]: ${v} vs ${w}`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(v), Math.abs(w)),
      );
    }),
  );
}

test.prop([graphArb()], { numRuns: RUNS, seed: Number(process.env["FC_SEED"] ?? 3) })(
  "simplify keeps values, never adds an operation, and is idempotent",
  (g) => {
    const u = g.outputs.map((o, k) => input(`u${k}`, o.shape));
    const grads = vjp(g.outputs, u, g.leaves);
    const vals: Values = { ...g.bindings, ...randomLike(u, g.sizes, g.seed) };
    for (const [what, nodes] of [
      ["outputs", g.outputs],
      ["gradients", grads],
    ] as const) {
      const s = simplify(nodes);
      expectClose(evaluate(s, vals, g.sizes), evaluate(nodes, vals, g.sizes), what);
      expect(opCount(s), what).toBeLessThanOrEqual(opCount(nodes));
      expect(simplify(s), what).toEqual(s);
    }
  },
  Math.max(60_000, RUNS * 20),
);
