import { CATALOGUE_NAMES, getCell, parseCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { cellGradientUnicode, cellUnicode } from "../src/cellMath.js";

describe("terminal math for cells (gated show)", () => {
  test("the LSTM: σ, tanh, ⊙, primes; its gradient binds the shared cotangent once", () => {
    const lstm = getCell("lstm");
    expect(cellUnicode(lstm).split("\n")).toEqual([
      "i = σ(U_i x + bi_i + (W_i h + bh_i))",
      "f = σ(U_f x + bi_f + (W_f h + bh_f))",
      "g = tanh(U_g x + bi_g + (W_g h + bh_g))",
      "o = σ(U_o x + bi_o + (W_o h + bh_o))",
      "c′ = f ⊙ c + i ⊙ g",
      "h′ = o ⊙ tanh(c′)",
    ]);
    const grad = cellGradientUnicode(lstm);
    expect(grad.split("\n")[0]).toBe("δ₁ = ∂c′ + ∂h′ ⊙ o ⊙ (1 - tanh(c′)^2)");
    expect(grad).toContain("∂f = δ₁ ⊙ c");
    expect(grad).toMatch(/^∂U_f \+= δ₄ ⊗ x$/m);
  });

  test("cumprod and cumsum print as the calls the cell wrote, not as their scans", () => {
    const cell = parseCell(`cell cumprod_cell(x[I]; h[H]) {
  g  = cumprod(tanh(W_g h + U_g x + b_g))
  s  = cumsum(sigmoid(U_s x))
  h' = tanh(g * h + s + W h)
}`);
    expect(cellUnicode(cell).split("\n")).toEqual([
      "g = cumprod(tanh(W_g h + U_g x + b_g))",
      "s = cumsum(σ(U_s x))",
      "h′ = tanh(g ⊙ h + s + W h)",
    ]);
  });

  test.each([...CATALOGUE_NAMES])(
    "%s: every name is defined before it is used, no LaTeX",
    (name) => {
      const cell = getCell(name);
      for (const text of [cellUnicode(cell), cellGradientUnicode(cell)]) {
        expect(text).not.toMatch(/\\[a-z]+/);
        const defined = new Set<string>();
        for (const line of text.split("\n")) {
          const m = /^(\S+) (\+?=) (.*)$/.exec(line);
          expect(m, line).not.toBeNull();
          for (const d of m![3]!.match(/δ[₀-₉]+/g) ?? []) expect(defined, line).toContain(d);
          if (m![2] === "=") defined.add(m![1]!);
        }
      }
    },
  );
});
