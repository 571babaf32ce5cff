/**
 * The input's projection (`project x = P x`, issue 12 §3): a highway/residual cell whose input
 * has another size than H, declared once; without it, the size mismatch is one line at the x
 * naming its dim and H.
 */
import { describe, expect, test } from "vitest";
import { CellShapeError, CellSyntaxError, parseCell, printCell } from "../src/index.js";

const HIGHWAY = `cell highway(x[I]; h[H]) {
  project x = P x
  f  = sigmoid(W_f h + U_f x + b_f)
  h' = f * tanh(W h + U x + b) + (1 - f) * x
}`;

describe("project x = P x", () => {
  test("elementwise uses of x are P x; U x, U_f x stay the input; P is [H, I], role input", () => {
    const c = parseCell(HIGHWAY);
    const same = parseCell(`cell highway(x[I]; h[H]) {
  f  = sigmoid(W_f h + U_f x + b_f)
  h' = f * tanh(W h + U x + b) + (1 - f) * P[H, I] x
}`);
    expect(c.state[0]!.next).toBe(same.state[0]!.next);
    expect(c.paramInfo.find((p) => p.name === "P")).toMatchObject({
      shape: ["H", "I"],
      role: "input",
    });
    expect(c.paramInfo.find((p) => p.name === "U")!.shape).toEqual(["H", "I"]);
  });

  test("every use shares one P; a def's body is projected too; printCell round-trips", () => {
    const c = parseCell(`cell res(x[I]; h[H]) {
  project x = P x
  def mix(a) = a + x
  h' = tanh(mix(W h)) * x - x
}`);
    expect(c.paramInfo.map((p) => p.name)).toEqual(["W", "P"]);
    const back = parseCell(printCell(c));
    expect(back.state[0]!.next).toBe(c.state[0]!.next);
    expect(printCell(c)).not.toContain("project");
  });

  test("a negated x is an operand too: -x is -(P x), and without a projection the error is at x", () => {
    const c = parseCell("cell n(x[I]; h[H]) {\n  project x = P x\n  h' = tanh(W h) + -x\n}");
    const same = parseCell("cell n(x[I]; h[H]) {\n  h' = tanh(W h) + -(P[H, I] x)\n}");
    expect(c.state[0]!.next).toBe(same.state[0]!.next);
    expect(parseCell(printCell(c)).state[0]!.next).toBe(c.state[0]!.next);
    expect(() => parseCell("cell n(x[I]; h[H]) {\n  h' = tanh(W h) + -x\n}")).toThrow(
      /^2:21: x is \[I\] but meets \[H\] values elementwise here/,
    );
  });

  test("with I = H (x[H]) no projection is needed", () => {
    expect(() => parseCell(`cell r(x[H]; h[H]) {\n  h' = tanh(W h) + x\n}`)).not.toThrow();
  });
});

describe("errors: one line at line:col", () => {
  const cases: [string, string, string][] = [
    [
      "x meets [H] in the next state",
      "cell c(x[I]; h[H]) {\n  f = sigmoid(W_f h + U_f x)\n  h' = f * tanh(W h) + (1 - f) * x\n}",
      "3:34: x is [I] but meets [H] values elementwise here; declare its projection once: project x = P x (P becomes [H, I]), or write P x here",
    ],
    [
      "x meets h directly",
      "cell c(x[I]; h[H]) {\n  h' = h + x\n}",
      "2:12: x is [I] but meets [H] values elementwise here; declare its projection once: project x = P x (P becomes [H, I]), or write P x here",
    ],
    [
      "through a local",
      "cell c(x[I]; h[H]) {\n  a = 2 * x\n  h' = tanh(W h + U x) * a\n}",
      "2:11: x is [I] but meets [H] values elementwise here; declare its projection once: project x = P x (P becomes [H, I]), or write P x here",
    ],
    [
      "a projection of a state",
      "cell c(x[I]; h[H]) {\n  project h = P h\n  h' = h + x\n}",
      "2:11: project h: only the input x has a projection (a state has its own size)",
    ],
    [
      "a projection reading a state",
      "cell c(x[I]; h[H]) {\n  project x = P x + h\n  h' = h + x\n}",
      "2:21: project x = …: the projection reads only x and parameters, not h",
    ],
    [
      "two projections",
      "cell c(x[I]; h[H]) {\n  project x = P x\n  project x = Q x\n  h' = h + x\n}",
      "3:11: the projection of x is already declared",
    ],
    [
      "a projection never used",
      "cell c(x[I]; h[H]) {\n  project x = P x\n  h' = tanh(W h + U x)\n}",
      "2:11: project x = …: x is never an operand of + − * /, so its projection is never used; remove the line",
    ],
    [
      "no = after project x",
      "cell c(x[I]; h[H]) {\n  project x P x\n  h' = h + x\n}",
      '2:13: expected "=" and the projection of x, e.g. project x = P x',
    ],
  ];
  test.each(cases)("%s", (_what, text, message) => {
    let caught: unknown;
    try {
      parseCell(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CellSyntaxError);
    expect((caught as Error).message.split("\n")).toHaveLength(1);
    expect((caught as Error).message).toContain(message);
    if (message.includes("meets [H]")) expect(caught).toBeInstanceOf(CellShapeError);
  });
  test("a projection of a name that is neither input nor state is not called a state", () => {
    expect(() => parseCell("cell c(x[I]; h[H]) {\n  project y = P x\n  h' = h + x\n}")).toThrow(
      /^2:11: project y: only the input x has a projection$/,
    );
  });
});
