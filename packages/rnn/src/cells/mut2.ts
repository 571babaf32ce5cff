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
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { bias, type CellOptions, inputTerm, oneMinus, recurrentTerm } from "./common.js";

/** MUT2: state h; the input size must equal the hidden size. */
export function mut2(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "mut2",
    state: { h: "H" },
    input: "H",
    step: ({ x, h }, ctx) => {
      const z = ctx.let("z", sigmoid(ctx.affine("z", x, h)));
      const r = ctx.let("r", sigmoid(x.add(recurrentTerm(ctx, "r", h)).add(bias(ctx, "r"))));
      const n = ctx.let(
        "n",
        tanh(
          recurrentTerm(ctx, "h", r.mul(h))
            .add(inputTerm(ctx, "h", x))
            .add(bias(ctx, "h")),
        ),
      );
      return { h: n.mul(z).add(h.mul(oneMinus(z))) };
    },
  });
}
