/**
 * GRU of Cho et al. (2014), the reset gate applied *before* the recurrent product; with a σ
 * candidate (`candidate: "sigmoid"`) it is the GRU of the Deep Learning book (eq. 10.45) and
 * the seed, whose update gate u is `z` here.
 *
 *     r  = σ(U_r x + W_r h + b_r)
 *     z  = σ(U_z x + W_z h + b_z)
 *     h̃  = tanh(U_h x + W_h (r ⊙ h) + b_h)          (σ for the book's form)
 *     h' = z ⊙ h + (1 − z) ⊙ h̃
 *
 * Source: Cho et al., "Learning Phrase Representations using RNN Encoder–Decoder" (2014),
 * eqs. 5–8, with biases; Goodfellow et al., Deep Learning (2016), eqs. 10.45–10.47.
 *
 * Parameters, per gate k ∈ {r, z, h} (in this order): `U_k` [H, I] (Cho's W), `W_k` [H, H]
 * (Cho's U), `b_k` [H]. Fixture mapping (`cho_gru`): `Wx_k` → `U_k`, `Wh_k` → `W_k`,
 * `b_k` → `b_k`. No forget gate (z keeps the old state).
 */
import { sigmoid } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type CellOptions, oneMinus, squash } from "./common.js";

export interface ChoGruOptions extends CellOptions {
  /** Squashing of the candidate: "tanh" (Cho, default) or "sigmoid" (the book). */
  readonly candidate?: "tanh" | "sigmoid";
}

/** Cho et al.'s GRU: state h. */
export function choGru(opts: ChoGruOptions = {}): Cell {
  const act = opts.candidate ?? "tanh";
  return defineCell({
    name: opts.name ?? (act === "tanh" ? "cho_gru" : "book_gru"),
    state: { h: "H" },
    step: ({ x, h }, ctx) => {
      const r = ctx.let("r", sigmoid(ctx.affine("r", x, h)));
      const z = ctx.let("z", sigmoid(ctx.affine("z", x, h)));
      const n = ctx.let("n", squash(act, ctx.affine("h", x, r.mul(h)), "choGru candidate"));
      return { h: z.mul(h).add(oneMinus(z).mul(n)) };
    },
  });
}
