/**
 * LSTM whose forget gate is shared across groups of units (the seed's variant: "the reset gate
 * (or forget gate) output could be shared across multiple hidden units"). The gate is computed
 * at size G and expanded to the H units by a fixed 0/1 assignment matrix E_f.
 *
 *     f_G = σ(U_f x + W_f h + b_f)                  [G]: one forget gate per group
 *     f   = E_f f_G                                 [H]: E_f [H, G], E_f[j, ⌊j·G/H⌋] = 1, else 0
 *     i   = σ(U_i x + W_i h + b_i),  g = tanh(U_g x + W_g h + b_g),  o = σ(U_o x + W_o h + b_o)
 *     c'  = f ⊙ c + i ⊙ g
 *     h'  = o ⊙ tanh(c')
 *
 * Source: Goodfellow, Bengio & Courville, Deep Learning (2016), §10.10.2 (the variants
 * paragraph), the seed text.
 *
 * Design: dims are symbolic and H is not G·k for a symbolic k, so the expansion cannot be a
 * reshape/broadcast; it is a matrix product with `E_f`, a parameter of role "fixed" initialised
 * with the "groups" scheme (contiguous groups of ⌈H/G⌉ or ⌊H/G⌋ units). Its gradient exists (the
 * kernels compute it) but trainers keep fixed parameters at their initial value. The group count
 * is the dim "G" (bind it with `sizes: { G }` when compiling); G = H with E_f = I is the LSTM.
 *
 * Parameters: per gate k ∈ {i, f, g, o} (this order) `U_k`, `W_k`, `b_k` ([G, I], [G, H], [G]
 * for f; [H, I], [H, H], [H] otherwise); then `E_f` [H, G]. Forget bias: `b_f` = forgetBias.
 */
import { matvec, sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type ForgetBiasOptions, forgetInit } from "./common.js";

/** LSTM with a group-shared forget gate: states h, c; uses the dim "G". */
export function groupedGateLstm(opts: ForgetBiasOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "grouped_gate_lstm",
    state: { h: "H", c: "H" },
    init: forgetInit(opts, "b_f"),
    step: ({ x, h, c }, ctx) => {
      const i = ctx.let("i", sigmoid(ctx.affine("i", x, h)));
      const fG = ctx.let("f_G", sigmoid(ctx.affine("f", x, h, { out: "G" })));
      const g = ctx.let("g", tanh(ctx.affine("g", x, h)));
      const o = ctx.let("o", sigmoid(ctx.affine("o", x, h)));
      const e = ctx.param("E_f", ["H", "G"], { role: "fixed", init: { kind: "groups" } });
      const f = ctx.let("f", matvec(e, fG));
      const c2 = f.mul(c).add(i.mul(g));
      return { h: o.mul(tanh(c2)), c: c2 };
    },
  });
}
