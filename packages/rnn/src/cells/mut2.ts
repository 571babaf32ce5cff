/**
 * MUT2 of Jozefowicz, Zaremba & Sutskever (2015), "An Empirical Exploration of Recurrent
 * Network Architectures", ICML, §3 (exact equations).
 *
 *     z  = σ(U_z x + W_z h + b_z)
 *     r  = σ(x + W_r h + b_r)
 *     h' = tanh(W_h (r ⊙ h) + U_h x + b_h) ⊙ z + h ⊙ (1 − z)
 *
 * The paper's W_xz, W_hz, W_hr, W_hh, W_xh are `U_z`, `W_z`, `W_r`, `W_h`, `U_h`. The raw x is
 * added to a hidden-sized vector, so the input has the hidden size: x is [H] (I = H).
 *
 * Parameters: `U_z, W_z` [H, H], `b_z` [H], `W_r` [H, H], `b_r` [H], `W_h, U_h` [H, H], `b_h` [H].
 */
import { matvec, sigmoid, tanh } from "@gated/ops";
import { defineCell, type Cell } from "../defineCell.js";
import { oneMinus, type CellOptions } from "./common.js";

/** MUT2: state h; the input size must equal the hidden size. */
export function mut2(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "mut2",
    state: { h: "H" },
    input: "H",
    step: ({ x, h }, { affine, param, let: name }) => {
      const z = name("z", sigmoid(affine("z", x, h)));
      const r = name("r", sigmoid(x.add(matvec(param("W_r", ["H", "H"], { role: "recurrent" }), h)).add(param("b_r", ["H"]))));
      const n = name("n", tanh(matvec(param("W_h", ["H", "H"], { role: "recurrent" }), r.mul(h))
        .add(matvec(param("U_h", ["H", "H"], { role: "input" }), x)).add(param("b_h", ["H"]))));
      return { h: n.mul(z).add(h.mul(oneMinus(z))) };
    },
  });
}
