/**
 * Hostile cell texts: expressions too deep for the passes after parsing are errors at the
 * equation (not stack overflows), call attributes and initialisation fields are checked at their
 * line:col, and names that exist on Object.prototype are ordinary names.
 */
import { compileCell } from "@gated/codegen";
import { sigmoid } from "@gated/ops";
import { describe, expect, test } from "vitest";
import {
  CATALOGUE_NAMES,
  CellShapeError,
  CellSyntaxError,
  cellDimDefaults,
  cellWarnings,
  defineCell,
  getCell,
  INIT_SCHEMES,
  initBlock,
  parseCell,
  printCell,
} from "../src/index.js";
import { MAX_EXPR_DEPTH } from "../src/syntax/ast.js";

const head = "cell c(x[I]; h[H]) {\n";
const cell = (body: string) => `${head}${body}\n}`;
const chain = (n: number, line: (i: number) => string) =>
  cell(
    `a0 = h\n${Array.from({ length: n - 1 }, (_, i) => line(i + 1)).join("\n")}\nh' = a${n - 1}`,
  );
const syntaxError = (text: string, message: string) => {
  let e: unknown;
  try {
    parseCell(text);
  } catch (x) {
    e = x;
  }
  expect(e).toBeInstanceOf(CellSyntaxError);
  expect((e as Error).message).toBe(message);
};

/** The cell through everything that walks its graph: print and re-parse, compile, backward. */
function exercise(text: string): void {
  const c = parseCell(text);
  expect(parseCell(printCell(c)).state[0]!.next).toBe(c.state[0]!.next);
  const k = compileCell(c, { inputSize: 2, hiddenSize: 3, dtype: "float64" });
  const run = k.forward(k.initParams({ seed: 1 }), new Float64Array(4).fill(0.1), { batch: 1 });
  const g = k.backward(run, { final: { h: new Float64Array(3).fill(1) } });
  expect(g.input.every(Number.isFinite)).toBe(true);
}

describe("deep expressions are an error at the equation, not a stack overflow", () => {
  const deep = `the expression nests more than ${MAX_EXPR_DEPTH} operations deep`;
  test("a 10,000-term sum", () => {
    syntaxError(
      cell(`h' = h${" + h".repeat(10_000)}`),
      `2:1: h' = …: ${deep}; split it into fewer, wider terms`,
    );
  });
  test("10,000 unary minuses", () => {
    syntaxError(
      cell(`h' = ${"-".repeat(10_000)}h`),
      `2:1: h' = …: ${deep}; split it into fewer, wider terms`,
    );
  });
  test("10,000 chained locals name the local it goes through", () => {
    syntaxError(
      chain(10_000, (i) => `a${i} = a${i - 1} + h`),
      `${MAX_EXPR_DEPTH + 2}:9: a${MAX_EXPR_DEPTH} = …: ${deep} (through a${MAX_EXPR_DEPTH - 1}); split it into fewer, wider terms`,
    );
  });
  test("a 1 MB expression", () => {
    const text = cell(`h' = h${" + W h".repeat(200_000)}`);
    expect(text.length).toBeGreaterThan(1_000_000);
    syntaxError(text, `2:1: h' = …: ${deep}; split it into fewer, wider terms`);
  });
  test("5000 nested calls", () => {
    syntaxError(
      cell(`h' = ${"tanh(".repeat(5000)}h${")".repeat(5000)}`),
      `2:${5 + 5 * MAX_EXPR_DEPTH + 5}: brackets nest more than ${MAX_EXPR_DEPTH} levels deep`,
    );
  });
  test("just under the limit, every pass works: print and parse back, compile, differentiate", () => {
    exercise(cell(`h' = ${"-".repeat(MAX_EXPR_DEPTH - 10)}h`));
    exercise(chain(MAX_EXPR_DEPTH - 10, (i) => `a${i} = a${i - 1} + U x`));
    exercise(
      cell(`h' = ${"(h + ".repeat(MAX_EXPR_DEPTH - 10)}h${")".repeat(MAX_EXPR_DEPTH - 10)}`),
    );
  });
  test("printCell refuses a builder cell deeper than the syntax reads (one line)", () => {
    const deepCell = defineCell({
      name: "deep",
      state: { h: "H" },
      step: ({ h }) => {
        let v = h!;
        for (let i = 0; i < 3 * MAX_EXPR_DEPTH; i++) v = sigmoid(v);
        return { h: v };
      },
    });
    expect(() => printCell(deepCell)).toThrow(
      `printCell: cell deep nests more than ${MAX_EXPR_DEPTH} operations deep, more than the cell syntax reads`,
    );
  });
});

describe("call attributes and init fields are checked at their line:col", () => {
  test.each([
    [
      "h' = h + sum(h; axis=3)",
      "2:17: sum: axis=3 is out of range for a 1-dimensional argument (expected -1..0 or all)",
    ],
    ["h' = h + sum(h; axis=foo)", '2:17: sum: axis="foo" is not an axis (an integer, or all)'],
    ["h' = h + sum(h; bogus=1)", "2:17: sum has no attribute bogus (its attributes: axis)"],
    ["h' = h + sum(h; axis=0, axis=0)", "2:25: attribute axis is given twice"],
    ["h' = pow(h; p=NaN)", '2:13: pow: p="NaN" is not a finite number'],
    ["h' = pow(h)", "2:6: pow: exponent must be a finite number, got undefined"],
    ["h' = slice(h; start=0, end=1)", "2:6: slice needs the attribute axis, e.g. slice(…; axis=…)"],
    ["h' = pow(h; q=2)", "2:13: pow has no attribute q (its attributes: p)"],
    ["h' = tanh(h; axis=0)", "2:14: tanh takes no attributes"],
    [
      "param W[H, H] ~ uniform(scale=1)\nh' = W h",
      "2:25: uniform has no field scale (its fields: bound)",
    ],
    [
      "param W[H, H] ~ xavier(bound=1)\nh' = W h",
      "2:24: xavier has no field bound (it takes none)",
    ],
    ["param W[H, H] ~ uniform(bound=-1)\nh' = W h", "2:25: uniform: bound must be positive"],
    ["param W[H, H] ~ uniform(bound=1, bound=2)\nh' = W h", "2:34: field bound is given twice"],
  ])("%s", (body, message) => syntaxError(cell(body), message));
  test("valid attributes still work", () => {
    const c = parseCell(cell("h' = h * sum(h; axis=0) + softmax(h; axis=-1) + mean(h; axis=all)"));
    expect(c.state[0]!.next.shape).toEqual(["H"]);
  });
});

describe("names from Object.prototype are ordinary names", () => {
  test("a state named __proto__ is refused with the reason", () => {
    syntaxError(
      "cell c(x[I]; __proto__[H]) {\n__proto__' = __proto__\n}",
      "1:14: the name __proto__ is reserved; choose another name",
    );
  });
  test("constructor, toString and hasOwnProperty work as parameters, locals and states", () => {
    const c = parseCell(
      "cell c(x[I]; toString[H]) {\nhasOwnProperty = constructor x\ntoString' = tanh(hasOwnProperty + valueOf toString)\n}",
    );
    expect(c.paramInfo.map((p) => p.name)).toEqual(["constructor", "valueOf"]);
  });
  test("a role or an initialisation named after an Object.prototype member is unknown", () => {
    syntaxError(
      cell("param W[H, H] : constructor\nh' = W h"),
      "2:17: unknown role constructor; expected one of input, recurrent, bias, diagonal, fixed, other",
    );
    syntaxError(
      cell("param W[H, H] ~ toString\nh' = W h"),
      "2:17: unknown initialisation toString; expected one of uniform, constant, xavier, orthogonal, groups",
    );
  });
});

describe("errors are typed", () => {
  test("shape conflicts are CellShapeErrors (and CellSyntaxErrors) with a position", () => {
    let e: unknown;
    try {
      parseCell(cell("h' = W h + U x + b\nq = W x"));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(CellShapeError);
    expect(e).toBeInstanceOf(CellSyntaxError);
    expect((e as CellShapeError).pos.line).toBe(3);
  });
  test("other mistakes are plain CellSyntaxErrors", () => {
    let e: unknown;
    try {
      parseCell(cell("h' = tanh(h"));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(CellSyntaxError);
    expect(e).not.toBeInstanceOf(CellShapeError);
  });
});

describe("def: user-defined functions", () => {
  const ln = "def ln(v, a, s) = a * (v - mean(v)) / sqrt(var(v) + 1e-5) + s";
  test("a def is expanded at each call: the same graph as writing it out", () => {
    const withDef = parseCell(cell(`${ln}\nh' = tanh(ln(W h, g, b) + U x)`));
    const inline = parseCell(
      cell(`h' = tanh(g * (W h - mean(W h)) / sqrt(var(W h) + 1e-5) + b + U x)`),
    );
    expect(withDef.state[0]!.next).toBe(inline.state[0]!.next);
    expect(withDef.paramInfo.map((p) => p.name)).toEqual(["g", "W", "b", "U"]);
  });
  test("defs may call the defs above them", () => {
    const c = parseCell(cell("def sq(v) = v * v\ndef quart(v) = sq(sq(v))\nh' = quart(h)"));
    const d = parseCell(cell("h' = h * h * (h * h)"));
    expect(c.state[0]!.next).toBe(d.state[0]!.next);
  });
  test.each([
    [
      "def f(v) = f(v) + 1\nh' = f(h)",
      "2:12: def f calls itself: recursion is not allowed (a def is expanded at each call)",
    ],
    [`${ln}\nh' = ln(h, h)`, "3:6: ln takes 3 arguments (v, a, s), got 2"],
    [
      "h' = g(h)\ndef g(v) = v",
      "2:6: unknown function g; for a matrix-vector product write a space: g (…)",
    ],
    ["def g(v, v) = v\nh' = g(h, h)", "2:10: argument v is given twice"],
    [
      "def tanh(v) = v\nh' = tanh(h)",
      "2:5: tanh is already a function; choose another name for the def",
    ],
    ["def g(v) = v\nh' = g", "3:6: g is a def; call it: g(…)"],
    ["def g(v) = v\ng = h\nh' = g(h)", "3:1: g is a def; choose another name for the value"],
    ["def g(v) = v\nh' = g(h; axis=0)", "3:11: def g takes no attributes"],
  ])("%s", (body, message) => syntaxError(cell(body), message));
  test("nested defs that would expand exponentially stop with an error", () => {
    const defs = ["def f0(v) = v + v"];
    for (let i = 1; i < 30; i++) defs.push(`def f${i}(v) = f${i - 1}(f${i - 1}(v))`);
    expect(() => parseCell(cell(`${defs.join("\n")}\nh' = f29(h)`))).toThrow(CellSyntaxError);
  });
});

describe("a typo that creates a new parameter is a warning (an error when strict)", () => {
  const typo = cell(
    "f = sigmoid(W_f h + U_f x + b_f)\nn = tanh(W_n h + U_n x + b_n)\nh' = (1 - f) * q + f * n",
  );
  test("the warning names the parameter and where it is written", () => {
    expect(cellWarnings(parseCell(typo)).map((w) => w.message)).toEqual([
      "4:16: q is a new parameter [H] (only ever multiplied elementwise: no weight matrix, no bias); declare it with `param q[H]` if intended",
    ]);
  });
  test("a name one edit from a value of the cell", () => {
    const c = parseCell(cell("gate = sigmoid(W_g h + U_g x)\nh' = gate * tanh(W h + U x) + gatee"));
    expect(cellWarnings(c).map((w) => w.name)).toEqual(["gatee"]);
    expect(cellWarnings(c)[0]!.message).toContain("(did you mean gate?)");
  });
  test("strict makes it an error at the same place", () => {
    expect(() => parseCell(typo, { strict: true })).toThrow(
      "4:16: q is a new parameter [H] (only ever multiplied elementwise: no weight matrix, no bias); declare it with `param q[H]` if intended",
    );
  });
  test("declared or annotated, it is no warning; nor are the catalogue's cells", () => {
    expect(cellWarnings(parseCell(cell(`param q[H]\nh' = tanh(W h + U x) * q`)))).toEqual([]);
    expect(cellWarnings(parseCell(cell(`h' = tanh(W h + U x) * q[H]`)))).toEqual([]);
    for (const n of CATALOGUE_NAMES) {
      let text: string;
      try {
        text = printCell(getCell(n));
      } catch {
        continue;
      }
      expect(cellWarnings(parseCell(text)), n).toEqual([]);
    }
  });
});

describe("messages show the user's names, never internal stand-ins", () => {
  test.each([
    [
      "h' = h + concat(W x, h)",
      "2:8: shapes [H] and [H+?] do not match in h + concat(W x, h): h is [H], concat(W x, h) is [H+?]",
    ],
    [
      "q = W x\nh' = h * sum(outer(q, h); axis=0) + matmul(q, h)",
      "3:37: matmul: matmul(q : [?], h : [H]): expected A [M,K] and B [K,N], got [?] and [H]",
    ],
  ])("%s", (body, message) => {
    syntaxError(cell(body), message);
    expect(message).not.toMatch(/_dim|_probe/);
  });
});

describe("parameter roles come from declarations, else from position in a product", () => {
  test("W applied to the input is an input weight, U applied to the state a recurrent one", () => {
    const c = parseCell(cell("h' = tanh(W_x x + U_h h + b)"));
    const roles = Object.fromEntries(c.paramInfo.map((p) => [p.name, p.role]));
    expect(roles).toEqual({ W_x: "input", U_h: "recurrent", b: "bias" });
  });
  test("a declaration wins", () => {
    const c = parseCell(cell("param W_x[H, I] : other\nh' = tanh(W_x x + W h)"));
    expect(c.paramInfo.find((p) => p.name === "W_x")!.role).toBe("other");
  });
});

describe("dim arithmetic in shapes", () => {
  test("2*H, H+I: linear forms unify in canonical form and compile", () => {
    const c = parseCell(
      cell("param W[H+H, H]\nz = W h\nh' = tanh(slice(z; axis=0, start=0, end=H) + U x)"),
    );
    expect(c.paramInfo.find((p) => p.name === "W")!.shape).toEqual(["2*H", "H"]);
    const d = parseCell(cell("param W[H, H + I]\nh' = tanh(W concat(h, x))"));
    expect(d.paramInfo.find((p) => p.name === "W")!.shape).toEqual(["H", "H+I"]);
    const k = compileCell(c, { inputSize: 2, hiddenSize: 3, dtype: "float64" });
    expect(k.initParams({ seed: 0 }).get("W")).toHaveLength(18);
    expect(parseCell(printCell(c)).state[0]!.next).toBe(c.state[0]!.next);
  });
  test.each([
    [
      "param W[H/4, H]\nh' = W h",
      "2:10: a dim cannot be divided (H/…): name the smaller dim instead, e.g. Q with H = 4*Q",
    ],
    ["param W[H-H-1, H]\nh' = W h", "2:9: dim H-H-1 is -1, less than 0"],
    ["param W[2*, H]\nh' = W h", '2:11: expected a dim name after "2*", e.g. 2*H, found ","'],
  ])("%s", (body, message) => syntaxError(cell(body), message));
});

describe("gains of normalisations start at 1 under every init scheme", () => {
  const lngru = cell(
    "def ln(v, a, s) = a * (v - mean(v)) / sqrt(var(v) + 1e-5) + s\nz = sigmoid(ln(U_z x, g_z, s_z) + W_z h)\nh' = (1 - z) * h + z * tanh(U_n x + W_n h + b_n)",
  );
  test("an inferred gain is role other, constant 1, and no typo warning", () => {
    const c = parseCell(lngru);
    const g = c.paramInfo.find((p) => p.name === "g_z")!;
    expect([g.role, g.init]).toEqual(["other", { kind: "constant", value: 1 }]);
    expect(c.paramInfo.find((p) => p.name === "s_z")!.role).toBe("bias");
    expect(cellWarnings(c)).toEqual([]);
  });
  test.each(INIT_SCHEMES)("scheme %s: parsed and catalogue gains are 1", (scheme) => {
    for (const [c, gain] of [
      [parseCell(lngru), "g_z"],
      [getCell("ln_lstm"), "s_f"],
    ] as const) {
      const k = compileCell(c, { inputSize: 2, hiddenSize: 3, dtype: "float64" });
      const slot = k.layout.find((s) => s.name === gain)!;
      const v = initBlock(c, k, scheme, 1);
      expect(
        Array.from(v.subarray(slot.offset, slot.offset + slot.size)),
        `${c.name} ${gain}`,
      ).toEqual([1, 1, 1]);
    }
  });
});

describe("a cell may give an extra dim a default: dim M = 2*H", () => {
  const text = cell("dim M = 2*H\nparam P[M, H]\nparam Q[H, M]\nh' = tanh(Q tanh(P h) + U x)");
  test("the default is recorded; sizes given when compiling win", () => {
    const c = parseCell(text);
    expect(cellDimDefaults(c)).toEqual({ M: "2*H" });
    const k = compileCell(c, { inputSize: 2, hiddenSize: 3, dtype: "float64", sizes: { M: 5 } });
    expect(k.initParams({ seed: 0 }).get("P")).toHaveLength(15);
  });
  test.each([
    ["dim H = 4\nh' = W h", "2:5: H is the size of the input or a state; it cannot have a default"],
    ["dim M = 2\ndim M = 3\nh' = W h", "3:5: dim M is already given a default"],
    [
      "dim M = H/2\nh' = W h",
      "2:10: a dim cannot be divided (H/…): name the smaller dim instead, e.g. Q with H = 4*Q",
    ],
  ])("%s", (body, message) => syntaxError(cell(body), message));
});
