/**
 * Layer-normalised LSTM: each gate's pre-activation and the cell state's read-out are
 * normalised over the hidden units, each with its own learned gain and shift.
 *
 *     LN(v; s, β) = s ⊙ (v − μ) / √(σ² + ε) + β,   μ = mean(v), σ² = mean((v − μ)²) over H
 *     a_k = LN(U_k x + W_k h; s_k, b_k)          k ∈ {i, f, g, o}  (the shift b_k is the bias)
 *     c'  = σ(a_f) ⊙ c + σ(a_i) ⊙ tanh(a_g)
 *     h'  = σ(a_o) ⊙ tanh(LN(c'; s_c, b_c))
 *
 * Source: Ba, Kiros & Hinton, "Layer Normalization" (2016), §3.1 and eqs. 20–22 (LSTM), with
 * the statistics taken per gate, as in TensorFlow's LayerNormBasicLSTMCell. (Ba et al. normalise
 * W x and W h separately, each over the stacked 4H pre-activations; here one LN per gate, over
 * its H units, normalises U_k x + W_k h.) The carried c itself is not normalised (as in Ba et al.).
 *
 * Parameters: per gate k ∈ {i, f, g, o} (this order) `U_k` [H, I], `W_k` [H, H], gain `s_k` [H]
 * (init 1), shift `b_k` [H] (init 0; `b_f` = forgetBias, default 1); then `s_c` [H] (init 1),
 * `b_c` [H] (init 0). ε is a constant option (default 1e-5).
 */
import type { Node } from "@gated/graph";
import { mean, sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell, type InitSpec, type StepContext } from "../defineCell.js";
import { type ForgetBiasOptions, forgetInit } from "./common.js";

export interface LnLstmOptions extends ForgetBiasOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly epsilon?: number;
}

/** Layer normalisation of a [H] vector with gain `s_<k>` and shift `b_<k>`. */
export function layerNorm(ctx: StepContext, k: string, v: Node, epsilon: number): Node {
  const d = v.sub(mean(v, 0));
  const inv = mean(d.square(), 0).add(epsilon).pow(-0.5);
  const s = ctx.param(`s_${k}`, ["H"], { role: "other", init: { kind: "constant", value: 1 } });
  const b = ctx.param(`b_${k}`, ["H"], { role: "bias", init: { kind: "constant", value: 0 } });
  return s.mul(d.mul(inv)).add(b);
}

/** The layer-normalised LSTM: states h, c. */
export function lnLstm(opts: LnLstmOptions = {}): Cell {
  const eps = opts.epsilon ?? 1e-5;
  if (!(eps > 0) || !Number.isFinite(eps)) {
    throw new Error(`lnLstm: epsilon must be a positive number, got ${eps}`);
  }
  const init: Record<string, InitSpec> = forgetInit(opts, "b_f");
  return defineCell({
    name: opts.name ?? "ln_lstm",
    state: { h: "H", c: "H" },
    init,
    step: ({ x, h, c }, ctx) => {
      const a = (k: string) => layerNorm(ctx, k, ctx.affine(k, x, h, { bias: false }), eps);
      const i = ctx.let("i", sigmoid(a("i")));
      const f = ctx.let("f", sigmoid(a("f")));
      const g = ctx.let("g", tanh(a("g")));
      const o = ctx.let("o", sigmoid(a("o")));
      const c2 = f.mul(c).add(i.mul(g));
      return { h: o.mul(tanh(layerNorm(ctx, "c", c2, eps))), c: c2 };
    },
  });
}
