/**
 * LSTM with diagonal peephole connections: the cell state is an extra input to the three gates,
 * with one weight per unit (the seed's "cell state as an extra input, three additional parameters").
 *
 *     i  = σ(U_i x + W_i h + p_i ⊙ c + b_i)
 *     f  = σ(U_f x + W_f h + p_f ⊙ c + b_f)
 *     g  = tanh(U_c x + W_c h + b_c)
 *     c' = f ⊙ c + i ⊙ g
 *     o  = σ(U_o x + W_o h + p_o ⊙ c' + b_o)       the output gate peeks at the new state
 *     h' = o ⊙ tanh(c')
 *
 * Sources: Gers, Schraudolph & Schmidhuber (2002); Graves (2013), "Generating Sequences with
 * Recurrent Neural Networks", eqs. 7–11; it is the vanilla LSTM of Greff et al. (2015), so it is
 * built by `greffLstm` (variant "vanilla").
 *
 * Parameters: per gate k ∈ {i, f, c, o} (this order) `U_k` [H, I], `W_k` [H, H], `b_k` [H]; then
 * `p_i, p_f, p_o` [H] (diagonal). Fixture mapping (`peephole_lstm`): `Wx_k` → `U_k`,
 * `Wh_k` → `W_k`, `b_k` → `b_k`, `p_k` → `p_k`. Forget bias: `b_f` starts at `forgetBias` (default 1).
 */
import type { Cell } from "../defineCell.js";
import type { ForgetBiasOptions } from "./common.js";
import { greffLstm } from "./greffLstm.js";

/** The peephole LSTM: states h, c. */
export function peepholeLstm(opts: ForgetBiasOptions = {}): Cell {
  return greffLstm({ ...opts, variant: "vanilla", name: opts.name ?? "peephole_lstm" });
}
