/**
 * GRU (Cho et al.'s form) whose reset gate is shared across groups of units — the seed's "the
 * reset gate … output could be shared across multiple hidden units". The gate is computed at
 * size G and expanded to the H units by the fixed 0/1 assignment matrix E_r.
 *
 *     r_G = σ(U_r x + W_r h + b_r)             [G]: one reset gate per group
 *     r   = E_r r_G                            [H]: E_r [H, G], E_r[j, ⌊j·G/H⌋] = 1, else 0
 *     z   = σ(U_z x + W_z h + b_z)
 *     h̃   = tanh(U_h x + W_h (r ⊙ h) + b_h)
 *     h'  = z ⊙ h + (1 − z) ⊙ h̃
 *
 * Source: Goodfellow, Bengio & Courville, Deep Learning (2016), §10.10.2 (the variants
 * paragraph), the seed text; the GRU of Cho et al. (2014). The expansion is a product with a
 * parameter of role "fixed" (see groupedGateLstm.ts for why it is not a reshape).
 *
 * Parameters: `U_r` [G, I], `W_r` [G, H], `b_r` [G]; per k ∈ {z, h} `U_k` [H, I], `W_k` [H, H],
 * `b_k` [H]; then `E_r` [H, G]. No forget gate.
 */
import { matvec, sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type CellOptions, oneMinus } from "./common.js";

/** Cho GRU with a group-shared reset gate: state h; uses the dim "G". */
export function groupedGateGru(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "grouped_gate_gru",
    state: { h: "H" },
    step: ({ x, h }, ctx) => {
      const rG = ctx.let("r_G", sigmoid(ctx.affine("r", x, h, { out: "G" })));
      const z = ctx.let("z", sigmoid(ctx.affine("z", x, h)));
      const e = ctx.param("E_r", ["H", "G"], { role: "fixed", init: { kind: "groups" } });
      const r = ctx.let("r", matvec(e, rG));
      const n = ctx.let("n", tanh(ctx.affine("h", x, r.mul(h))));
      return { h: z.mul(h).add(oneMinus(z).mul(n)) };
    },
  });
}
