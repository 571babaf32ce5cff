/** Random gated cells for the audit, built with the public `defineCell` only. */
import {
  abs,
  type Cell,
  constant,
  defineCell,
  exp,
  greater,
  log1p,
  logsigmoid,
  logsumexp,
  matmul,
  matvec,
  maximum,
  mean,
  minimum,
  mulberry32,
  type Node,
  outer,
  pow,
  reduceMax,
  relu,
  reshape,
  type StepContext,
  sigmoid,
  softmax,
  softplus,
  sqrt,
  square,
  sum,
  tanh,
  transpose,
  where,
} from "gated";

/** The project's public seeded PRNG (mulberry32). */
export const rng = (seed: number): (() => number) => mulberry32(seed);

const ACTS: ((n: Node) => Node)[] = [
  sigmoid,
  tanh,
  (n) => softplus(n).mul(0.5),
  (n) => logsigmoid(n).neg(),
  (n) => exp(tanh(n)),
  (n) => n,
  (n) => square(tanh(n)),
  (n) => relu(n).mul(0.3),
];

/**
 * A random cell: 1–3 states (h always, optionally c and m), 1–4 gates, optional peepholes
 * (diagonal products with c), parameters shared across gates, a parameter used both in a matvec
 * and elementwise, constants, and an output that is sometimes not h.
 */
export function randomCell(r: () => number, name = "rc"): Cell {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nStates = 1 + Math.floor(r() * 3);
  const state: Record<string, string> = { h: "H" };
  if (nStates > 1) state["c"] = "H";
  if (nStates > 2) state["m"] = "H";
  const nGates = 1 + Math.floor(r() * 4);
  const plan = Array.from({ length: nGates }, () => ({
    act: pick(ACTS),
    peep: r() < 0.4,
    shareU: r() < 0.25,
    bias: r() < 0.8,
    dual: r() < 0.2,
    gatedH: r() < 0.25,
  }));
  const updates = Array.from({ length: nStates }, () => Math.floor(r() * 4));
  const useConst = r() < 0.5;
  const names = Object.keys(state);
  const output = r() < 0.3 ? pick(names) : "h";
  return defineCell({
    name,
    state,
    output,
    step: (v, ctx: StepContext) => {
      const { x, h } = v as { x: Node; h: Node };
      const c = v["c"],
        m = v["m"];
      const gates: Node[] = [];
      plan.forEach((p, k) => {
        const U = ctx.param(p.shareU ? "U_shared" : `U_${k}`, ["H", "I"], { role: "input" });
        const W = ctx.param(`W_${k}`, ["H", "H"], { role: "recurrent" });
        const hin = p.gatedH && gates.length > 0 ? gates[gates.length - 1]!.mul(h) : h;
        let a = matvec(U, x).add(matvec(W, hin));
        if (p.bias) a = a.add(ctx.param(`b_${k}`, ["H"], { role: "bias" }));
        if (p.peep && c) a = a.add(ctx.param(`p_${k}`, ["H"], { role: "diagonal" }).mul(c));
        // a parameter used both in a matvec and elementwise (row sums of W times h)
        if (p.dual) a = a.add(sum(W, 1).mul(h).mul(0.1));
        if (useConst) a = a.add(constant(0.25, ["H"])).mul(0.9);
        gates.push(ctx.let(`g${k}`, p.act(a)));
      });
      const g = (i: number) => gates[i % gates.length]!;
      const next: Record<string, Node> = {};
      const upd = (old: Node, kind: number, i: number): Node => {
        switch (kind) {
          case 0:
            return sigmoid(g(i))
              .mul(old)
              .add(
                sigmoid(g(i))
                  .neg()
                  .add(1)
                  .mul(tanh(g(i + 1))),
              );
          case 1:
            return tanh(g(i).add(old.mul(0.5)));
          case 2:
            return old.mul(0.7).add(g(i).mul(g(i + 1)));
          default:
            return g(i);
        }
      };
      next["h"] = upd(h, updates[0]!, 0);
      if (c) next["c"] = upd(c, updates[1]!, 1).add(tanh(c).mul(0.1));
      if (m) next["m"] = upd(m, updates[2]!, 2).add(h.mul(0.2));
      if (c && r() < 0.5) next["h"] = next["h"]!.mul(tanh(next["c"]!));
      return next;
    },
    strict: false,
  });
}

/**
 * A random cell over a wider op set: reductions over H broadcast back (sum, mean, logsumexp,
 * reduceMax), softmax, comparisons and where, abs/maximum/minimum, division, pow, sqrt, slices
 * and concat, outer products contracted again, scalar parameters, and a matmul.
 */
export function wideCell(r: () => number, name = "wc"): Cell {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const twoStates = r() < 0.5;
  const plan = Array.from({ length: 3 + Math.floor(r() * 5) }, () => Math.floor(r() * 16));
  return defineCell({
    name,
    state: twoStates ? { h: "H", c: "H" } : { h: "H" },
    step: (v, ctx: StepContext) => {
      const { x, h } = v as { x: Node; h: Node };
      const c = v["c"] ?? h;
      const U = ctx.param("U", ["H", "I"], { role: "input" });
      const W = ctx.param("W", ["H", "H"], { role: "recurrent" });
      const b = ctx.param("b", ["H"], { role: "bias" });
      const s = ctx.param("s", [], { role: "other" });
      const pool: Node[] = [matvec(U, x).add(matvec(W, h)).add(b), h, c];
      const last = () => pool[pool.length - 1]!;
      const any = () => pick(pool);
      for (const op of plan) {
        const a = last(),
          o = any();
        let n: Node;
        switch (op) {
          case 0:
            n = a.sub(sum(a).div(4));
            break; // scalar broadcast
          case 1:
            n = a.sub(mean(o));
            break;
          case 2:
            n = a.sub(logsumexp(tanh(o)));
            break;
          case 3:
            n = softmax(a).mul(3);
            break;
          case 4:
            n = where(greater(a, o), tanh(a), sigmoid(o));
            break;
          case 5:
            n = maximum(a, o.mul(0.5)).add(minimum(a, 0.2));
            break;
          case 6:
            n = abs(a).add(0.1);
            break;
          case 7:
            n = a.div(square(o).add(1));
            break;
          case 8:
            n = pow(softplus(a).add(0.1), 1.5);
            break;
          case 9:
            n = sqrt(square(a).add(0.5));
            break;
          case 10:
            n = a.mul(s).add(s.mul(s));
            break;
          case 11:
            n = a.sub(reduceMax(o));
            break;
          case 12:
            n = matvec(outer(a, o), tanh(a)).mul(0.1);
            break;
          case 13:
            n = matvec(transpose(W), a).mul(0.5);
            break;
          case 14:
            n = reshape(matmul(reshape(a, ["H", 1]), reshape(tanh(o), [1, "H"])).sum(1), ["H"]).mul(
              0.2,
            );
            break;
          default:
            n = logsigmoid(a).add(log1p(sigmoid(o)));
            break;
        }
        pool.push(tanh(n));
      }
      const next: Record<string, Node> = { h: sigmoid(last()).mul(h).add(tanh(any()).mul(0.5)) };
      if (twoStates) next["c"] = c.mul(0.9).add(last().mul(0.1));
      return next;
    },
    strict: false,
  });
}
