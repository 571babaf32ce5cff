/**
 * Independent random-graph gradient audit, written against the public API only (`gated`), with
 * its own generator (not tests/arbitraries.ts), seeded.  For each random graph:
 * symbolic grad vs central finite differences along a random direction (float64), jvp vs vjp,
 * grad-of-grad (HVP) vs finite differences of the gradient, simplify() keeps values, and
 * gradients w.r.t. intermediate nodes.
 */

import {
  constant,
  countNodes,
  evaluate,
  exp,
  grad,
  input,
  jvp,
  log,
  logsigmoid,
  logsumexp,
  matvec,
  type Node,
  param,
  printDot,
  printLatex,
  printLets,
  printText,
  sigmoid,
  simplify,
  softmax,
  softplus,
  stopGradient,
  sum,
  tanh,
  vjp,
} from "gated";
import { describe, expect, test } from "vitest";
import { fd, kindOf, randomGraph, rng, SIZES, valuesFor } from "./gen.js";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const shift = (b: Record<string, Float64Array>, v: Record<string, Float64Array>, e: number) =>
  Object.fromEntries(Object.entries(b).map(([k, x]) => [k, x.map((xi, i) => xi + e * v[k]![i]!)]));
function relErr(a: number, b: number, floor: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

const N = Number(process.env["FC_RUNS"] ?? 300);

describe("audit: random graphs, symbolic derivatives vs finite differences", () => {
  test("grad vs central differences, jvp vs vjp, simplify keeps values (smooth ops)", () => {
    const fails: string[] = [];
    for (let seed = 1; seed <= N; seed++) {
      const r = rng(seed);
      const { out, leaves } = randomGraph(r, true);
      const bind = valuesFor(r, leaves);
      const dir = valuesFor(r, leaves);
      const wrt = leaves;
      const g = grad(out, wrt);
      const gv = evaluate(g, bind, SIZES);
      const sym = wrt.reduce((acc, l, i) => acc + dot(gv[i]!, dir[l.label!]!), 0);
      const f = (e: number) => evaluate(out, shift(bind, dir, e), SIZES)[0]!;
      const num = fd(f, 1e-3);
      const scale = Math.abs(f(0)) + 1;
      if (relErr(sym, num, 1e-6 * scale) > 1e-6)
        fails.push(`seed ${seed}: grad ${sym} vs fd ${num}`);
      // jvp with tangents given as inputs
      const tangents = wrt.map((l) => input(`t_${l.label}`, l.shape));
      const [jv] = jvp([out], wrt, tangents);
      const tb = {
        ...bind,
        ...Object.fromEntries(Object.entries(dir).map(([k, v]) => [`t_${k}`, v])),
      };
      const jvv = evaluate(jv!, tb, SIZES)[0]!;
      if (relErr(jvv, sym, 1e-9 * scale) > 1e-9)
        fails.push(`seed ${seed}: jvp ${jvv} vs vjp ${sym}`);
      // simplify keeps values, for the output and its gradients
      const simp = simplify([out, ...g]);
      const sv = evaluate(simp, bind, SIZES);
      const before = [evaluate(out, bind, SIZES), ...gv];
      sv.forEach((v, k) =>
        v.forEach((x, i) => {
          // floor: rounding of cancelling terms, relative to the output's magnitude
          const mag = before[k]!.reduce((m, y) => Math.max(m, Math.abs(y)), 0);
          if (Math.abs(x - before[k]![i]!) > 1e-14 * (mag + 1) + 1e-10 * Math.abs(before[k]![i]!))
            fails.push(`seed ${seed}: simplify changed output ${k}[${i}] ${before[k]![i]} -> ${x}`);
        }),
      );
    }
    expect(fails.slice(0, 10)).toEqual([]);
  });

  test("with kinked ops (abs, relu, max, min, where, reduceMax): grad vs FD away from kinks", () => {
    const fails: string[] = [];
    for (let seed = 1001; seed <= 1000 + N; seed++) {
      const r = rng(seed);
      const { out, leaves } = randomGraph(r, false);
      const bind = valuesFor(r, leaves);
      const dir = valuesFor(r, leaves);
      const gv = evaluate(grad(out, leaves), bind, SIZES);
      const sym = leaves.reduce((acc, l, i) => acc + dot(gv[i]!, dir[l.label!]!), 0);
      const f = (e: number) => evaluate(out, shift(bind, dir, e), SIZES)[0]!;
      // a kink inside the stencil shows up as disagreement between step sizes: skip those
      const a = fd(f, 1e-4),
        b = fd(f, 1e-5);
      if (relErr(a, b, 1e-6) > 1e-5) continue;
      // floor: rounding noise of the differences (~1e-16 / h)
      if (relErr(sym, a, 1e-5 * (Math.abs(f(0)) + 1)) > 1e-6)
        fails.push(`seed ${seed}: grad ${sym} vs fd ${a}`);
    }
    expect(fails.slice(0, 10)).toEqual([]);
  });

  test("grad-of-grad (HVP) vs finite differences of the gradient", () => {
    const fails: string[] = [];
    for (let seed = 2001; seed <= 2000 + Math.ceil(N / 3); seed++) {
      const r = rng(seed);
      const { out, leaves } = randomGraph(r, true);
      const bind = valuesFor(r, leaves);
      const u = valuesFor(r, leaves);
      const v = valuesFor(r, leaves);
      const g = grad(out, leaves);
      // s = <g, u> with u as inputs; grad of s = H u
      const us = leaves.map((l) => input(`u_${l.label}`, l.shape));
      let s = constant(0);
      g.forEach((gi, i) => {
        s = s.add(sum(gi.mul(us[i]!)));
      });
      const hu = grad(s, leaves);
      const ub = Object.fromEntries(Object.entries(u).map(([k, x]) => [`u_${k}`, x]));
      const huv = evaluate(hu, { ...bind, ...ub }, SIZES);
      const sym = leaves.reduce((acc, l, i) => acc + dot(huv[i]!, v[l.label!]!), 0);
      // vᵀ H u = d/de <g(θ + e v), u>
      const f = (e: number) => {
        const gv = evaluate(g, shift(bind, v, e), SIZES);
        return leaves.reduce((acc, l, i) => acc + dot(gv[i]!, u[l.label!]!), 0);
      };
      const num = fd(f, 1e-3);
      if (relErr(sym, num, 1e-6 * (Math.abs(f(0)) + 1)) > 1e-6)
        fails.push(`seed ${seed}: hvp ${sym} vs fd ${num}`);
      // and forward-over-reverse: jvp of the gradient along v
      const vs = leaves.map((l) => input(`v_${l.label}`, l.shape));
      const jg = jvp(g, leaves, vs);
      const vb = Object.fromEntries(Object.entries(v).map(([k, x]) => [`v_${k}`, x]));
      const jgv = evaluate(jg, { ...bind, ...vb }, SIZES);
      const sym2 = leaves.reduce((acc, l, i) => acc + dot(jgv[i]!, u[l.label!]!), 0);
      if (relErr(sym2, sym, 1e-6 * (Math.abs(f(0)) + 1)) > 1e-8)
        fails.push(`seed ${seed}: jvp∘grad ${sym2} vs grad∘grad ${sym}`);
    }
    expect(fails.slice(0, 10)).toEqual([]);
  });

  test("gradients w.r.t. intermediate nodes: vjp through a cut equals the chain rule", () => {
    const fails: string[] = [];
    for (let seed = 3001; seed <= 3000 + Math.ceil(N / 3); seed++) {
      const r = rng(seed);
      const { out, leaves, pool } = randomGraph(r, true);
      const bind = valuesFor(r, leaves);
      // an intermediate node z: perturbing z's value by e·w changes out by e·<dout/dz, w>
      // only if z is the sole path; check instead: dout/dθ = Σ via vjp(out, dz) when z is `a`'s only user chain
      const z = pool[7 + Math.floor(r() * (pool.length - 7))];
      if (!z || kindOf(z) === undefined) continue;
      const [gz] = grad(out, [z]);
      expect(gz!.shape).toEqual(z.shape);
      // replacing z by an input with z's value must give the same partial derivative
      // (checked by finite differences on the replaced graph is not possible via public API;
      // check the consistency identity instead: vjp(z, gz_of_out_wrt_z ...) is well-formed and finite)
      const v = evaluate(gz!, bind, SIZES);
      if (!v.every(Number.isFinite))
        fails.push(`seed ${seed}: non-finite grad w.r.t. intermediate`);
      // an unrelated node gives zeros of its shape
      const other = param("unrelated", ["H", "K"]);
      const [gu] = grad(out, [other]);
      expect(gu!.shape).toEqual(["H", "K"]);
      expect(Array.from(evaluate(gu!, bind, SIZES))).toEqual([0, 0, 0, 0, 0, 0]);
    }
    expect(fails).toEqual([]);
  });
});

describe("audit: awkward cases", () => {
  test("constant-only subgraphs have zero gradient and fold; a leaf used in many places", () => {
    const a = param("a", ["H"]);
    const c = exp(constant(2))
      .mul(constant(3, ["H"]))
      .add(log(constant(5)));
    const y = sum(a.mul(c).add(a.mul(a)).add(sigmoid(a).mul(a)).add(c));
    const [ga] = grad(y, [a]);
    const av = Float64Array.from([0.3, -0.4, 1.1]);
    const gv = evaluate(ga!, { a: av }, SIZES);
    const cv = 3 * Math.exp(2) + Math.log(5);
    av.forEach((x, i) => {
      const s = 1 / (1 + Math.exp(-x));
      expect(gv[i]).toBeCloseTo(cv + 2 * x + s + x * s * (1 - s), 12);
    });
    const [folded] = simplify([c]);
    expect(folded!.op.name).toBe("constant");
  });

  test("stable ops at |x| = 1e4: finite values and derivatives, correct limits", () => {
    const x = input("x", ["H"]);
    const xs = Float64Array.from([1e4, -1e4, 0]);
    const cases: [string, (n: Node) => Node, (v: number) => number, (v: number) => number][] = [
      ["sigmoid", sigmoid, (v) => (v > 0 ? 1 : v < 0 ? 0 : 0.5), (v) => (v === 0 ? 0.25 : 0)],
      ["tanh", tanh, (v) => Math.sign(v), (v) => (v === 0 ? 1 : 0)],
      [
        "softplus",
        softplus,
        (v) => (v > 0 ? v : v < 0 ? 0 : Math.log(2)),
        (v) => (v > 0 ? 1 : v < 0 ? 0 : 0.5),
      ],
      [
        "logsigmoid",
        logsigmoid,
        (v) => (v > 0 ? 0 : v < 0 ? v : -Math.log(2)),
        (v) => (v > 0 ? 0 : v < 0 ? 1 : 0.5),
      ],
    ];
    for (const [name, f, val, der] of cases) {
      const y = f(x);
      const v = evaluate(y, { x: xs }, SIZES);
      const [g] = grad(sum(y), [x]);
      const gv = evaluate(g!, { x: xs }, SIZES);
      const [gs] = simplify([g!]);
      const gsv = evaluate(gs!, { x: xs }, SIZES);
      // second derivative must be finite too
      const [g2] = grad(sum(g!), [x]);
      const g2v = evaluate(g2!, { x: xs }, SIZES);
      for (let i = 0; i < 3; i++) {
        expect(v[i], `${name}(${xs[i]})`).toBeCloseTo(val(xs[i]!), 10);
        expect(gv[i], `${name}'(${xs[i]})`).toBeCloseTo(der(xs[i]!), 10);
        expect(gsv[i], `simplified ${name}'(${xs[i]})`).toBeCloseTo(der(xs[i]!), 10);
        expect(Number.isFinite(g2v[i]), `${name}''(${xs[i]}) = ${g2v[i]}`).toBe(true);
      }
    }
    const l = logsumexp(x);
    expect(evaluate(l, { x: xs }, SIZES)[0]).toBeCloseTo(1e4, 8);
    const [gl] = grad(l, [x]);
    const glv = evaluate(gl!, { x: xs }, SIZES);
    expect(Array.from(glv).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0]);
    const [gl2] = grad(sum(gl!.mul(x)), [x]);
    expect(evaluate(gl2!, { x: xs }, SIZES).every(Number.isFinite)).toBe(true);
    const lsm = evaluate(softmax(x), { x: Float64Array.from([1e4, 1e4, -1e4]) }, SIZES);
    expect(Array.from(lsm)).toEqual([0.5, 0.5, 0]);
  });

  test("gradient w.r.t. an intermediate node: chain rule through a cut, and stopGradient", () => {
    const a = param("a", ["H"]),
      b = param("b", ["H"]),
      M = param("M", ["H", "K"]),
      x = input("x", ["K"]);
    const z = tanh(matvec(M, x)).add(a.mul(a)); // every path from a and M to y goes through z
    const y = sum(sigmoid(z).mul(z).mul(b)).add(sum(z.mul(z)));
    const [gz] = grad(y, [z]);
    const bind = {
      a: [0.1, -0.5, 0.9],
      b: [1, 2, -1],
      M: [0.3, -0.2, 0.5, 0.1, -0.7, 0.4],
      x: [0.6, -1.1],
    };
    const zv = evaluate(z, bind, SIZES),
      gzv = evaluate(gz!, bind, SIZES);
    zv.forEach((zi, i) => {
      const s = 1 / (1 + Math.exp(-zi));
      expect(gzv[i]).toBeCloseTo(bind.b[i]! * (s * (1 - s) * zi + s) + 2 * zi, 12);
    });
    // chain rule: vjp(z, gz, [a, M]) equals grad(y, [a, M])
    const direct = evaluate(grad(y, [a, M]), bind, SIZES);
    const chained = evaluate(vjp([z], [gz!], [a, M]), bind, SIZES);
    direct.forEach((d, k) => d.forEach((v, i) => expect(chained[k]![i]).toBeCloseTo(v, 12)));
    // stopGradient: same value, no derivative through it (also in jvp and second order)
    const w = stopGradient(z).mul(z);
    expect(Array.from(evaluate(w, bind, SIZES))).toEqual(Array.from(zv, (v) => v * v));
    const [gw] = grad(sum(w), [z]);
    expect(Array.from(evaluate(gw!, bind, SIZES))).toEqual(Array.from(zv));
    const [jw] = jvp([w], [a], [input("ta", ["H"])]);
    const [jz] = jvp([z], [a], [input("ta", ["H"])]);
    const jb = { ...bind, ta: [1, 1, 1] };
    const jwv = evaluate(jw!, jb, SIZES),
      jzv = evaluate(jz!, jb, SIZES);
    jwv.forEach((v, i) => expect(v).toBeCloseTo(zv[i]! * jzv[i]!, 12));
  });

  test("NaN in inputs propagates through evaluate without throwing", () => {
    const x = input("x", ["H"]);
    const y = sum(tanh(x).add(sigmoid(x)).add(softplus(x)));
    expect(Number.isNaN(evaluate(y, { x: [NaN, 1, 2] }, SIZES)[0])).toBe(true);
    const [g] = grad(y, [x]);
    const gv = evaluate(g!, { x: [NaN, 1, 2] }, SIZES);
    expect(Number.isNaN(gv[0])).toBe(true);
    expect(Number.isFinite(gv[1])).toBe(true);
  });

  test("deep chain: 200 nested tanh/sigmoid layers, gradient matches FD", () => {
    const a = param("a", []);
    let y = a;
    for (let i = 0; i < 200; i++)
      y = i % 2 ? tanh(y.mul(1.1).add(0.1)) : sigmoid(y.mul(2)).sub(0.3);
    const [g] = grad(y, [a]);
    const f = (e: number) => evaluate(y, { a: [0.2 + e] })[0]!;
    const num = fd(f, 1e-4);
    const sym = evaluate(g!, { a: [0.2] })[0]!;
    expect(relErr(sym, num, 1e-10)).toBeLessThan(1e-6);
  });
});

describe("audit: interning keeps non-finite constants apart", () => {
  test("constant(Infinity), constant(-Infinity) and constant(NaN) are three nodes with their own values", () => {
    const opt = { allowNonFinite: true };
    const [a, b, c] = [
      constant(Infinity, [], opt),
      constant(-Infinity, [], opt),
      constant(NaN, ["H"], opt),
    ];
    expect(a).not.toBe(b);
    expect(constant(NaN, [], opt)).not.toBe(a);
    expect(constant(-Infinity, [], opt)).toBe(b);
    expect(evaluate(b, {})[0]).toBe(-Infinity);
    expect(evaluate(a, {})[0]).toBe(Infinity);
    expect(Number.isNaN(evaluate(c, {}, SIZES)[0])).toBe(true);
    // e.g. a mask written as where(cond, x, -Infinity) must not become +Infinity
    const x = input("x", ["H"]);
    const masked = x.add(constant(-Infinity, ["H"], opt));
    expect(Array.from(evaluate(masked, { x: [1, 2, 3] }, SIZES))).toEqual([
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
  });
});

describe("audit: simplify is idempotent and never grows a graph; printers take any graph", () => {
  test("on random graphs and their gradients", () => {
    const fails: string[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const { out, leaves } = randomGraph(rng(seed), seed % 2 === 0);
      const all = [out, ...grad(out, leaves)];
      const s1 = simplify(all);
      const s2 = simplify(s1);
      if (s1.some((n, i) => n !== s2[i]))
        fails.push(`seed ${seed}: simplify(simplify(g)) ≠ simplify(g)`);
      if (countNodes(s1) > countNodes(all))
        fails.push(`seed ${seed}: simplify grew ${countNodes(all)} → ${countNodes(s1)} nodes`);
      for (const text of [printText(s1[1]!), printLatex(s1[2]!), printDot(s1), printLets(s1)]) {
        if (typeof text !== "string" || text.length === 0)
          fails.push(`seed ${seed}: a printer gave ${JSON.stringify(text)}`);
      }
    }
    expect(fails).toEqual([]);
  });
});
