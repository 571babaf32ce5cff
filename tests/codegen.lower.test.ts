/**
 * The lowering's first passes on a real cell (they need the ops' derivative rules): the named
 * VJP and the residuals, as values in and out.
 */
import { type Node, topo } from "@gated/graph";
import { describe, expect, test } from "vitest";
import { namedVjp } from "../packages/codegen/src/lower/cotangents.js";
import { problemOf, problemVjp } from "../packages/codegen/src/lower/problem.js";
import { residuals } from "../packages/codegen/src/lower/residuals.js";
import { gru, lstm } from "./codegenCells.js";

describe("namedVjp", () => {
  test("names the cotangents after the locals and leaves the gradient graph as it was", () => {
    for (const cell of [lstm(), gru()]) {
      const pr = problemOf(cell);
      const named = namedVjp(pr);
      const plain = problemVjp(pr);
      // the same (interned) gradient nodes: naming changes no arithmetic
      expect(named.vjp.grads.length).toBe(plain.grads.length);
      named.vjp.grads.forEach((g, k) => expect(g).toBe(plain.grads[k]));
      named.vjp.seeds.forEach((s, k) => expect(s.label).toBe(plain.seeds[k]!.label));
      // every named cotangent is a node of the backward graph
      const graph = new Set(topo(named.vjp.grads));
      for (const [n] of named.names) expect(graph.has(n)).toBe(true);
    }
  });

  test("LSTM: d_<gate>_pre for each gate's pre-activation, in the gates' order; the leaves", () => {
    const pr = problemOf(lstm());
    const { names, order, vjp } = namedVjp(pr);
    expect(order.map((n) => names.get(n))).toEqual([
      "d_i_pre",
      "d_f_pre",
      "d_g_pre",
      "d_o_pre",
      "d_c_next",
      "d_h_next",
    ]);
    expect(vjp.seeds.map((s) => names.get(s))).toEqual(["d_h", "d_c", "d_output"]);
    expect([...names.values()]).toEqual(
      expect.arrayContaining(["d_i", "d_f", "d_g", "d_o", "d_x", "d_h_prev", "d_c_prev"]),
    );
  });
});

describe("residuals", () => {
  test("LSTM: the gates, tanh(c'), the input and the states the backward graph reads", () => {
    const pr = problemOf(lstm());
    const name = new Map<Node, string>([
      ...(pr.locals ?? []),
      [pr.inputs[0]!.node, "x"],
      ...pr.states.map((s) => [s.node, s.name] as const),
    ]);
    const r = [...residuals(pr, problemVjp(pr))].map((n) => name.get(n) ?? n.op.name).sort();
    expect(r).toEqual(["c", "f", "g", "h", "i", "o", "tanh", "x"]);
  });
});
