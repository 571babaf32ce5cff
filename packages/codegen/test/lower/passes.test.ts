/**
 * Each pass of one sweep on a small graph: the value it is given → the value it returns
 * (lowerScan's order, scan.ts). The graphs are built from the mini ops, so a change to one pass
 * shows here as a change to that pass's output, not only as a kernel mismatch downstream.
 */
import { input, param } from "@gated/graph";
import { describe, expect, test } from "vitest";
import { deferOuterProducts, mergeSums } from "../../src/lower/contract.js";
import { phases, sweepGraph } from "../../src/lower/phases.js";
import type { ScanSpec } from "../../src/lower/plan.js";
import { scanPasses } from "../../src/lower/scan.js";
import { statements } from "../../src/lower/statements.js";
import type { Stmt } from "../../src/schedule/schedule.js";
import { add, matvec, mul, outer, sweepSpec, tanh, transpose } from "./miniOps.js";

const sizes = { I: 2, H: 3 };
const x = input("x", ["I"]);
const h = input("h", ["H"]);
const g1 = input("g1", ["H"]);
const g2 = input("g2", ["H"]);
const U1 = param("U1", ["H", "I"]);
const U2 = param("U2", ["H", "I"]);
const W1 = param("W1", ["H", "H"]);
const W2 = param("W2", ["H", "H"]);
const b = param("b", ["H"]);
const b2 = param("b2", ["H"]);

/** Every pass's value (scanPasses: lowerScan's own pipeline); `phased` after the sink. */
function upTo(spec: ScanSpec) {
  const { sunk, ...rest } = scanPasses(spec);
  return { ...rest, phased: sunk };
}

const flat = (ss: readonly Stmt[]): Stmt[] =>
  ss.flatMap((s) => (s.kind === "loop" ? [s, ...flat(s.body)] : [s]));

describe("a forward step: products of the input and of the state (an LSTM in small)", () => {
  const xu1 = matvec(U1, x);
  const hw1 = matvec(W1, h);
  const a1 = add(xu1, hw1);
  const a2 = add(matvec(U2, x), matvec(W2, h));
  const next = add(mul(tanh(a1), h), tanh(a2));
  const spec = sweepSpec({
    sizes,
    carried: [{ leaf: h, next }],
    rowInputs: [x],
    params: [U1, U2, W1, W2, b],
  });
  const p = upTo(spec);

  test("phases: U x before the loop, W h and the gates in it", () => {
    expect(p.phased.phase.get(xu1)).toBe("pre");
    expect(p.phased.phase.get(hw1)).toBe("loop");
    expect(p.phased.phase.get(next)).toBe("loop");
    expect(p.phased.phase.get(U1)).toBe("static");
  });

  test("groupSharedVector: [U1; U2] x and [W1; W2] h, members side by side in layout order", () => {
    const gx = p.grouped.matOf.get(xu1)!;
    expect(gx).toMatchObject({ kind: "nt", v: x, width: 6 });
    expect(gx.members.map((m) => [m.p.label, m.col])).toEqual([
      ["U1", 0],
      ["U2", 3],
    ]);
    expect(p.grouped.matOf.get(hw1)!.members.map((m) => m.p.label)).toEqual(["W1", "W2"]);
    // the input's products are not merged into a sum: nothing of the state's is absorbed
    expect(p.merged.sumOf.size).toBe(0);
  });

  test("orderItems: one product before the loop; in it, the product then one fused map", () => {
    expect(p.plan.items.pre.map((i) => i.kind)).toEqual(["mat"]);
    expect(p.plan.items.loop.map((i) => i.kind)).toEqual(["mat", "map"]);
    const map = p.plan.items.loop[1]!;
    expect(map.kind === "map" && map.nodes.includes(next)).toBe(true);
  });

  test("placeBuffers: U x kept over all rows, W h per step; the next state stored in place", () => {
    expect(p.placed.primary.get(xu1)).toMatchObject({ scope: "time", col: 0, ld: 6 });
    expect(p.placed.primary.get(hw1)).toMatchObject({ scope: "row", col: 0, ld: 6 });
    expect(p.placed.primary.get(next)).toEqual(spec.carried[0]!.outLoc);
    expect(p.placed.primary.has(a1)).toBe(false); // fused: never leaves its map
  });

  test("statements: a [T·B × 2H] gemm before the loop, a [B × 2H] gemm and one map in it", () => {
    const r = statements(spec, p.placed);
    expect(r.stmts.pre).toMatchObject([{ kind: "gemm", m: "TB", n: 6, k: 2 }]);
    expect(r.stmts.loop.map((s) => s.kind)).toEqual(["gemm", "map"]);
    expect(r.stmts.loop[0]).toMatchObject({ m: "B", n: 6, k: 3, p: { buf: "P", col: 12 } });
  });
});

describe("a backward step: Σ Sᵀ u merged, gradients deferred", () => {
  const u1 = tanh(g1);
  const u2 = tanh(g2);
  const sum = add(add(matvec(transpose(W2), u2), matvec(transpose(W1), u1)), mul(u1, u2));
  const spec = sweepSpec({
    sweep: "backward",
    sizes,
    rowInputs: [x, h, g1, g2],
    rowOutputs: [sum],
    accum: [outer(u1, x), outer(u2, x), outer(u1, h), u1, outer(u2, h), u1],
    params: [U1, U2, W1, b, W2, b2],
  });
  const p = upTo(spec);
  const r = statements(spec, p.placed);

  test("mergeSums: both products in one group, terms in layout order, the rest kept", () => {
    const s = p.merged.sumOf.get(sum)!;
    expect(s.terms.map((t) => [t.s.label, t.u])).toEqual([
      ["W1", u1],
      ["W2", u2],
    ]);
    expect(s.rest.map((n) => n.op.name)).toEqual(["t_mul"]);
    // the inner addition and both products are computed inside the merged product
    expect([...p.merged.absorbed].map((n) => n.op.name).sort()).toEqual([
      "t_add",
      "t_matvec",
      "t_matvec",
    ]);
  });

  test("deferOuterProducts: u ⊗ x over consecutive U1, U2 in one group; the bias a column sum", () => {
    expect(p.deferred.outerGroups.map((g) => [g.v, g.terms.map((t) => t.offset)])).toEqual([
      [x, [0, 6]],
      [h, [12]],
      [h, [24]], // W2 does not follow W1 (b lies between): a group of its own
    ]);
    expect(p.deferred.colsums).toEqual([
      { node: u1, loc: spec.accum[3]!.loc },
      { node: u1, loc: spec.accum[5]!.loc },
    ]);
  });

  test("concatRequests: the vectors of the merged sum and of the gradient group, once", () => {
    expect(p.requested.concat).toEqual([[u1, u2]]);
  });

  test("liveness: what the sum, the gradients and the outputs read", () => {
    expect(p.live.live.has(u1) && p.live.live.has(x)).toBe(true);
  });

  test("placeBuffers: one delta buffer, u1 and u2 at columns 0 and H", () => {
    expect(p.placed.primary.get(u1)).toMatchObject({ buf: "delta", scope: "time", col: 0 });
    expect(p.placed.primary.get(u2)).toMatchObject({ buf: "delta", scope: "time", col: 3 });
  });

  test("statements: one gemm for the sum, one per gradient group over T·B rows", () => {
    const all = flat([...r.stmts.static, ...r.stmts.pre, ...r.stmts.post]);
    const gemms = all.filter((s) => s.kind === "gemm");
    expect(gemms.filter((s) => s.k === "TB").map((s) => [s.m, s.n, s.c.col])).toEqual([
      [6, 2, 0],
      [3, 3, 12],
      [3, 3, 24],
    ]);
    // two biases of the same columns (bi_k, bh_k): one pass over the rows, two destinations
    expect(all.filter((s) => s.kind === "colsum")).toMatchObject([
      { width: 3, to: { col: 21 }, also: [{ col: 33 }], doc: "∂b, ∂b2 += Σ_rows delta[:, 0…]" },
    ]);
  });

  test("statements: delta is transposed once; a gradient of one block reads its columns", () => {
    const transposes = r.stmts.post.filter((s) => s.kind === "transpose");
    expect(transposes.map((s) => s.kind === "transpose" && [s.from.buf, s.from.col, s.n])).toEqual([
      ["in0", 0, 2],
      ["delta", 0, 6],
      ["in1", 0, 3],
    ]);
    const wGrads = r.stmts.post.filter((s) => s.kind === "gemm" && s.m === 3);
    expect(wGrads.map((s) => s.kind === "gemm" && [s.a.buf, s.a.scope, s.a.col])).toEqual([
      ["delta_cols", "cols", 0],
      ["delta_cols", "cols", 3],
    ]);
  });
});

describe("deferOuterProducts refuses a gradient that reads no row", () => {
  test("one line naming the term", () => {
    const spec = sweepSpec({
      sweep: "backward",
      sizes,
      rowInputs: [g1],
      rowOutputs: [tanh(g1)],
      accum: [tanh(b)],
      params: [b],
    });
    const merged = mergeSums(spec, phases(spec, sweepGraph(spec)));
    expect(() => deferOuterProducts(spec, merged)).toThrow(/gradient term .* does not depend/);
  });
});
