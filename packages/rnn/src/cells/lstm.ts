/**
 * LSTM in PyTorch's form (`torch.nn.LSTM`), gate order i, f, g, o, two biases per gate.
 *
 *     i  = σ(U_i x + bi_i + W_i h + bh_i)
 *     f  = σ(U_f x + bi_f + W_f h + bh_f)
 *     g  = tanh(U_g x + bi_g + W_g h + bh_g)
 *     o  = σ(U_o x + bi_o + W_o h + bh_o)
 *     c' = f ⊙ c + i ⊙ g
 *     h' = o ⊙ tanh(c')
 *
 * Source: PyTorch documentation of `torch.nn.LSTM`; Hochreiter & Schmidhuber (1997) with the
 * forget gate of Gers, Schmidhuber & Cummins (2000).
 *
 * Parameters, per gate k ∈ {i, f, g, o} (in this order): `U_k` [H, I], `W_k` [H, H], `bi_k` [H],
 * `bh_k` [H]. PyTorch mapping (layer l, rows kH:(k+1)H of the stacked tensors, k = 0..3 for
 * i, f, g, o): `weight_ih_l{l}` → `U_k`, `weight_hh_l{l}` → `W_k`, `bias_ih_l{l}` → `bi_k`,
 * `bias_hh_l{l}` → `bh_k`. Forget bias: `bi_f` starts at `forgetBias` and `bh_f` at 0, so their
 * sum is exactly `forgetBias` (`forgetBias: null` keeps PyTorch's uniform init for both).
 */
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type ForgetBiasOptions, forgetInit, torchAffine } from "./common.js";

/** `torch.nn.LSTM`'s cell: states h, c; output h. */
export function lstm(opts: ForgetBiasOptions = {}): Cell {
  const fb = forgetInit(opts, "bi_f");
  return defineCell({
    name: opts.name ?? "lstm",
    state: { h: "H", c: "H" },
    init: "bi_f" in fb ? { ...fb, bh_f: { kind: "constant", value: 0 } } : {},
    step: ({ x, h, c }, ctx) => {
      const i = ctx.let("i", sigmoid(torchAffine(ctx, "i", x, h)));
      const f = ctx.let("f", sigmoid(torchAffine(ctx, "f", x, h)));
      const g = ctx.let("g", tanh(torchAffine(ctx, "g", x, h)));
      const o = ctx.let("o", sigmoid(torchAffine(ctx, "o", x, h)));
      const c2 = f.mul(c).add(i.mul(g));
      return { h: o.mul(tanh(c2)), c: c2 };
    },
  });
}
