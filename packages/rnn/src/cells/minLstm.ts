/**
 * minLSTM (sequential mode): forget and input gates read only the input and are normalised to
 * sum to one, so the state stays time-independent in scale.
 *
 *     f  = σ(U_f x + b_f)
 *     i  = σ(U_i x + b_i)
 *     h̃  = U_h x + b_h
 *     h' = (f / (f + i)) ⊙ h + (i / (f + i)) ⊙ h̃
 *
 * Source: Feng, Tung, Ahmed, Bengio & Hajimirsadeghi, "Were RNNs All We Needed?" (2024)
 * (minLSTM, sequential mode, with the length-independence normalisation).
 *
 * Parameters: per k ∈ {f, i, h} (this order) `U_k` [H, I], `b_k` [H]. Forget bias: `b_f` starts
 * at `forgetBias` (default 1).
 */
import { sigmoid } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { bias, type ForgetBiasOptions, forgetInit, inputTerm } from "./common.js";

/** minLSTM: state h. */
export function minLstm(opts: ForgetBiasOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "min_lstm",
    state: { h: "H" },
    init: forgetInit(opts, "b_f"),
    step: ({ x, h }, ctx) => {
      const lin = (k: string) => inputTerm(ctx, k, x).add(bias(ctx, k));
      const f = ctx.let("f", sigmoid(lin("f")));
      const i = ctx.let("i", sigmoid(lin("i")));
      const n = ctx.let("n", lin("h"));
      const s = f.add(i);
      return { h: f.div(s).mul(h).add(i.div(s).mul(n)) };
    },
  });
}
