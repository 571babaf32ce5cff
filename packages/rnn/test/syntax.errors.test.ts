/**
 * Malformed cell texts, each with the exact message (which starts with line:col) that says
 * what was expected. Lexing, parsing, name resolution, shape inference and use checks.
 */
import { describe, expect, test } from "vitest";
import { CellSyntaxError, parseCell } from "../src/index.js";

/** A one-state cell around `body` (its lines start on line 2). */
const cell = (body: string, head = "x[I]; h[H]") => `cell c(${head}) {\n${body}\n}`;

const CORPUS: readonly (readonly [string, string, string])[] = [
  // lexing
  ["unexpected character", cell("  h' = W h $ 2"), `2:12: unexpected character "$"`],
  ["malformed number", cell("  h' = 1.2.3 * h"), `2:8: malformed number "1.2.3"`],
  ["non-finite number", cell("  h' = 1e999 * h"), `2:8: number 1e999 is not finite`],
  // parsing
  ["missing keyword", "cel c(x[I]; h[H]) { h' = h }", `1:1: expected "cell", found "cel"`],
  ["no states", "cell c(x[I]; ) { }", `1:14: expected a state, e.g. h[H], found ")"`],
  ["two inputs", "cell c(x[I], y[J]; h[H]) { h' = h }", `1:14: a cell has one input, found 2`],
  [
    "state called x",
    "cell c(u[I]; x[H]) { x' = u }",
    `1:14: a state cannot be called x: the cell's input is stored as x whatever its name here`,
  ],
  [
    "state of rank 2",
    "cell c(x[I]; h[H, H]) { h' = h }",
    `1:14: h must have one dim, e.g. h[H], found 2`,
  ],
  [
    "operand missing",
    cell("  h' = tanh(W h +)"),
    `2:18: expected an expression (a name, a number, a call or "("), found ")"`,
  ],
  ["missing =", cell("  h' W h"), `2:6: expected "=" after h', found "W"`],
  [
    "stray token",
    cell("  h' = W h )"),
    `2:12: expected an operator or the end of the line, found ")"`,
  ],
  [
    "unclosed parenthesis",
    cell("  h' = tanh(W h + U x\n"),
    `4:1: expected ")" to close "(" at 2:12 (arguments of tanh), found "}"`,
  ],
  [
    "unclosed brace",
    "cell c(x[I]; h[H]) {\n  h' = W h\n",
    `3:1: expected "}" to close "{" at 1:20, found end of input`,
  ],
  [
    "text after the cell",
    cell("  h' = W h") + "\nfoo",
    `4:1: expected end of input after the cell's closing "}", found "foo"`,
  ],
  // functions
  [
    "unknown function",
    cell("  h' = sigmod(W h)"),
    `2:8: unknown function sigmod (did you mean sigmoid?); for a matrix-vector product write a space: sigmod (…)`,
  ],
  [
    "product without space",
    cell("  h' = tanh(W(h))"),
    `2:13: unknown function W; for a matrix-vector product write a space: W (…)`,
  ],
  ["function as a value", cell("  h' = tanh * h"), `2:8: tanh is a function; call it: tanh(…)`],
  ["wrong arity", cell("  h' = tanh(h, h)"), `2:8: tanh takes 1 argument, got 2`],
  [
    "function name as a local",
    cell("  exp = W h\n  h' = exp"),
    `2:3: exp is a function name; choose another name`,
  ],
  // names and definitions
  [
    "duplicate definition",
    cell("  f = W h\n  f = U x\n  h' = f"),
    `3:3: f is already defined at 2:3`,
  ],
  [
    "use before definition",
    cell("  h' = tanh(n)\n  n = W h"),
    `2:13: n is used before its definition at 3:3`,
  ],
  ["self reference", cell("  n = W n\n  h' = n"), `2:9: n is used in its own definition`],
  [
    "next value of a non-state",
    cell("  q' = W h\n  h' = q'"),
    `2:3: q' would be the next value of q, which is not a state (states: h)`,
  ],
  [
    "assigning a state",
    cell("  h = W h\n  h' = h"),
    `2:3: h is a state; write h' = … for its next value`,
  ],
  [
    "assigning the input",
    cell("  x = W h\n  h' = h"),
    `2:3: x is the input; it cannot be assigned`,
  ],
  [
    "missing next state",
    cell("  h' = tanh(W h + U x)", "x[I]; h[H], c[H]"),
    `1:20: no equation for c' (the next value of state c); expected a line c' = …`,
  ],
  [
    "output not a state",
    cell("  h' = W h\n  output y"),
    `3:10: output y is not a state (states: h) nor a value of the cell; define it with output y = …`,
  ],
  [
    "unused parameter",
    cell("  q = V x\n  h' = tanh(W h + U x)"),
    `2:7: unused parameter V: it never reaches a next state or the output`,
  ],
  [
    "declared, never used",
    cell("  param p[H]\n  h' = W h"),
    `2:3: unused parameter p: it never reaches a next state or the output`,
  ],
  [
    "annotation on a state",
    cell("  h' = h[H] * 2"),
    `2:8: h is a state; only parameters take shape annotations`,
  ],
  [
    "unknown role",
    cell("  param p[H] : diagnol\n  h' = p * h"),
    `2:16: unknown role diagnol; expected one of input, recurrent, bias, diagonal, fixed, other`,
  ],
  [
    "unknown initialisation",
    cell("  param p[H] ~ gaussian\n  h' = p * h"),
    `2:16: unknown initialisation gaussian; expected one of uniform, constant, xavier, orthogonal, groups`,
  ],
  // shapes
  [
    "shape conflict",
    cell("  param q[I]\n  f = sigmoid(U_f x + W_f h + b_f)\n  h' = f * h + q"),
    `4:14: shapes [H] and [I] do not match in f * h + q: f * h is [H], q is [I]`,
  ],
  [
    "next value of the wrong shape",
    cell("  param q[I]\n  f = sigmoid(U_f x + W_f h + b_f)\n  h' = f + q"),
    `4:3: h' = f + q has shape [I], but state h is [H]`,
  ],
  // the input meeting [H] values elementwise: at that x, naming its dim and H (project.ts)
  [
    "the input in a sum with [H]",
    cell("  f = sigmoid(U_f x + W_f h + b_f)\n  h' = f * h + x"),
    `3:16: x is [I] but meets [H] values elementwise here; declare its projection once: project x = P x (P becomes [H, I]), or write P x here`,
  ],
  [
    "the input making the next value [I]",
    cell("  f = sigmoid(U_f x + W_f h + b_f)\n  h' = f + x"),
    `3:12: x is [I] but meets [H] values elementwise here; declare its projection once: project x = P x (P becomes [H, I]), or write P x here`,
  ],
  ["scalar next value", cell("  h' = sum(h)"), `2:3: h' = sum(h) has shape [], but state h is [H]`],
  [
    "declared shape conflict",
    cell("  param b[I]\n  h' = tanh(W h * h + b)"),
    `3:21: shapes [H] and [I] do not match in W h * h + b: W h * h is [H], b is [I]`,
  ],
  [
    "annotation conflict",
    cell("  h' = tanh(W[H, I] h)"),
    `2:13: shape conflict in W[H, I] h: W[H, I] is [H, I] but h is [H] (expected A [M, N] and v [N])`,
  ],
  [
    "vector on the left of a product",
    cell("  h' = x h"),
    `2:8: in x h: expected a matrix on the left of a matrix-vector product, got x : [I]`,
  ],
  [
    "undecidable shape",
    cell("  h' = h + V (A x)"),
    "2:12: cannot infer the shape of parameter V ([H, ?]); declare it with a line `param V[H, …]` or annotate a use: V[H, …]",
  ],
  [
    "call with mismatched shapes",
    cell("  h' = maximum(h, x)"),
    `2:8: shapes [H] and [I] do not match in maximum(h, x)`,
  ],
];

describe("malformed cell texts", () => {
  test.each(CORPUS)("%s", (_name, text, message) => {
    let caught: unknown;
    try {
      parseCell(text);
    } catch (e) {
      caught = e;
    }
    expect(caught, "expected an error").toBeInstanceOf(CellSyntaxError);
    const e = caught as CellSyntaxError;
    expect(e.message).toBe(message);
    // the position is also structured, and points into the text
    expect(`${e.pos.line}:${e.pos.col}`).toBe(message.split(": ")[0]);
    const lines = text.split("\n");
    expect(e.pos.line).toBeLessThanOrEqual(lines.length);
  });

  test("the corpus is large enough", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(15);
  });
});
