/**
 * The equation syntax: the MGU text is the builder's graph, several states, inference of
 * shapes and roles, declarations, functions looked up in OPS, lexical details.
 */

import { constant, input, param, simplify } from "@gated/graph";
import { matvec, mean, OPS, sigmoid, sub, sum, tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { cellFunctions, checkCellText, defineCell, parseCell, printCell } from "../src/index.js";

const MGU = `
cell mgu(x[I]; h[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  n  = tanh(U_n x + W_n (f * h) + b_n)
  h' = (1 - f) * h + f * n
}`;

describe("MGU: text and builder give the same graph", () => {
  const parsed = parseCell(MGU);
  test("the DESIGN.md builder version, after simplify (−f + 1 and 1 − f are one node then)", () => {
    const built = defineCell({
      name: "mgu",
      state: { h: "H" },
      step: ({ x, h }, { affine }) => {
        const f = sigmoid(affine("f", x, h));
        const n = tanh(affine("n", x, f.mul(h)));
        return { h: f.neg().add(1).mul(h).add(f.mul(n)) };
      },
    });
    expect(simplify([parsed.state[0]!.next])[0]).toBe(simplify([built.state[0]!.next])[0]);
    expect(parsed.paramInfo.map((p) => [p.name, p.shape, p.role, p.node])).toEqual(
      built.paramInfo.map((p) => [p.name, p.shape, p.role, p.node]),
    );
  });
  test("written with 1 − f, the very same nodes without simplification", () => {
    const built = defineCell({
      name: "mgu",
      state: { h: "H" },
      step: ({ x, h }, { affine, let: name }) => {
        const f = name("f", sigmoid(affine("f", x, h)));
        const n = name("n", tanh(affine("n", x, f.mul(h))));
        return { h: sub(1, f).mul(h).add(f.mul(n)) };
      },
    });
    expect(parsed.state[0]!.next).toBe(built.state[0]!.next);
    expect(parsed.output).toBe(built.output);
    expect(parsed.params).toEqual(built.params);
    expect([...parsed.locals.values()]).toEqual(["f", "n", "h'"]);
    expect(parsed.source).toBe(MGU);
  });
});

describe("cells with several states", () => {
  const LSTM = `
# LSTM, PyTorch's gate order
cell lstm(x[I]; h[H], c[H]) {
  i  = sigmoid(U_i x + W_i h + b_i)
  f  = sigmoid(U_f x + W_f h + b_f)
  g  = tanh(U_g x + W_g h + b_g)
  o  = sigmoid(U_o x + W_o h + b_o)
  c' = f * c + i * g
  h' = o * tanh(c')      # the next state c' is usable once defined
}`;
  test("next states refer to each other; output defaults to h", () => {
    const cell = parseCell(LSTM);
    const [h, c] = cell.state;
    expect(cell.state.map((s) => s.name)).toEqual(["h", "c"]);
    expect(h!.next.inputs[1]!.inputs[0]).toBe(c!.next);
    expect(cell.output).toBe(h!.next);
    expect(cell.paramInfo.map((p) => p.name)).toEqual([
      "U_i",
      "W_i",
      "b_i",
      "U_f",
      "W_f",
      "b_f",
      "U_g",
      "W_g",
      "b_g",
      "U_o",
      "W_o",
      "b_o",
    ]);
  });
  test("an output line picks another state", () => {
    const cell = parseCell(LSTM.replace("h' = o * tanh(c')", "h' = o * tanh(c')\n  output c"));
    expect(cell.output).toBe(cell.state[1]!.next);
  });
});

describe("shape inference and roles", () => {
  test("U x + W h + b: [H, I], [H, H], [H]; peepholes are diagonal", () => {
    const cell = parseCell(`cell peep(x[I]; h[H], c[H]) {
      i = sigmoid(U_i x + W_i h + p_i * c + b_i)
      c' = i * c
      h' = tanh(c')
    }`);
    const info = Object.fromEntries(
      cell.paramInfo.map((p) => [p.name, [p.shape.join(","), p.role]]),
    );
    expect(info).toEqual({
      U_i: ["H,I", "input"],
      W_i: ["H,H", "recurrent"],
      p_i: ["H", "diagonal"],
      b_i: ["H", "bias"],
    });
  });
  test("roles of other names follow what a matrix multiplies", () => {
    const cell = parseCell(`cell e(x[I]; h[H]) { h' = tanh(A x + B h + C (A x) + d) }`);
    const info = Object.fromEntries(
      cell.paramInfo.map((p) => [p.name, [p.shape.join(","), p.role]]),
    );
    expect(info).toEqual({
      A: ["H,I", "input"],
      B: ["H,H", "recurrent"],
      C: ["H,H", "input"],
      d: ["H", "bias"],
    });
  });
  test("declarations: scalars, new dims, roles, initialisation", () => {
    const cell = parseCell(`cell d(x[I]; h[H]) {
      param a[]                      # a scalar, not a vector
      param b_f[H] = 1
      param W[H, H] : other ~ orthogonal
      param U[H, I] ~ uniform(bound=0.25)
      z = V[K, I] x                  # an annotation introduces the dim K
      h' = a * tanh(U x + W h + b_f) + P z
    }`);
    const byName = new Map(cell.paramInfo.map((p) => [p.name, p]));
    expect(byName.get("a")!.shape).toEqual([]);
    expect(byName.get("b_f")!.init).toEqual({ kind: "constant", value: 1 });
    expect(byName.get("W")!.role).toBe("other");
    expect(byName.get("W")!.init).toEqual({ kind: "orthogonal" });
    expect(byName.get("U")!.init).toEqual({ kind: "uniform", bound: 0.25 });
    expect(byName.get("V")!.shape).toEqual(["K", "I"]);
    expect(byName.get("P")!.shape).toEqual(["H", "K"]);
    // declared parameters come first in the layout, in declaration order
    expect(cell.paramInfo.map((p) => p.name)).toEqual(["a", "b_f", "W", "U", "V", "P"]);
  });
  test("checkCellText reports shapes without building", () => {
    const c = checkCellText(MGU);
    expect([...c.params.values()].map((p) => `${p.name}:${p.shape.join(",")}`)).toEqual([
      "U_f:H,I",
      "W_f:H,H",
      "b_f:H",
      "U_n:H,I",
      "W_n:H,H",
      "b_n:H",
    ]);
  });
});

describe("functions come from OPS by name", () => {
  test("every unary elementwise op in OPS is callable and builds that op", () => {
    const h = input("h", ["H"]);
    let checked = 0;
    for (const [name, op] of Object.entries(OPS)) {
      if (op.kind !== "elementwise" || op.arity !== 1 || name === "pow") continue;
      const cell = parseCell(`cell u(x[I]; h[H]) { h' = ${name}(h) }`);
      expect(cell.state[0]!.next, name).toBe((op as unknown as (x: unknown) => unknown)(h));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
  test("binary ops, composites, aliases, attributes", () => {
    const fns = cellFunctions();
    const h = input("h", ["H"]);
    const W = param("W", ["H", "H"]);
    if (fns.has("maximum")) {
      const cell = parseCell(`cell m(x[I]; h[H]) { h' = maximum(W h, 0) }`);
      expect(cell.state[0]!.next).toBe(fns.get("maximum")!.build(matvec(W, h), 0));
    }
    expect(parseCell(`cell s(x[I]; h[H]) { h' = σ(W h) }`).state[0]!.next).toBe(
      sigmoid(matvec(W, h)),
    );
    expect(parseCell(`cell s(x[I]; h[H]) { h' = h - mean(h) }`).state[0]!.next).toBe(
      h.sub(mean(h)),
    );
    expect(parseCell(`cell s(x[I]; h[H]) { h' = h * sum(h; axis=all) }`).state[0]!.next).toBe(
      h.mul(sum(h, "all")),
    );
    expect(parseCell(`cell s(x[I]; h[H]) { h' = pow(h, 3) }`).state[0]!.next).toBe(OPS.pow(h, 3));
  });
});

describe("lexical details", () => {
  const h = input("h", ["H"]);
  const x = input("x", ["I"]);
  const W = param("W", ["H", "H"]);
  const U = param("U", ["H", "I"]);
  test("comments, semicolons, continued lines and blank lines", () => {
    const a = parseCell(`cell a(x[I]; h[H]) { h' = tanh(W h + U x) }`).state[0]!.next;
    const b = parseCell(`# leading comment

cell a(x[I]; h[H]) {   # header
  z = W h +            # a trailing operator continues
      U x
  y = tanh(
    z                  # newlines inside parentheses are ignored
  ); h' = y
}
`).state[0]!.next;
    const c = parseCell(`cell a(x[I]; h[H]) {
  z = W h
    + U x              # a leading operator continues
  h' = tanh(z)
}`).state[0]!.next;
    expect(b).toBe(a);
    expect(c).toBe(a);
  });
  test("negative literals, negation, juxtaposition", () => {
    const next = (e: string) => parseCell(`cell a(x[I]; h[H]) { h' = ${e} }`).state[0]!.next;
    expect(next("-1 * h")).toBe(constant(-1).mul(h));
    expect(next("-(1) * h")).toBe(constant(1).neg().mul(h));
    expect(next("- 1 * h")).toBe(constant(1).neg().mul(h));
    expect(next("-W h")).toBe(matvec(W, h).neg());
    expect(next("W W h")).toBe(matvec(W, matvec(W, h)));
    expect(next("h * 1[H]")).toBe(h.mul(constant(1, ["H"])));
    expect(next("W h + 2.5e-1")).toBe(matvec(W, h).add(0.25));
    expect(next("U x")).toBe(matvec(U, x));
  });
  test("unicode names", () => {
    const cell = parseCell(`cell ü(x[I]; h[H]) { α = sigmoid(W_α h); h' = α * h }`);
    expect(cell.paramInfo[0]!.name).toBe("W_α");
  });
});

describe("printCell", () => {
  test("locals whose names the syntax cannot use are renamed; attributes are printed", () => {
    const cell = defineCell({
      name: "odd",
      state: { h: "H" },
      step: ({ x, h }, { param: p, let: name }) => {
        const a = name("exp", sigmoid(matvec(p("W", ["H", "H"], { role: "recurrent" }), h)));
        const b = name("h", OPS.pow(a, 3));
        const c = name("not an identifier", b.mul(sum(h, "all")));
        return { h: tanh(c.add(matvec(p("U", ["H", "I"], { role: "input" }), x))) };
      },
    });
    const text = printCell(cell);
    expect(text).toBe(
      [
        "cell odd(x[I]; h[H]) {",
        "  t1 = sigmoid(W h)",
        "  t2 = pow(t1; p=3)",
        "  t3 = t2 * sum(h; axis=all)",
        "  h' = tanh(t3 + U x)",
        "}",
      ].join("\n"),
    );
    expect(parseCell(text).state[0]!.next).toBe(cell.state[0]!.next);
  });
  test("gradient-style ops (outer, transpose, sum over an axis) print as calls", () => {
    const h = input("h", ["H"]);
    const cell = defineCell({
      name: "t",
      state: { h: "H" },
      step: () => ({ h: OPS.transpose(OPS.outer(h, h)).sum(0) }),
    });
    expect(printCell(cell)).toContain("transpose(outer(h, h))");
    expect(parseCell(printCell(cell)).state[0]!.next).toBe(cell.state[0]!.next);
  });
});
