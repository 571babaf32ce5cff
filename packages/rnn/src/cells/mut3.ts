/**
 * MUT3 of Jozefowicz, Zaremba & Sutskever (2015), "An Empirical Exploration of Recurrent
 * Network Architectures", ICML, §3 (exact equations).
 *
 *     z  = σ(U_z x + W_z tanh(h) + b_z)
 *     r  = σ(U_r x + W_r h + b_r)
 *     h' = tanh(W_h (r ⊙ h) + U_h x + b_h) ⊙ z + h ⊙ (1 − z)
 *
 * The paper's W_xz, W_hz, W_xr, W_hr, W_hh, W_xh are `U_z`, `W_z`, `U_r`, `W_r`, `W_h`, `U_h`.
 *
 * Parameters, per gate k ∈ {z, r, h}: `U_k` [H, I], `W_k` [H, H], `b_k` [H].
 */
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type CellOptions, oneMinus } from "./common.js";

/** MUT3: state h. */
export function mut3(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "mut3",
    state: { h: "H" },
    step: ({ x, h }, { affine, let: name }) => {
      const z = name("z", sigmoid(affine("z", x, tanh(h))));
      const r = name("r", sigmoid(affine("r", x, h)));
      const n = name("n", tanh(affine("h", x, r.mul(h))));
      return { h: n.mul(z).add(h.mul(oneMinus(z))) };
    },
  });
}
