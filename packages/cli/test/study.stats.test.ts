import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  holm,
  incompleteBeta,
  logGamma,
  ranks,
  sample,
  tTwoSided,
  welch,
} from "../src/study/stats.js";

describe("t distribution tail", () => {
  // closed forms: ν = 1 is Cauchy, ν = 2 has P(|T| ≥ t) = 1 − t / √(2 + t²)
  test.prop([fc.double({ min: -1e3, max: 1e3, noNaN: true })], { seed: 1, numRuns: 300 })(
    "ν = 1 and ν = 2 match their closed forms",
    (t) => {
      expect(tTwoSided(t, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(Math.abs(t)), 12);
      expect(tTwoSided(t, 2)).toBeCloseTo(1 - Math.abs(t) / Math.sqrt(2 + t * t), 12);
    },
  );
  test("two-sided 5% critical values of Student's t tables", () => {
    for (const [t, df] of [
      [12.706205, 1],
      [4.302653, 2],
      [2.570582, 5],
      [2.228139, 10],
      [2.042272, 30],
      [1.983972, 100],
    ] as const)
      expect(tTwoSided(t, df)).toBeCloseTo(0.05, 6);
  });
  test("large ν approaches the normal tail (P(|Z| ≥ 1.959964) = 0.05)", () => {
    expect(tTwoSided(1.959964, 1e7)).toBeCloseTo(0.05, 5);
  });
  test("incomplete beta: symmetry I_x(a, b) = 1 − I_{1−x}(b, a), and I_x(1, 1) = x", () => {
    for (const x of [0.01, 0.3, 0.5, 0.77, 0.99]) {
      expect(incompleteBeta(x, 1, 1)).toBeCloseTo(x, 14);
      expect(incompleteBeta(x, 2.5, 0.5) + incompleteBeta(1 - x, 0.5, 2.5)).toBeCloseTo(1, 13);
    }
  });
  test("ln Γ at known points", () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 11);
  });
});

describe("Welch's t-test", () => {
  test("a worked example: t, Welch–Satterthwaite df and p from their definitions", () => {
    const a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
    const b = [
      28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9,
      21.6, 24.3, 20.4, 23.9, 13.3,
    ];
    const w = welch(a, b);
    // t and ν computed independently (Python's statistics module); Wikipedia's example gives p ≈ 0.036
    expect(w.t).toBeCloseTo(-2.225512039969852, 12);
    expect(w.df).toBeCloseTo(24.524634944257343, 10);
    expect(w.p).toBeCloseTo(tTwoSided(w.t, w.df), 14);
    expect(w.p).toBeGreaterThan(0.035);
    expect(w.p).toBeLessThan(0.037);
  });
  test.prop(
    [
      fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 12 }),
      fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 12 }),
    ],
    { seed: 2, numRuns: 300 },
  )("p is in [0, 1], symmetric in the samples, and 1 for identical samples", (a, b) => {
    const ab = welch(a, b);
    const ba = welch(b, a);
    expect(ab.p).toBeGreaterThanOrEqual(0);
    expect(ab.p).toBeLessThanOrEqual(1);
    expect(ab.p).toBeCloseTo(ba.p, 12);
    expect(welch(a, a).p).toBeCloseTo(1, 12);
  });
  test("fewer than two values: no test; constant samples: p 1 or 0", () => {
    expect(welch([1], [1, 2]).p).toBeNaN();
    expect(welch([2, 2, 2], [2, 2]).p).toBe(1);
    expect(welch([2, 2, 2], [3, 3]).p).toBe(0);
  });
});

describe("Holm, ranks, sample", () => {
  test("Holm's step-down adjustment", () => {
    expect(holm([0.01, 0.04, 0.03, 0.005])).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(holm([0.5, Number.NaN, 0.01])).toEqual([0.5, Number.NaN, 0.02]);
  });
  test("ranks: 1 = best in the task's direction, ties share the mean rank", () => {
    expect(ranks([0.3, 0.1, 0.2, 0.1], false)).toEqual([4, 1.5, 3, 1.5]);
    expect(ranks([0.3, 0.1, 0.2], true)).toEqual([1, 3, 2]);
  });
  test("sample std uses n − 1", () => {
    const s = sample([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 14);
  });
});
