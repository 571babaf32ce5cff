/**
 * Shared checks for one elementwise op, used by each op's test file: `evaluate` against a
 * reference, the scalar-IR formula's tree walk (`evalScalar`) against `evaluate`,
 * `vjp` against central differences at points of the op's domain, `jvp` against `vjp`, and
 * the printers' notation.
 */

import {
  type Domain,
  evalScalar,
  evaluate,
  grad,
  input,
  jvp,
  type Op,
  printText,
  S,
} from "@gated/graph";
import { expect, test } from "vitest";

/** Deterministic points: an LCG, so every run checks the same values. */
export function points(domains: readonly Domain[], n: number, seed = 1): number[][] {
  let s = seed;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () =>
    domains.map((d) => {
      const v = d.min + (d.max - d.min) * r();
      const gap = d.gap ?? 0;
      return d.avoid !== undefined && Math.abs(v - d.avoid) < gap
        ? d.avoid + (v < d.avoid ? -gap : gap) * 1.5
        : v;
    }),
  );
}

export function domainsOf(op: Op): Domain[] {
  const arity = op.arity as number;
  const d = op.domain!;
  return Array.isArray(d) ? [...(d as Domain[])] : Array.from({ length: arity }, () => d as Domain);
}

/** Evaluates the op on scalars. */
export function at(op: Op, xs: readonly number[]): number {
  const leaves = xs.map((_, i) => input(`a${i}`, []));
  return evaluate(op(...leaves), Object.fromEntries(xs.map((v, i) => [`a${i}`, [v]])))[0]!;
}

/** The op's scalar-IR formula, walked by `evalScalar` (the IR's own semantics). */
export function formula(op: Op): (...xs: number[]) => number {
  const tree = op.scalar!(
    Array.from({ length: op.arity as number }, (_, i) => S.arg(i)),
    {},
  );
  return (...xs) => evalScalar(tree, xs);
}

/** ∂op/∂x_i at a point, through `grad` and the interpreter. */
export function derivative(op: Op, xs: readonly number[]): number[] {
  const leaves = xs.map((_, i) => input(`a${i}`, []));
  const gs = grad(op(...leaves), leaves);
  return evaluate(gs, Object.fromEntries(xs.map((v, i) => [`a${i}`, [v]]))).map((g) => g[0]!);
}

/** Central differences with Richardson extrapolation. */
export function numeric(f: (x: number) => number, x: number, h = 1e-3): number {
  const d = (s: number) => (f(x + s) - f(x - s)) / (2 * s);
  return (4 * d(h / 2) - d(h)) / 3;
}

export interface ElementwiseOptions {
  /** An independent reference for the value (e.g. the Math function or a formula). */
  readonly ref?: (...xs: number[]) => number;
  /** Extra points for evaluate/formula agreement (extremes, saturation). */
  readonly extremes?: readonly (readonly number[])[];
}

/** Registers the standard tests of an elementwise op. */
export function elementwiseSuite(op: Op, opts: ElementwiseOptions = {}): void {
  const doms = domainsOf(op);
  const pts = points(doms, 25);
  const all = [...pts, ...(opts.extremes ?? [])];

  if (opts.ref) {
    test("evaluate matches the reference", () => {
      for (const p of all) expect(at(op, p), `${op.name}(${p})`).toBeCloseTo(opts.ref!(...p), 12);
    });
  }

  test("evaluate is the scalar formula, value for value", () => {
    const f = formula(op);
    for (const p of all) expect(at(op, p), `${op.name}(${p})`).toBe(f(...p));
  });

  if (op.differentiable !== false) {
    test("vjp matches central differences in the domain", () => {
      for (const p of pts) {
        const g = derivative(op, p);
        p.forEach((_, i) => {
          const fd = numeric(
            (v) =>
              at(
                op,
                p.map((q, j) => (j === i ? v : q)),
              ),
            p[i]!,
          );
          expect(
            Math.abs(g[i]! - fd),
            `∂${op.name}/∂x${i} at ${p}: ${g[i]} vs ${fd}`,
          ).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(fd)));
        });
      }
    });
  } else {
    test("no derivative: vjp and jvp contribute nothing", () => {
      const leaves = doms.map((_, i) => input(`a${i}`, []));
      const out = op(...leaves);
      const vals = Object.fromEntries(pts[0]!.map((v, i) => [`a${i}`, [v]]));
      for (const g of evaluate(grad(out, leaves), vals)) expect(g[0]).toBe(0);
      expect(
        op.vjp({ x: leaves, out, g: input("g", []), attrs: {} }).every((c) => c === null),
      ).toBe(true);
    });
  }

  test("jvp agrees with vjp", () => {
    const leaves = doms.map((_, i) => input(`a${i}`, []));
    const out = op(...leaves);
    for (const p of pts.slice(0, 5)) {
      const vals = Object.fromEntries(p.map((v, i) => [`a${i}`, [v]]));
      const g = derivative(op, p);
      leaves.forEach((_, i) => {
        const t = leaves.map((l, j) => input(`t${j}`, l.shape));
        const tv = Object.fromEntries(t.map((_, j) => [`t${j}`, [j === i ? 1 : 0]]));
        const [ju] = evaluate(jvp([out], leaves, t), { ...vals, ...tv });
        expect(ju![0]).toBeCloseTo(g[i]!, 12);
      });
    }
  });

  test("prints with its notation", () => {
    const leaves = doms.map((_, i) => input(`a${i}`, []));
    const text = printText(op(...leaves));
    for (const l of leaves) expect(text).toContain(l.label!);
  });
}

/** Checks the gradient of a scalar `y` against central differences along a random direction. */
export function checkGrad(
  y: import("@gated/graph").Node,
  leaves: readonly import("@gated/graph").Node[],
  vals: Record<string, number[]>,
  sizes: Record<string, number> = {},
  tol = 1e-8,
): void {
  const gs = evaluate(grad(y, leaves), vals, sizes);
  const dir = leaves.map((l) =>
    vals[l.label!]!.map((_, i) => Math.sin(3 * i + l.label!.length + 1)),
  );
  const f = (t: number) => {
    const v = { ...vals };
    leaves.forEach((l, k) => (v[l.label!] = vals[l.label!]!.map((x, i) => x + t * dir[k]![i]!)));
    return evaluate(y, v, sizes)[0]!;
  };
  const sym = gs.reduce((s, g, k) => s + g.reduce((a, b, i) => a + b * dir[k]![i]!, 0), 0);
  const fd = numeric(f, 0);
  expect(Math.abs(sym - fd), `gradient ${sym} vs differences ${fd}`).toBeLessThanOrEqual(
    tol * Math.max(1, Math.abs(fd)),
  );
}
