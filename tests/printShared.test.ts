/**
 * Printers that show sharing: `printText` binds a subexpression used more than once (as a
 * jaxpr does), so the README's claim that the gradient reuses σ can be read off the printout.
 */
import { test as fcTest } from "@fast-check/vitest";
import {
  grad,
  input,
  type Node,
  param,
  printText,
  simplify,
  textEquationLines,
  vjp,
} from "@gated/graph";
import { matvec, sigmoid } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { graphArb } from "./arbitraries.js";

const NAME = /v[₀-₉]+/gu;

/** The let-bound printout, expanded back by substitution (each name by its parenthesized rhs). */
function expand(text: string): string {
  const lines = text.split("\n");
  const defs = new Map<string, string>();
  for (const line of lines.slice(0, -1)) {
    const [name, rhs] = split(line);
    defs.set(
      name,
      rhs.replace(NAME, (m) => `(${defs.get(m)})`),
    );
  }
  return lines.at(-1)!.replace(NAME, (m) => `(${defs.get(m)})`);
}

/** `name = rhs` at the first " = " (an equality op prints as `[a = b]` inside rhs). */
const split = (line: string): [string, string] => {
  const k = line.indexOf(" = ");
  return [line.slice(0, k), line.slice(k + 3)];
};

const bare = (s: string) => s.replace(/[()\s]/g, "");

/** Checks that every bound name is defined once, before its first use. */
function definedBeforeUse(text: string): void {
  const lines = text.split("\n");
  const defined = new Set<string>();
  for (const [k, line] of lines.entries()) {
    const last = k === lines.length - 1;
    const [lhs, rhs] = last ? [undefined, line] : split(line);
    for (const used of rhs.match(NAME) ?? [])
      expect(defined, `${used} in: ${line}`).toContain(used);
    if (lhs !== undefined) {
      expect(lhs).toMatch(/^v[₀-₉]+$/u);
      expect(defined).not.toContain(lhs);
      defined.add(lhs);
    }
  }
}

describe("printText binds shared subexpressions", () => {
  const x = input("x", ["I"]);
  const f = sigmoid(matvec(param("U_f", ["H", "I"]), x).add(param("b_f", ["H"])));
  const [dx] = simplify(grad(f.sum(), [x]));

  test("the README's gradient: σ is computed once and reused", () => {
    expect(printText(dx!)).toBe("v₁ = σ(U_f x + b_f)\nU_fᵀ (v₁ * (1 - v₁))");
    expect(printText(dx!).match(/σ\(/g)).toHaveLength(1);
    // a one-line description (finite depth) stays inline
    expect(printText(dx!, 8)).toBe("U_fᵀ (σ(U_f x + b_f) * (1 - σ(U_f x + b_f)))");
  });

  test("short shared subexpressions stay inline; the threshold is an option", () => {
    const y = input("y", ["H"]);
    const s = sigmoid(y);
    const [d] = simplify([s.mul(s.neg().add(1))]) as [Node];
    expect(printText(d)).toBe("σ(y) * (1 - σ(y))");
    expect(printText(d, { shareLongerThan: 0 })).toBe("v₁ = σ(y)\nv₁ * (1 - v₁)");
    expect(printText(d, { shareLongerThan: 0, style: "unicode" })).toBe("v₁ = σ(y)\nv₁ ⊙ (1 - v₁)");
  });

  test("bound names avoid the graph's own leaf names", () => {
    const v1 = input("v₁", ["H"]);
    const s = sigmoid(v1.add(1));
    expect(printText(s.mul(s), { shareLongerThan: 0 })).toBe("v₂ = σ(v₁ + 1)\nv₂ * v₂");
  });

  test("named equations in text, shared parts bound once (unicode style)", () => {
    const h = input("h", ["H"]);
    const z = sigmoid(matvec(param("W_z", ["H", "H"]), h));
    const [next] = simplify([z.mul(h).add(z.neg().add(1).mul(h.tanh()))]) as [Node];
    const lines = textEquationLines([{ name: "h'", node: next }], {
      style: "unicode",
      name: (n) => (n === z ? "z" : undefined),
    });
    expect(lines).toEqual([["h'", "z ⊙ h + (1 - z) ⊙ tanh(h)"]]);
  });

  fcTest.prop([graphArb({ maxOps: 8 })], { seed: 14, numRuns: 150 })(
    "random graphs and their gradients: names defined before use, and the printout expands to the inline expression",
    (g) => {
      const seeds = g.outputs.map((o) => input(`g${o.id}`, o.shape));
      const grads = simplify(vjp(g.outputs, seeds, g.leaves));
      for (const n of [...g.outputs, ...grads] as Node[]) {
        const text = printText(n, { shareLongerThan: 0 });
        definedBeforeUse(text);
        expect(bare(expand(text))).toBe(bare(printText(n, { shareLongerThan: Infinity })));
        // each bound right-hand side appears once: no shared subexpression is printed twice
        const rhs = text
          .split("\n")
          .slice(0, -1)
          .map((l) => split(l)[1]);
        expect(new Set(rhs).size).toBe(rhs.length);
      }
    },
  );
});
