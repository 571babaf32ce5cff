/**
 * Printers on a small op set defined here (graph does not import @gated/ops): precedence and
 * parentheses come only from each op's `notation`, LaTeX names, let-bound equations, DOT.
 */
import { describe, expect, test } from "vitest";
import {
  apply,
  constant,
  defineOp,
  dotEscape,
  input,
  latexName,
  latexNumber,
  type Node,
  type Notation,
  type OpDef,
  param,
  printDot,
  printLatex,
  printLatexEquations,
  printLets,
  printText,
} from "../src/index.js";

function op(
  name: string,
  arity: number,
  notation?: Notation,
  extra: Partial<OpDef> = {},
): (...xs: Node[]) => Node {
  const def: OpDef = {
    name,
    kind: "elementwise",
    arity,
    shape: (s) => s[0]!,
    evaluate: () => new Float64Array(),
    vjp: () => [],
    jvp: () => null,
    ...(notation ? { notation } : {}),
    ...extra,
  };
  const o = defineOp(def);
  return (...xs: Node[]) => apply(o, xs, {});
}

const add = op("add", 2, {
  text: ([a, b]) => `${a} + ${b}`,
  latex: ([a, b]) => `${a} + ${b}`,
  prec: 10,
});
const sub = op("sub", 2, {
  text: ([a, b]) => `${a} - ${b}`,
  latex: ([a, b]) => `${a} - ${b}`,
  prec: 10,
});
const mul = op("mul", 2, {
  text: ([a, b]) => `${a} * ${b}`,
  latex: ([a, b]) => `${a} \\odot ${b}`,
  prec: 20,
});
const div = op("div", 2, {
  text: ([a, b]) => `${a} / ${b}`,
  latex: ([a, b]) => `\\frac{${a}}{${b}}`,
  prec: 20,
  latexPrec: 100,
  enclosed: { latex: [0, 1] },
});
const neg = op("neg", 1, { text: ([a]) => `-${a}`, latex: ([a]) => `-${a}`, prec: 30 });
const sig = op("sigmoid", 1, {
  text: ([a]) => `σ(${a})`,
  latex: ([a]) => `\\sigma\\left(${a}\\right)`,
  prec: 100,
});
const tr = op("transpose", 1, {
  text: ([a]) => `${a}ᵀ`,
  latex: ([a]) => `{${a}}^{\\top}`,
  prec: 90,
});
const bcast = op("broadcastTo", 1, {
  text: ([a]) => `broadcast(${a})`,
  latex: ([a]) => a,
  prec: 100,
});
const matvec = op("matvec", 2, {
  text: ([a, v]) => `${a} ${v}`,
  latex: ([a, v]) => `${a} ${v}`,
  prec: 25,
});
const bare = op("mystery", 1);

const x = input("x", ["I"]);
const h = input("h", ["H"]);
const a = input("a", ["H"]);
const b = input("b", ["H"]);
const c = input("c", ["H"]);

describe("printText", () => {
  test("no parentheses around a function's argument", () => {
    expect(printText(sig(add(a, b)))).toBe("σ(a + b)");
  });
  test("left-associative operators, right operands of equal strength parenthesized", () => {
    expect(printText(sub(sub(a, b), c))).toBe("a - b - c");
    expect(printText(sub(a, sub(b, c)))).toBe("a - (b - c)");
    expect(printText(mul(add(a, b), c))).toBe("(a + b) * c");
    expect(printText(add(mul(a, b), c))).toBe("a * b + c");
  });
  test("prefix and postfix operators", () => {
    expect(printText(neg(neg(a)))).toBe("-(-a)");
    expect(printText(neg(mul(a, b)))).toBe("-(a * b)");
    expect(printText(tr(add(a, b)))).toBe("(a + b)ᵀ");
    expect(printText(mul(neg(a), b))).toBe("-a * b");
  });
  test("negative constants bind like a prefix minus", () => {
    expect(printText(mul(a, constant(-2)))).toBe("a * -2");
    expect(printText(tr(constant(-2)))).toBe("(-2)ᵀ");
  });
  test("ops without notation print as calls with their attributes", () => {
    expect(printText(bare(add(a, b)))).toBe("mystery(a + b)");
  });
  test("printLets shows each node once", () => {
    const s = sig(add(a, b));
    expect(printLets([mul(s, s)])).toBe("t0 = a + b\nt1 = σ(t0)\nt2 = t1 * t1\nreturn t2");
  });
});

describe("printLatex", () => {
  test("parameter names get the gate as a superscript", () => {
    expect(latexName("U_f", "param")).toBe("U^{f}");
    expect(latexName("b_f", "param")).toBe("b^{f}");
    expect(latexName("W_hi", "param")).toBe("W^{\\mathit{hi}}");
    expect(latexName("x_t")).toBe("x_{t}");
    expect(latexName("h'")).toBe("h'");
    expect(latexName("sigma")).toBe("\\sigma");
    expect(latexName("Wx_f", "param")).toBe("\\mathit{Wx}^{f}");
    expect(latexName("U_f", "param", "bar")).toBe("\\bar{U}^{f}");
  });
  test("numbers", () => {
    expect(latexNumber(0.5)).toBe("0.5");
    expect(latexNumber(1e-7)).toBe("10^{-7}");
    expect(latexNumber(2.5e-7)).toBe("2.5 \\times 10^{-7}");
    expect(latexNumber(-3)).toBe("-3");
  });
  test("the book's notation: σ, juxtaposition, ⊙", () => {
    const U = param("U_f", ["H", "I"]);
    const W = param("W_f", ["H", "H"]);
    const bf = param("b_f", ["H"]);
    const f = sig(add(add(matvec(U, x), matvec(W, h)), bf));
    expect(printLatex(f)).toBe("\\sigma\\left(U^{f} x + W^{f} h + b^{f}\\right)");
    expect(printLatex(mul(sub(constant(1), f), h))).toBe(
      "\\left(1 - \\sigma\\left(U^{f} x + W^{f} h + b^{f}\\right)\\right) \\odot h",
    );
    expect(printLatex(matvec(W, mul(f, h)))).toContain("W^{f} \\left(\\sigma");
  });
  test("a fraction delimits its arguments; a transparent broadcast keeps its argument's strength", () => {
    expect(printLatex(div(add(a, b), c))).toBe("\\frac{a + b}{c}");
    expect(printLatex(mul(bcast(add(a, b)), c))).toBe("\\left(a + b\\right) \\odot c");
    expect(printLatex(tr(neg(a)))).toBe("{\\left(-a\\right)}^{\\top}");
  });
  test("caller-named nodes", () => {
    const f = sig(a);
    expect(printLatex(mul(f, b), { name: (n) => (n === f ? "f^{(t)}" : undefined) })).toBe(
      "f^{(t)} \\odot b",
    );
  });
  test("ops without notation print as \\operatorname", () => {
    expect(printLatex(bare(a))).toBe("\\operatorname{mystery}\\left(a\\right)");
  });
});

describe("printLatexEquations", () => {
  test("shared subexpressions are let-bound, named nodes referred to by name", () => {
    const s = sig(add(matvec(param("W", ["H", "H"]), h), b));
    const y = mul(s, sub(constant(1), s));
    const z = add(y, s);
    const out = printLatexEquations([
      { name: "y", node: y },
      { name: "\\bar{z}", node: z },
    ]);
    expect(out).toBe(
      [
        "\\begin{aligned}",
        "v_{1} &= \\sigma\\left(W h + b\\right) \\\\",
        "y &= v_{1} \\odot \\left(1 - v_{1}\\right) \\\\",
        "\\bar{z} &= y + v_{1}",
        "\\end{aligned}",
      ].join("\n"),
    );
  });
  test("sinks are printed but never referred to", () => {
    const s = add(a, b);
    const t = mul(s, c);
    const out = printLatexEquations(
      [
        { name: "\\bar{b} \\mathrel{+}", node: s, sink: true },
        { name: "t", node: t },
      ],
      { shareLongerThan: 0 },
    );
    expect(out).toContain("v_{1} &= a + b");
    expect(out).toContain("\\bar{b} \\mathrel{+} &= v_{1}");
    expect(out).toContain("t &= v_{1} \\odot c");
  });
});

describe("printDot", () => {
  test("one DOT node per graph node, shared subexpressions once", () => {
    const s = sig(a);
    const dot = printDot([mul(s, s)]);
    expect(dot.startsWith('digraph "graph" {')).toBe(true);
    expect(dot.match(/^\s+n\d+ \[label=/gm)!.length).toBe(3);
    expect(dot.match(/->/g)!.length).toBe(3);
    expect(dot).toContain("peripheries=2");
  });
  test("hostile names and attributes are escaped", () => {
    const evil = defineOp({
      name: 'evil"op\n}\\',
      kind: "elementwise",
      arity: 1,
      shape: (s) => s[0]!,
      evaluate: () => new Float64Array(),
      vjp: () => [],
      jvp: () => null,
    });
    const n = apply(evil, [param("ünïcødé_π", ["H"])], { note: 'a"b\\c\n"; digraph x {' });
    const dot = printDot([n], { name: 'g"; evil', names: new Map([[n, 'lo"cal']]) });
    const lines = dot.split("\n");
    expect(lines[0]).toBe('digraph "g\\"; evil" {');
    const quoted = /"(?:[^"\\]|\\.)*"/g;
    for (const l of lines.slice(1, -1)) {
      // every line is a node, an edge or a setting; strings never end early
      const stripped = l.replace(quoted, "S");
      expect(stripped).toMatch(
        /^\s+(rankdir=BT;|node \[fontname=S\];|n\d+ \[label=S, shape=\w+(, peripheries=2)?\];|n\d+ -> n\d+( \[label=S\])?;)$/,
      );
    }
    expect(lines.at(-1)).toBe("}");
    expect(dotEscape('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});
