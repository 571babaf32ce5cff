/**
 * Autodiff properties on random graphs over the whole op set: forward mode agrees with reverse
 * mode (⟨v, J u⟩ both ways), and second derivatives (grad-of-grad Hessian-vector products,
 * reverse-over-reverse and forward-over-reverse) agree with each other and with central
 * differences of the gradient. FC_RUNS=n raises the number of graphs.
 */
import { fc, test } from "@fast-check/vitest";
import { evaluate, input, jvp, type Node, vjp } from "@gated/graph";
import { expect } from "vitest";
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

const RUNS = Number(process.env["FC_RUNS"] ?? 0);
const runs = (n: number) => RUNS || n;

/** Leaves standing for a vector per `nodes` entry, named prefix0, prefix1, … */
const like = (nodes: readonly Node[], prefix: string) =>
  nodes.map((n, i) => input(`${prefix}${i}`, n.shape));

test.prop([graphArb()], { numRuns: runs(500), seed: Number(process.env["FC_SEED"] ?? 7) })(
  "jvp agrees with vjp: ⟨v, J u⟩ = ⟨Jᵀ v, u⟩",
  (g) => {
    const t = like(g.leaves, "t");
    const v = like(g.outputs, "v");
    const vals: Values = {
      ...g.bindings,
      ...randomLike(t, g.sizes, g.seed),
      ...randomLike(v, g.sizes, g.seed + 1),
    };
    const ju = evaluate(jvp(g.outputs, g.leaves, t), vals, g.sizes);
    const jtv = evaluate(vjp(g.outputs, v, g.leaves), vals, g.sizes);
    const a = dot(
      ju,
      v.map((n) => vals[n.label!]!),
    );
    const b = dot(
      jtv,
      t.map((n) => vals[n.label!]!),
    );
    expect(relErr(a, b, 1e-3), `${a} vs ${b}`).toBeLessThanOrEqual(1e-9);
  },
  Math.max(60_000, runs(500) * 20),
);

/** ⟨e, H d⟩ three ways: reverse-over-reverse, forward-over-reverse, and differences of ∇. */
function hvp(g: GraphCase): { rr: number; fr: number; fd: number } | null {
  const u = like(g.outputs, "u");
  const d = like(g.leaves, "d");
  const e = like(g.leaves, "e");
  const vals: Values = {
    ...g.bindings,
    ...randomLike(u, g.sizes, g.seed),
    ...randomLike(d, g.sizes, g.seed + 1),
    ...randomLike(e, g.sizes, g.seed + 2),
  };
  const grads = vjp(g.outputs, u, g.leaves);
  const rr = vjp(grads, d, g.leaves);
  const fr = jvp(grads, g.leaves, d);
  const dir = Object.fromEntries(g.leaves.map((l, i) => [l.label!, vals[d[i]!.label!]!]));
  const { outputs: all, frozen } = freezeStops([...grads, ...rr, ...fr], vals, g.sizes);
  if (crossesKink(kinkNodes(all), { ...vals, ...frozen }, dir, g.sizes)) return null;
  const ev = e.map((n) => vals[n.label!]!);
  const frozenGrads = all.slice(0, grads.length);
  const fd = directional(
    (x) => dot(evaluate(frozenGrads, { ...vals, ...x, ...frozen }, g.sizes), ev),
    g.bindings,
    dir,
  );
  return { rr: dot(evaluate(rr, vals, g.sizes), ev), fr: dot(evaluate(fr, vals, g.sizes), ev), fd };
}

test.prop([graphArb({ maxOps: 5 })], {
  numRuns: runs(300),
  seed: Number(process.env["FC_SEED"] ?? 11),
})(
  "Hessian-vector products: grad-of-grad = forward-over-reverse = differences of the gradient",
  (g) => {
    const r = hvp(g);
    if (!r) return fc.pre(false);
    expect(relErr(r.rr, r.fr, 1e-3), `rr ${r.rr} vs fr ${r.fr}`).toBeLessThanOrEqual(1e-9);
    expect(relErr(r.rr, r.fd), `rr ${r.rr} vs fd ${r.fd}`).toBeLessThanOrEqual(1e-6);
  },
  Math.max(60_000, runs(300) * 40),
);
