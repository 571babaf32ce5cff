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
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { bias, type CellOptions, inputTerm, oneMinus, recurrentTerm } from "./common.js";

/** MUT1: state h; the input size must equal the hidden size. */
export function mut1(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "mut1",
    state: { h: "H" },
    input: "H",
    step: ({ x, h }, ctx) => {
      const z = ctx.let("z", sigmoid(inputTerm(ctx, "z", x).add(bias(ctx, "z"))));
      const r = ctx.let("r", sigmoid(ctx.affine("r", x, h)));
      const n = ctx.let(
        "n",
        tanh(recurrentTerm(ctx, "h", r.mul(h)).add(tanh(x)).add(bias(ctx, "h"))),
      );
      return { h: n.mul(z).add(h.mul(oneMinus(z))) };
    },
  });
}
