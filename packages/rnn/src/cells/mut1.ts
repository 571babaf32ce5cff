/**
 * MUT1, the first of the three architectures found by Jozefowicz, Zaremba & Sutskever (2015),
 * "An Empirical Exploration of Recurrent Network Architectures", ICML, §3 (exact equations).
 *
 *     z  = σ(U_z x + b_z)
 *     r  = σ(U_r x + W_r h + b_r)
 *     h' = tanh(W_h (r ⊙ h) + tanh(x) + b_h) ⊙ z + h ⊙ (1 − z)
 *
 * The paper's W_xz, W_xr, W_hr, W_hh are `U_z`, `U_r`, `W_r`, `W_h`. `tanh(x)` is added to a
 * hidden-sized vector, so the input has the hidden size: x is [H] (input dim "H", I = H).
 *
 * Parameters: `U_z` [H, H], `b_z` [H], `U_r` [H, H], `W_r` [H, H], `b_r` [H], `W_h` [H, H],
 * `b_h` [H]. No forget gate (z is an update gate).
 */
import { matvec, sigmoid, tanh } from "@gated/ops";
import { defineCell, type Cell } from "../defineCell.js";
import { oneMinus, type CellOptions } from "./common.js";

/** MUT1: state h; the input size must equal the hidden size. */
export function mut1(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "mut1",
    state: { h: "H" },
    input: "H",
    step: ({ x, h }, { param, let: name }) => {
      const z = name("z", sigmoid(matvec(param("U_z", ["H", "H"], { role: "input" }), x).add(param("b_z", ["H"]))));
      const r = name("r", sigmoid(matvec(param("U_r", ["H", "H"], { role: "input" }), x)
        .add(matvec(param("W_r", ["H", "H"], { role: "recurrent" }), h)).add(param("b_r", ["H"]))));
      const n = name("n", tanh(matvec(param("W_h", ["H", "H"], { role: "recurrent" }), r.mul(h)).add(tanh(x)).add(param("b_h", ["H"]))));
      return { h: n.mul(z).add(h.mul(oneMinus(z))) };
    },
  });
}
