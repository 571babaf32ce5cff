/**
 * LSTM whose gates are each the product of a global (layer-wide, scalar) gate and the usual
 * local per-unit gate (the seed's variant: "the product of a global gate (covering a whole group
 * of units, such as an entire layer) and a local gate (per unit)").
 *
 *     γ_k = σ(U_Gk x + W_Gk h + b_Gk)              [1]: one scalar per gate k, for the whole layer
 *     i   = γ_i ⊙ σ(U_i x + W_i h + b_i)           (γ broadcast over the H units)
 *     f   = γ_f ⊙ σ(U_f x + W_f h + b_f)
 *     o   = γ_o ⊙ σ(U_o x + W_o h + b_o)
 *     g   = tanh(U_g x + W_g h + b_g)
 *     c'  = f ⊙ c + i ⊙ g
 *     h'  = o ⊙ tanh(c')
 *
 * Source: Goodfellow, Bengio & Courville, Deep Learning (2016), §10.10.2 (the variants
 * paragraph), the seed text. Which gates get a global factor is an option (default all three).
 *
 * Parameters: per gate k ∈ {i, f, g, o} (this order) `U_k` [H, I], `W_k` [H, H], `b_k` [H], each
 * gated k followed by its global gate's `U_Gk` [1, I], `W_Gk` [1, H], `b_Gk` [1]. Forget bias:
 * `b_f` and `b_Gf` both start at `forgetBias` (default 1).
 */
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type ForgetBiasOptions, forgetInit } from "./common.js";

export interface GlobalGateOptions extends ForgetBiasOptions {
  /** The gates multiplied by a global gate (default all of i, f, o). */
  readonly gates?: readonly ("i" | "f" | "o")[];
}

/** LSTM with global × local gates: states h, c. */
export function globalGateLstm(opts: GlobalGateOptions = {}): Cell {
  const gated = new Set(opts.gates ?? ["i", "f", "o"]);
  for (const k of gated) {
    if (!["i", "f", "o"].includes(k))
      throw new Error(`globalGateLstm: unknown gate ${JSON.stringify(k)} (gates: i, f, o)`);
  }
  return defineCell({
    name: opts.name ?? "global_gate_lstm",
    state: { h: "H", c: "H" },
    init: forgetInit(opts, "b_f", ...(gated.has("f") ? ["b_Gf"] : [])),
    step: ({ x, h, c }, ctx) => {
      const gate = (k: "i" | "f" | "o") => {
        const local = sigmoid(ctx.affine(k, x, h));
        if (!gated.has(k)) return ctx.let(k, local);
        const gamma = ctx.let(`gamma_${k}`, sigmoid(ctx.affine(`G${k}`, x, h, { out: 1 })));
        return ctx.let(k, gamma.mul(local));
      };
      const i = gate("i");
      const f = gate("f");
      const g = ctx.let("g", tanh(ctx.affine("g", x, h)));
      const o = gate("o");
      const c2 = f.mul(c).add(i.mul(g));
      return { h: o.mul(tanh(c2)), c: c2 };
    },
  });
}
