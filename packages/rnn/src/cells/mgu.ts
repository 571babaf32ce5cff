/**
 * Minimal Gated Unit: a GRU whose one gate both resets and updates.
 *
 *     f  = σ(U_f x + W_f h + b_f)
 *     h̃  = tanh(U_h x + W_h (f ⊙ h) + b_h)
 *     h' = (1 − f) ⊙ h + f ⊙ h̃
 *
 * Source: Zhou, Wu, Zhang & Zhou, "Minimal Gated Unit for Recurrent Neural Networks" (2016),
 * eq. (MGU); the same form as `mgu` in fixtures/torch/generate.py.
 *
 * Parameters, per gate k ∈ {f, h}: `U_k` [H, I], `W_k` [H, H], `b_k` [H]. Fixture mapping:
 * `Wx_k` → `U_k`, `Wh_k` → `W_k`, `b_k` → `b_k`. The paper calls f a forget gate, but f = 1
 * *replaces* the state, so a positive "forget bias" would bias towards forgetting; this cell
 * has no forgetBias option and keeps the default init for `b_f`.
 */
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type CellOptions, oneMinus } from "./common.js";

/** The minimal gated unit: state h. */
export function mgu(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "mgu",
    state: { h: "H" },
    step: ({ x, h }, { affine, let: name }) => {
      const f = name("f", sigmoid(affine("f", x, h)));
      const n = name("n", tanh(affine("h", x, f.mul(h))));
      return { h: oneMinus(f).mul(h).add(f.mul(n)) };
    },
  });
}
