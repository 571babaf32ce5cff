/** packedLayout: the problem's parameters → their slots in P, matrices of one vector side by side. */
import { input, param } from "@gated/graph";
import { expect, test } from "vitest";
import { Shapes } from "../../src/lower/analyze.js";
import { packedLayout } from "../../src/lower/layout.js";
import type { Problem } from "../../src/lower/problem.js";
import { Namer } from "../../src/names.js";
import { add, matvec, tanh } from "./miniOps.js";

test("matrices multiplying the same vector are placed together, in the problem's order", () => {
  const x = input("x", ["I"]);
  const h = input("h", ["H"]);
  const [U1, W1, b1, U2, W2] = [
    param("U1", ["H", "I"]),
    param("W1", ["H", "H"]),
    param("b1", ["H"]),
    param("U2", ["H", "I"]),
    param("W2", ["H", "H"]),
  ];
  const next = add(
    tanh(add(add(matvec(U1, x), matvec(W1, h)), b1)),
    tanh(add(matvec(U2, x), matvec(W2, h))),
  );
  const pr: Problem = {
    name: "t",
    inputs: [{ name: "x", node: x }],
    states: [{ name: "h", node: h, next }],
    outputs: [{ name: "output", node: next }],
    params: [U1, W1, b1, U2, W2],
  };
  const layout = packedLayout(pr, new Shapes({ I: 2, H: 3 }), new Namer());
  expect(layout.slots.map((s) => [s.name, s.offset])).toEqual([
    ["U1", 0],
    ["U2", 6],
    ["W1", 12],
    ["W2", 21],
    ["b1", 30],
  ]);
  expect(layout).toMatchObject({ size: 33, buf: "P" });
  expect(layout.params.get(W2)).toMatchObject({ offset: 21, loc: { buf: "P", scope: "static" } });
});
