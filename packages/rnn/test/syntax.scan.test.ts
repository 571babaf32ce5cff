/**
 * cumsum, cumprod and scan in cell text, and reshape between dims: shapes are inferred, bad
 * attributes are errors at line:col, cells print back, and errors show the user's dims.
 */
import { describe, expect, test } from "vitest";
import {
  CellShapeError,
  CellSyntaxError,
  cellFunctions,
  checkCellSizes,
  parseCell,
  printCell,
} from "../src/index.js";

const cell = (body: string) => `cell c(x[I]; h[H]) {\n${body}\n}`;
const roundTrip = (text: string) => {
  const c = parseCell(text);
  expect(parseCell(printCell(c)).state.map((s) => s.next)).toEqual(c.state.map((s) => s.next));
  return c;
};
const error = (text: string): string => {
  try {
    parseCell(text);
  } catch (e) {
    expect(e).toBeInstanceOf(CellSyntaxError);
    return (e as Error).message;
  }
  throw new Error("no error");
};

describe("cumsum, cumprod and scan in cell text", () => {
  test("are callable", () => {
    for (const f of ["cumsum", "cumprod", "scan"]) expect(cellFunctions().has(f)).toBe(true);
  });
  test("scan's operands unify like an elementwise op's, with or without reverse", () => {
    const c = roundTrip(cell("  h' = tanh(scan(sigmoid(W h), U x; reverse=true) + scan(0.5, h))"));
    expect(c.params.map((p) => [p.label, p.shape])).toEqual([
      ["W", ["H", "H"]],
      ["U", ["H", "I"]],
    ]);
    expect(printCell(c)).toContain("reverse=true");
  });
  test("cumsum and cumprod along a matrix's rows or down its columns print back", () => {
    roundTrip(
      cell(
        "  m = outer(h, tanh(U x) * h)\n  h' = tanh(sum(cumprod(m; axis=0) + cumsum(m); axis=1))",
      ),
    );
  });
  test("cumsum and cumprod print as themselves", () => {
    const c = roundTrip(
      cell("  g = sigmoid(W h)\n  h' = tanh(cumsum(g) + cumprod(g) * h + scan(g, h))"),
    );
    expect(printCell(c)).toContain("h' = tanh(cumsum(g) + cumprod(g) * h + scan(g, h))");
  });
  test("bad attributes are errors at the attribute", () => {
    expect(error(cell("  h' = tanh(scan(h, h; reverse=1))"))).toBe(
      "2:24: scan: reverse=1 is not true or false",
    );
    expect(error(cell("  h' = tanh(cumsum(h; axis=1))"))).toMatch(
      /^2:23: cumsum: axis=1 is out of range for a 1-dimensional argument/,
    );
    // the last axis or axis 0 of a matrix: no "all" (which sum takes)
    expect(error(cell("  h' = tanh(cumsum(h; axis=1))"))).toBe(
      "2:23: cumsum: axis=1 is out of range for a 1-dimensional argument (expected -1..0)",
    );
    expect(error(cell("  h' = tanh(cumprod(h; axis=all))"))).toBe(
      "2:24: cumprod: axis=all is not an axis it scans along (the last one, or 0 of a matrix)",
    );
    expect(error(cell("  h' = tanh(cumsum(h; reverse=true))"))).toMatch(
      /^2:23: cumsum has no attribute reverse/,
    );
  });
  test("shape errors show the user's dims", () => {
    const m = error(cell("  h' = tanh(scan(h, x))"));
    expect(m).toMatch(/^2:13: /);
    expect(m).toContain("[H]");
    expect(m).toContain("[I]");
    expect(m).not.toMatch(/_dim|_probe/);
  });
});

describe("reshape between dims in cell text", () => {
  test("[K] to [H, H] parses (the sizes are checked once given)", () => {
    const c = roundTrip(
      cell("  param A[K, I]\n  M = reshape(tanh(A x); shape=[H, H])\n  h' = tanh(M h + W h)"),
    );
    expect(c.params.map((p) => p.shape)).toContainEqual(["K", "I"]);
  });
  test("checkCellSizes: sizes that disagree are an error at the call's line:col", () => {
    const c = parseCell(
      cell("  param A[K, I]\n  M = reshape(tanh(A x); shape=[H, H])\n  h' = tanh(M h + W h)"),
    );
    expect(() => checkCellSizes(c, { K: 9, H: 3 })).not.toThrow();
    // a dim not given yet (I here is not needed; K is): nothing to say
    expect(() => checkCellSizes(c, { H: 3 })).not.toThrow();
    expect(() => checkCellSizes(c, { K: 10, H: 3 })).toThrow(CellShapeError);
    expect(() => checkCellSizes(c, { K: 10, H: 3 })).toThrow(
      "3:7: reshape(tanh(A x), [H,H]): cannot reshape [K] = [10] (10 values) to [H,H] = [3,3] (9 values): the sizes must agree",
    );
  });
  test("the same dims in another order or count are an error at the call, in the user's dims", () => {
    const m = error(cell("  h' = tanh(sum(reshape(h; shape=[2, H]); axis=0))"));
    expect(m).toMatch(/^2:17: reshape: .*cannot reshape \[H\] to \[2,H\]/);
    expect(m).not.toMatch(/_dim|_probe/);
  });
});

describe("number arguments", () => {
  // a number where a function takes a value is that constant (as an op's operand is), never a
  // TypeError from the builder
  const calls = [
    "cumsum(2)",
    "cumprod(2.5)",
    "scan(h, 2)",
    "softmax(2)",
    "logsumexp(2)",
    "sumTo(2; shape=[H])",
  ];
  test.each(calls)("%s is a cell or one error at the call", (call) => {
    let message: string | undefined;
    try {
      parseCell(cell(`  h' = tanh(h + ${call})`));
    } catch (e) {
      expect(e).toBeInstanceOf(CellSyntaxError);
      message = (e as Error).message;
    }
    if (message !== undefined) {
      expect(message).toMatch(/^2:17: /);
      expect(message).not.toMatch(/Cannot read|is not a function|undefined/);
    }
  });
  test("cumsum of a number is the scalar's error", () => {
    expect(error(cell("  h' = tanh(h + cumsum(2))"))).toBe(
      "2:17: cumsum: expected at least one axis, got a scalar",
    );
  });
});
