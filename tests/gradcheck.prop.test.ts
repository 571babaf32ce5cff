/**
 * The acceptance property of the foundation: on random well-shaped graphs over the whole op set
 * (tests/arbitraries.ts), the symbolic gradient equals central finite differences in float64,
 * relative error ≤ 1e-6 along a random direction (Richardson-extrapolated central differences,
 * h = 1e-3; points whose stencil crosses a kink are skipped). FC_RUNS=n runs n graphs (default
 * 1000), FC_SEED=s another seed, FC_WORST=1 prints the worst case.
 */
import { fc, test } from "@fast-check/vitest";
import { evaluate, evaluateAll, input, vjp } from "@gated/graph";
import { OPS } from "@gated/ops";
import { afterAll, expect } from "vitest";
import { type GraphCase, graphArb } from "./arbitraries.js";
import {
  crossesKink,
  directional,
  dot,
  freezeStops,
  kinkNodes,
  randomLike,
  relErr,
  type Values,
} from "./fd.js";

const RUNS = Number(process.env["FC_RUNS"] ?? 1000);
const TOL = 1e-6;
const stats = { runs: 0, skipped: 0, worst: 0, worstCase: "", ops: new Map<string, number>() };

/** The symbolic and the finite-difference directional derivative of Σ⟨u, f⟩. */
export function gradPair(g: GraphCase): { sym: number; fd: number; scale: number } | null {
  const cot = g.outputs.map((o, k) => input(`u${k}`, o.shape));
  const u = randomLike(cot, g.sizes, g.seed);
  const dir = randomLike(g.leaves, g.bindings, g.seed + 1);
  const grads = vjp(g.outputs, cot, g.leaves);
  const at: Values = { ...g.bindings, ...u };
  // stop-gradient nodes held at their value here, as autodiff sees them
  const { outputs: all, frozen } = freezeStops([...g.outputs, ...grads], at, g.sizes);
  if (crossesKink(kinkNodes(all), { ...at, ...frozen }, dir, g.sizes)) return null;
  const gv = evaluate(grads, at, g.sizes);
  const sym = dot(
    gv,
    g.leaves.map((l) => dir[l.label!]!),
  );
  const outputs = all.slice(0, g.outputs.length);
  const uv = cot.map((c) => u[c.label!]!);
  const loss = (v: Values) => dot(evaluate(outputs, { ...v, ...frozen }, g.sizes), uv);
  // the largest value computed on the way: what the rounding noise of the differences scales with
  let scale = 1;
  for (const t of evaluateAll(outputs, { ...g.bindings, ...frozen }, g.sizes).values()) {
    for (const v of t.data) scale = Math.max(scale, Math.abs(v));
  }
  return { sym, fd: directional(loss, g.bindings, dir), scale };
}

test.prop([graphArb()], { numRuns: RUNS, seed: Number(process.env["FC_SEED"] ?? 20261127) })(
  "symbolic gradient = central differences (rel ≤ 1e-6)",
  (g) => {
    const pair = gradPair(g);
    stats.runs++;
    g.used.forEach((n) => stats.ops.set(n, (stats.ops.get(n) ?? 0) + 1));
    if (!pair) {
      stats.skipped++;
      fc.pre(false);
      return;
    }
    // near-zero derivatives: differences carry rounding noise of ~1e-13 × the values computed,
    // so the denominator has a floor of 1e-6 × the largest of them (and at least 1e-6)
    const err = relErr(pair.sym, pair.fd, 1e-6 * pair.scale);
    if (!(err <= stats.worst)) {
      stats.worst = err;
      stats.worstCase = `${String(g)}\nsym ${pair.sym} fd ${pair.fd}`;
    }
    expect(err, `sym ${pair.sym} vs fd ${pair.fd}`).toBeLessThanOrEqual(TOL);
  },
  Math.max(60_000, RUNS * 20),
);

test.prop([graphArb({ minOps: 6, maxOps: 14 })], {
  numRuns: Math.ceil(RUNS / 5),
  seed: Number(process.env["FC_SEED"] ?? 20261127) + 1,
})(
  "larger graphs (6 to 14 ops): symbolic gradient = central differences (rel ≤ 1e-6)",
  (g) => {
    const pair = gradPair(g);
    if (!pair) return fc.pre(false);
    expect(
      relErr(pair.sym, pair.fd, 1e-6 * pair.scale),
      `sym ${pair.sym} vs fd ${pair.fd}`,
    ).toBeLessThanOrEqual(TOL);
  },
  Math.max(60_000, RUNS * 20),
);

test("every op in OPS was gradient-checked", () => {
  const missing = Object.keys(OPS).filter((n) => !stats.ops.has(n));
  expect(missing).toEqual([]);
});

afterAll(() => {
  const cover = [...stats.ops].map(([k, v]) => `${k}:${v}`).join(" ");
  console.log(
    `gradcheck: ${stats.runs} graphs, ${stats.skipped} skipped at kinks, worst rel err ${stats.worst.toExponential(2)}\n${cover}`,
  );
  if (process.env["FC_WORST"]) console.log(stats.worstCase);
});
