/**
 * minGRU (sequential mode): a GRU whose gate and candidate read only the input, so training can
 * use a parallel scan; here it runs as an ordinary recurrence.
 *
 *     z  = σ(U_z x + b_z)
 *     h̃  = U_h x + b_h
 *     h' = (1 − z) ⊙ h + z ⊙ h̃
 *
 * Source: Feng, Tung, Ahmed, Bengio & Hajimirsadeghi, "Were RNNs All We Needed?" (2024)
 * (minGRU, sequential mode; the log-space form for the parallel scan is not this cell).
 *
 * Parameters: `U_z` [H, I], `b_z` [H], `U_h` [H, I], `b_h` [H]. No recurrent weights; no
 * forget gate (z is an update gate).
 */
import { sigmoid } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { bias, type CellOptions, inputTerm, oneMinus } from "./common.js";

/** minGRU: state h. */
export function minGru(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "min_gru",
    state: { h: "H" },
    step: ({ x, h }, ctx) => {
      const lin = (k: string) => inputTerm(ctx, k, x).add(bias(ctx, k));
      const z = ctx.let("z", sigmoid(lin("z")));
      const n = ctx.let("n", lin("h"));
      return { h: oneMinus(z).mul(h).add(z.mul(n)) };
    },
  });
}
