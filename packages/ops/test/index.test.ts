/** The registry: every op in OPS is complete enough for the property suites and codegen. */

import { input, ops } from "@gated/graph";
import { OPS } from "@gated/ops";
import { describe, expect, test } from "vitest";

describe("OPS", () => {
  const entries = Object.entries(OPS);
  test("each entry is named after its key and is callable as its builder", () => {
    for (const [k, op] of entries) {
      expect(op.name, k).toBe(k);
      expect(typeof op, k).toBe("function");
    }
  });
  test("elementwise ops have a scalar formula, a domain per input and notation", () => {
    for (const [k, op] of entries.filter(([, o]) => o.kind === "elementwise")) {
      expect(op.scalar, k).toBeTypeOf("function");
      expect(op.domain, k).toBeDefined();
      const d = op.domain!;
      if (Array.isArray(d)) expect(d.length, k).toBe(op.arity);
      expect(op.notation?.text, k).toBeTypeOf("function");
      expect(op.notation?.latex, k).toBeTypeOf("function");
    }
  });
  test("reductions have a reduce facet; every op has a domain and printers", () => {
    for (const [k, op] of entries) {
      expect(op.domain, k).toBeDefined();
      if (op.kind === "reduce") expect(op.reduce, k).toBeDefined();
      expect(op.notation?.text, k).toBeTypeOf("function");
    }
  });
  test("the non-differentiable ops say so", () => {
    const nondiff = entries
      .filter(([, o]) => o.differentiable === false)
      .map(([k]) => k)
      .sort();
    expect(nondiff).toEqual([
      "equal",
      "greater",
      "greaterEqual",
      "less",
      "lessEqual",
      "sign",
      "stopGradient",
    ]);
  });
  test("importing binds the chainable methods", () => {
    const x = input("x", ["H"]);
    expect(x.mul(2).op).toBe(OPS.mul);
    expect(ops().sum(x).op).toBe(OPS.sum);
  });
});
