/**
 * Audit: the equation syntax. printCell of random builder cells parses back to the very same
 * next-state nodes (interning makes that an identity check), and tricky but valid texts parse to
 * the graph their builder form gives.
 */

import { type Cell, defineCell, evaluate, parseCell, printCell, sigmoid, sub, tanh } from "gated";
import { describe, expect, test } from "vitest";
import { randomCell, rng, wideCell } from "./cellgen.js";

function roundTrip(cell: Cell): string | undefined {
  let text = "";
  try {
    text = printCell(cell);
    const back = parseCell(text);
    const same =
      cell.state.every((s, k) => back.state[k]!.next === s.next) && back.output === cell.output;
    const layout =
      back.params.map((p) => p.label).join(",") === cell.params.map((p) => p.label).join(",");
    if (!same) return `${cell.name}: next states differ after the round trip\n${text}`;
    if (!layout)
      return `${cell.name}: parameter order differs: ${back.params.map((p) => p.label)} vs ${cell.params.map((p) => p.label)}\n${text}`;
    const roles = back.paramInfo
      .map((p) => `${p.name}:${p.role}:${JSON.stringify(p.init)}`)
      .join(" ");
    const roles0 = cell.paramInfo
      .map((p) => `${p.name}:${p.role}:${JSON.stringify(p.init)}`)
      .join(" ");
    if (roles !== roles0) return `${cell.name}: roles/init differ: ${roles} vs ${roles0}\n${text}`;
  } catch (e) {
    return `${cell.name}: ${(e as Error).message}\n${text}`;
  }
  return undefined;
}

describe("audit: printCell → parseCell round trip on random builder cells", () => {
  test("random gated cells (peepholes, shared params, several states, non-h output)", () => {
    const fails: string[] = [];
    for (let seed = 1; seed <= 60; seed++) {
      const f = roundTrip(randomCell(rng(seed), `rc${seed}`));
      if (f) fails.push(f);
    }
    expect(fails.slice(0, 3)).toEqual([]);
  });
  test("wide op set cells (reductions, softmax, where, matmul, reshape, scalar params)", () => {
    const fails: string[] = [];
    for (let seed = 1; seed <= 60; seed++) {
      const f = roundTrip(wideCell(rng(7000 + seed), `wc${seed}`));
      if (f) fails.push(f);
    }
    expect(fails.slice(0, 3)).toEqual([]);
  });
});

describe("audit: tricky valid texts", () => {
  const builder = defineCell({
    name: "t",
    state: { h: "H" },
    step: ({ x, h }, { affine }) => {
      const f = sigmoid(affine("f", x, h));
      return { h: f.mul(h).add(sub(1, f).mul(tanh(affine("n", x, f.mul(h))))) };
    },
  });
  test.each([
    [
      "comments, ; separators, continuation lines",
      `# c
cell t(x[I]; h[H]) {  # header
  f = sigmoid(U_f x + W_f h   # trailing comment inside parens
      + b_f); n = tanh(U_n x
    + W_n (f * h) + b_n)
  h' = f * h
     + (1 - f) * n
}`,
    ],
    [
      "CRLF line endings and tabs",
      "cell t(x[I]; h[H]) {\r\n\tf = sigmoid(U_f x + W_f h + b_f)\r\n\tn = tanh(U_n x + W_n (f * h) + b_n)\r\n\th' = f * h + (1 - f) * n\r\n}\r\n",
    ],
  ])("%s", (_n, text) => {
    const c = parseCell(text);
    expect(c.state[0]!.next).toBe(builder.state[0]!.next);
  });
  test("numbers: 1e-3, negative literals, 1[H], unary minus: values as written", () => {
    const c = parseCell(
      "cell t(x[I]; h[H]) {\n  h' = tanh(W h + 1e-3 * 1[H] - -0.5 * h - -(sum(x) * 0 + 2) * 1[H] + sum(U[H, I] x) * 1[H])\n}",
    );
    const H = [0.3, -0.7],
      W = [0.1, 0.2, -0.3, 0.4],
      U = [0.5, -0.25, 1, 2],
      x = [1, -1];
    const v = evaluate(c.state[0]!.next, { h: H, W, U, x }, { H: 2, I: 2 });
    const su = U[0]! * x[0]! + U[1]! * x[1]! + U[2]! * x[0]! + U[3]! * x[1]!;
    [0, 1].forEach((i) => {
      const wh = W[2 * i]! * H[0]! + W[2 * i + 1]! * H[1]!;
      expect(v[i]).toBeCloseTo(Math.tanh(wh + 1e-3 + 0.5 * H[i]! + 2 + su), 14);
    });
  });
});
