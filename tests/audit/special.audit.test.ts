/**
 * Audit: every elementwise op of OPS gives the same float64 value in the interpreter (the
 * semantics) and in compiled code, on special values: NaN, ±Infinity, ±0, ±1e4, subnormals,
 * exp's overflow edge. Forward values only (derivatives at such points are not all defined).
 */

import {
  compileGraph,
  evaluate,
  input,
  logSoftmax,
  logsumexp,
  type Node,
  OPS,
  pow,
  reduceMax,
  softmax,
  sum,
  vjp,
} from "gated";
import { describe, expect, test } from "vitest";

const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1e4,
  -1e4,
  1e-310,
  -1e-310,
  709.9,
  710,
  -745.2,
  3,
  -3,
  36,
  -36,
  1e300,
];

/**
 * Same class (NaN, ±Infinity, ±0 by sign) and, for finite values, within a few ulps: formulas may
 * differ in the last bit (sigmoid's interpreter uses e/(1+e) for x < 0, the emitted code 1/(1+e^−x)).
 */
const same = (a: number, b: number) => {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b) || (a === 0 && b === 0)) return false;
  // underflow at the far tails (e.g. σ(−709.9) ≈ 5e-309 computed as 1/(1+∞) = 0) is not a bug
  if (Math.abs(a) < 1e-300 && Math.abs(b) < 1e-300) return true;
  return Math.abs(a - b) <= 4 * Number.EPSILON * Math.abs(b) || Math.abs(a - b) < 1e-320;
};
const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

describe("audit: interpreter vs compiled code on special values", () => {
  const x = input("x", ["N"]),
    y = input("y", ["N"]);
  const n = SPECIAL.length;
  const xs = new Float64Array(n * n),
    ys = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      xs[i * n + j] = SPECIAL[i]!;
      ys[i * n + j] = SPECIAL[j]!;
    }
  const cases: [string, Node][] = [];
  for (const [name, op] of Object.entries(OPS)) {
    const def = op as unknown as { kind: string; arity: unknown };
    if (def.kind !== "elementwise") continue;
    if (name === "stopGradient" || name === "pow" || name === "where") continue;
    if (def.arity === 1) cases.push([name, (op as (a: Node) => Node)(x)]);
    else if (def.arity === 2) cases.push([name, (op as (a: Node, b: Node) => Node)(x, y)]);
  }
  cases.push(["where", (OPS.where as (c: Node, a: Node, b: Node) => Node)(x, y, x.neg())]);
  cases.push(
    ["pow 1.5", pow(x, 1.5)],
    ["pow -2", pow(x, -2)],
    ["pow 0.5", pow(x, 0.5)],
    ["pow 3", pow(x, 3)],
  );

  test.each(cases.map(([name, node]) => [name, node] as const))("%s", (name, node) => {
    const k = compileGraph(
      { name, inputs: { x, y }, outputs: { out: node }, params: [] },
      { sizes: { N: n * n }, dtype: "float64" },
    );
    const got = k.forward(k.params(), { x: xs, y: ys }, { rows: 1 }).outputs["out"]!;
    const want = evaluate(node, { x: xs, y: ys }, { N: n * n });
    const bad: string[] = [];
    for (let k2 = 0; k2 < want.length; k2++) {
      if (!same(got[k2]!, want[k2]!))
        bad.push(
          `${name}(${show(xs[k2]!)}, ${show(ys[k2]!)}): compiled ${show(got[k2]!)}, interpreter ${show(want[k2]!)}`,
        );
    }
    expect(bad.slice(0, 6)).toEqual([]);
    // derivatives: the compiled backward sweep vs the interpreter on the vjp graph (cotangent 1)
    const g = k.backward(k.forward(k.params(), { x: xs, y: ys }, { rows: 1 }), {
      out: new Float64Array(n * n).fill(1),
    });
    const seed = input("g_out", ["N"]);
    const [gx, gy] = vjp([node], [seed], [x, y]);
    const [wx, wy] = evaluate(
      [gx!, gy!],
      { x: xs, y: ys, g_out: new Float64Array(n * n).fill(1) },
      { N: n * n },
    );
    for (let k2 = 0; k2 < n * n; k2++) {
      if (!same(g.inputs["x"]![k2]!, wx![k2]!))
        bad.push(
          `d${name}/dx(${show(xs[k2]!)}, ${show(ys[k2]!)}): compiled ${show(g.inputs["x"]![k2]!)}, interpreter ${show(wx![k2]!)}`,
        );
      if (!same(g.inputs["y"]![k2]!, wy![k2]!))
        bad.push(
          `d${name}/dy(${show(xs[k2]!)}, ${show(ys[k2]!)}): compiled ${show(g.inputs["y"]![k2]!)}, interpreter ${show(wy![k2]!)}`,
        );
    }
    expect(bad.slice(0, 6)).toEqual([]);
  });
});

describe("audit: reductions on special values, interpreter vs compiled", () => {
  const X = input("X", ["R", 2]);
  const n = SPECIAL.length;
  const xs = new Float64Array(n * n * 2);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      xs[(i * n + j) * 2] = SPECIAL[i]!;
      xs[(i * n + j) * 2 + 1] = SPECIAL[j]!;
    }
  const cases: [string, Node][] = [
    ["sum", sum(X, 1)],
    ["reduceMax", reduceMax(X, 1)],
    ["logsumexp", logsumexp(X, 1)],
    ["softmax", softmax(X, 1)],
    ["logSoftmax", logSoftmax(X, 1)],
  ];
  test.each(cases)("%s", (name, node) => {
    const k = compileGraph(
      { name, inputs: { X }, outputs: { out: node }, params: [] },
      { sizes: { R: n * n }, dtype: "float64" },
    );
    const got = k.forward(k.params(), { X: xs }, { rows: 1 }).outputs["out"]!;
    const want = evaluate(node, { X: xs }, { R: n * n });
    const bad: string[] = [];
    const w = want.length / (n * n);
    for (let r = 0; r < n * n; r++)
      for (let c = 0; c < w; c++) {
        const e = r * w + c;
        if (!same(got[e]!, want[e]!))
          bad.push(
            `${name}([${show(xs[2 * r]!)}, ${show(xs[2 * r + 1]!)}])[${c}]: compiled ${show(got[e]!)}, interpreter ${show(want[e]!)}`,
          );
      }
    expect(bad.slice(0, 6)).toEqual([]);
  });
});
