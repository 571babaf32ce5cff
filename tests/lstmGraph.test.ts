/**
 * The LSTM step (PyTorch's gate order i, f, g, o, in the seed's notation U x + W h + b) built
 * with @gated/ops, and its simplified gradient graph w.r.t. x, h, c and every parameter. The
 * derivative reuses the forward σ and tanh values (no activation is recomputed), and the node
 * counts reported in the README are printed here.
 */

import {
  countNodes,
  evaluate,
  input,
  type Node,
  param,
  printLets,
  simplify,
  topo,
  vjp,
} from "@gated/graph";
import { matvec, sigmoid, tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { directional, dot, randomLike, relErr, type Values } from "./fd.js";

/** One LSTM step: returns the next (h, c), the parameters, and the inputs. */
export function lstmStep() {
  const x = input("x", ["I"]);
  const h = input("h", ["H"]);
  const c = input("c", ["H"]);
  const params: Node[] = [];
  const affine = (gate: string) => {
    const [U, W, b] = [
      param(`U_${gate}`, ["H", "I"]),
      param(`W_${gate}`, ["H", "H"]),
      param(`b_${gate}`, ["H"]),
    ];
    params.push(U, W, b);
    return matvec(U, x).add(matvec(W, h)).add(b);
  };
  const i = sigmoid(affine("i"));
  const f = sigmoid(affine("f"));
  const g = tanh(affine("g"));
  const o = sigmoid(affine("o"));
  const c2 = f.mul(c).add(i.mul(g));
  const h2 = o.mul(tanh(c2));
  return { x, h, c, params, h2, c2 };
}

const ops = (nodes: readonly Node[]) => topo(nodes).filter((n) => n.op.kind !== "leaf");

describe("LSTM step graph", () => {
  const { x, h, c, params, h2, c2 } = lstmStep();
  const wrt = [x, h, c, ...params];
  const dh = input("dh", ["H"]);
  const dc = input("dc", ["H"]);
  const raw = vjp([h2, c2], [dh, dc], wrt);
  const grads = simplify(raw);
  const forward = new Set(topo([h2, c2]));

  test("node counts (printed for the README)", () => {
    const gradOnly = topo(grads).filter((n) => !forward.has(n));
    const counts = {
      forwardNodes: countNodes([h2, c2]),
      forwardOps: ops([h2, c2]).length,
      gradNodesRaw: countNodes(raw),
      gradNodes: countNodes(grads),
      gradOps: ops(grads).length,
      gradNewOps: gradOnly.filter((n) => n.op.kind !== "leaf").length,
      forwardPlusGradOps: ops([h2, c2, ...grads]).length,
    };
    console.log(`LSTM step: ${JSON.stringify(counts)}\n${printLets(grads)}`);
    expect(counts.gradNodes).toBeLessThanOrEqual(counts.gradNodesRaw);
  });

  test("the gradient reuses the forward activations", () => {
    const acts = (nodes: readonly Node[]) =>
      topo(nodes).filter((n) => n.op === sigmoid || n.op === tanh);
    expect(acts(grads).every((n) => forward.has(n))).toBe(true);
    expect(acts([h2, c2, ...grads])).toHaveLength(5);
  });

  test("saturated gates (pre-activations near ±1e4) give finite values and gradients", () => {
    const sizes = { H: 3, I: 2 };
    const vals = randomLike([...wrt, dh, dc], sizes, 9);
    for (const k of ["x", "h"]) vals[k] = vals[k]!.map((v) => v * 1e4);
    for (const v of evaluate([h2, c2, ...grads], vals, sizes))
      expect(v.every(Number.isFinite)).toBe(true);
  });

  test("the gradient matches central differences", () => {
    const sizes = { H: 3, I: 2 };
    const leaves = [...wrt, dh, dc];
    const vals = randomLike(leaves, sizes, 5);
    const dir = randomLike(wrt, sizes, 6);
    const sym = dot(
      evaluate(grads, vals, sizes),
      wrt.map((n) => dir[n.label!]!),
    );
    const loss = (v: Values) => dot(evaluate([h2, c2], v, sizes), [vals["dh"]!, vals["dc"]!]);
    const fd = directional(loss, vals, dir);
    expect(relErr(sym, fd)).toBeLessThanOrEqual(1e-8);
  });
});
