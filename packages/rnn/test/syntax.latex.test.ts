/**
 * LaTeX of cells in the seed's notation (the Deep Learning book's LSTM: forget gate f,
 * external input gate g, output gate q, state s), the derived BPTT equations, and the graph
 * printers on gradient graphs (transpose, outer, sum, broadcast, reshape).
 */

import { input, printDot, printLatex, printText, simplify, topo, vjp } from "@gated/graph";
import { describe, expect, test } from "vitest";
import {
  cellGradientLatex,
  cellGradientLines,
  cellLatex,
  cellLatexLines,
  parseCell,
} from "../src/index.js";

const BOOK_LSTM = `
cell lstm(x[I]; h[H], s[H]) {
  f  = sigmoid(b_f + U_f x + W_f h)          # forget gate
  g  = sigmoid(b_g + U_g x + W_g h)          # external input gate
  q  = sigmoid(b_o + U_o x + W_o h)          # output gate
  s' = f * s + g * sigmoid(b + U x + W h)    # the book uses σ for the state input
  h' = tanh(s') * q
}`;

/** Balanced braces and \left( … \right) pairs. */
function wellFormed(tex: string): boolean {
  let depth = 0;
  for (const ch of tex.replace(/\\[{}]/g, "")) {
    if (ch === "{") depth++;
    if (ch === "}" && --depth < 0) return false;
  }
  return (
    depth === 0 && (tex.match(/\\left/g) ?? []).length === (tex.match(/\\right/g) ?? []).length
  );
}

/** A group wrapped twice, `((…))`: the inner parentheses add nothing. */
function redundantParens(text: string): boolean {
  const match = new Map<number, number>();
  const stack: number[] = [];
  [...text].forEach((ch, i) => {
    if (ch === "(") stack.push(i);
    if (ch === ")") match.set(stack.pop()!, i);
  });
  return [...match].some(
    ([open, close]) => text[open + 1] === "(" && match.get(open + 1) === close - 1,
  );
}

describe("cellLatex", () => {
  test("the seed's LSTM, equation by equation", () => {
    expect(cellLatexLines(parseCell(BOOK_LSTM))).toEqual([
      ["f^{(t)}", "\\sigma\\left(b^{f} + U^{f} x^{(t)} + W^{f} h^{(t-1)}\\right)"],
      ["g^{(t)}", "\\sigma\\left(b^{g} + U^{g} x^{(t)} + W^{g} h^{(t-1)}\\right)"],
      ["q^{(t)}", "\\sigma\\left(b^{o} + U^{o} x^{(t)} + W^{o} h^{(t-1)}\\right)"],
      [
        "s^{(t)}",
        "f^{(t)} \\odot s^{(t-1)} + g^{(t)} \\odot \\sigma\\left(b + U x^{(t)} + W h^{(t-1)}\\right)",
      ],
      ["h^{(t)}", "\\tanh\\left(s^{(t)}\\right) \\odot q^{(t)}"],
    ]);
  });
  test("an aligned block; the MGU", () => {
    const mgu = parseCell(`cell mgu(x[I]; h[H]) {
      f  = sigmoid(U_f x + W_f h + b_f)
      n  = tanh(U_n x + W_n (f * h) + b_n)
      h' = (1 - f) * h + f * n
    }`);
    expect(cellLatex(mgu)).toBe(
      [
        "\\begin{aligned}",
        "f^{(t)} &= \\sigma\\left(U^{f} x^{(t)} + W^{f} h^{(t-1)} + b^{f}\\right) \\\\",
        "n^{(t)} &= \\tanh\\left(U^{n} x^{(t)} + W^{n} \\left(f^{(t)} \\odot h^{(t-1)}\\right) + b^{n}\\right) \\\\",
        "h^{(t)} &= \\left(1 - f^{(t)}\\right) \\odot h^{(t-1)} + f^{(t)} \\odot n^{(t)}",
        "\\end{aligned}",
      ].join("\n"),
    );
  });
});

describe("cellGradientLatex", () => {
  const cell = parseCell(BOOK_LSTM);
  const lines = cellGradientLines(cell);
  const lhs = lines.map(([l]) => l);
  const rhs = (l: string) => lines.find(([k]) => k === l)?.[1];

  test("one BPTT step: gates, x, previous states and every parameter's contribution", () => {
    for (const l of [
      "\\bar{f}^{(t)}",
      "\\bar{g}^{(t)}",
      "\\bar{q}^{(t)}",
      "\\bar{x}^{(t)}",
      "\\bar{h}^{(t-1)}",
      "\\bar{s}^{(t-1)}",
    ])
      expect(lhs).toContain(l);
    for (const p of cell.paramInfo) {
      const [base, gate] = p.name.split("_");
      expect(lhs).toContain(`\\bar{${base}}${gate ? `^{${gate}}` : ""} \\mathrel{+}`);
    }
    // every name is defined before it is used
    const defined = new Set(["\\bar{h}^{(t)}", "\\bar{s}^{(t)}"]);
    for (const [l, r] of lines) {
      for (const m of r.match(/\\delta_\{\d+\}|\\bar\{\w+\}\^\{\(t(-1)?\)\}/g) ?? [])
        expect(defined.has(m), `${m} in ${l}`).toBe(true);
      defined.add(l);
    }
  });
  test("derivatives are written on the forward values (σ' = σ(1 − σ), tanh' = 1 − tanh²)", () => {
    expect(rhs("\\bar{q}^{(t)}")).toMatch(/^\\bar\{h\}\^\{\(t\)\} \\odot \\delta_\{\d+\}$/);
    expect(
      lines.some(([, r]) =>
        r.includes(
          "\\bar{q}^{(t)} \\odot \\left(q^{(t)} \\odot \\left(1 - q^{(t)}\\right)\\right)",
        ),
      ),
    ).toBe(true);
    expect(rhs("\\bar{f}^{(t)}")).toMatch(/ \\odot s\^\{\(t-1\)\}$/);
    expect(rhs("\\bar{s}^{(t-1)}")).toMatch(/ \\odot f\^\{\(t\)\}$/);
  });
  test("weight gradients are outer products with the step's input or previous state", () => {
    expect(rhs("\\bar{U}^{f} \\mathrel{+}")).toMatch(
      /^\\delta_\{\d+\} \{x\^\{\(t\)\}\}\^\{\\top\}$/,
    );
    expect(rhs("\\bar{W}^{f} \\mathrel{+}")).toMatch(
      /^\\delta_\{\d+\} \{h\^\{\(t-1\)\}\}\^\{\\top\}$/,
    );
    expect(rhs("\\bar{x}^{(t)}")).toContain("{U^{f}}^{\\top}");
    expect(rhs("\\bar{h}^{(t-1)}")).toContain("{W^{f}}^{\\top}");
  });
  test("the block is well-formed LaTeX", () => {
    const tex = cellGradientLatex(cell);
    expect(tex.startsWith("\\begin{aligned}\n")).toBe(true);
    expect(wellFormed(tex)).toBe(true);
    expect(wellFormed(cellLatex(cell))).toBe(true);
  });
});

describe("graph printers on gradient graphs", () => {
  // a scalar gate and a layer norm bring sum, broadcast and reshape into the gradient
  const cell = parseCell(`cell ln(x[I]; h[H]) {
    param a[]
    z = U x + W h
    n = (z - mean(z)) / sqrt(mean(square(z - mean(z))) + 1e-5)
    h' = a * tanh(g * n + b) + (1 - a) * h
  }`);
  const gh = input("gh", ["H"]);
  const grads = simplify(
    vjp([cell.state[0]!.next], [gh], [...cell.params, cell.x, cell.state[0]!.node]),
  );

  test("text, LaTeX and DOT print every gradient, with no redundant parentheses", () => {
    const ops = new Set(topo(grads).map((n) => n.op.name));
    for (const name of ["transpose", "outer", "sum", "broadcastTo"]) expect(ops).toContain(name);
    for (const g of grads) {
      const text = printText(g);
      expect(redundantParens(text), text).toBe(false);
      const tex = printLatex(g);
      expect(wellFormed(tex)).toBe(true);
      expect(tex).not.toContain("\\operatorname{broadcastTo}");
    }
    const dot = printDot(grads, { name: "ln gradient" });
    expect(dot.match(/^\s+n\d+ \[label=/gm)!.length).toBe(topo(grads).length);
  });
  test("the LaTeX of the cell and its gradient", () => {
    expect(cellLatexLines(cell)[1]![1]).toContain("\\sum\\left(\\mathbf{1}\\right)");
    const tex = cellGradientLatex(cell);
    expect(wellFormed(tex)).toBe(true);
    expect(tex).toContain("\\bar{a} \\mathrel{+} &= \\sum\\left(");
  });
});
