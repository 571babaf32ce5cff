/**
 * GRU in PyTorch's form (`torch.nn.GRU`; cuDNN; ONNX `linear_before_reset = 1`): the reset gate
 * multiplies the recurrent product *after* the matrix, with its bias `bh_n` inside.
 *
 *     r  = σ(U_r x + bi_r + W_r h + bh_r)
 *     z  = σ(U_z x + bi_z + W_z h + bh_z)
 *     n  = tanh(U_n x + bi_n + r ⊙ (W_n h + bh_n))
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Source: PyTorch documentation of `torch.nn.GRU`; ONNX operator GRU (linear_before_reset).
 * Compare `choGru` (reset before the product).
 *
 * Parameters, per gate k ∈ {r, z, n} (in this order): `U_k` [H, I], `W_k` [H, H], `bi_k` [H],
 * `bh_k` [H]. PyTorch mapping (rows kH:(k+1)H, k = 0..2 for r, z, n): `weight_ih_l{l}` → `U_k`,
 * `weight_hh_l{l}` → `W_k`, `bias_ih_l{l}` → `bi_k`, `bias_hh_l{l}` → `bh_k`. Note ∂/∂bh_n ≠
 * ∂/∂bi_n, unlike the other gates. There is no forget gate (z keeps the old state).
 */
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type CellOptions, oneMinus, torchAffine, torchInput, torchRecurrent } from "./common.js";

/** `torch.nn.GRU`'s cell: state h. */
export function gru(opts: CellOptions = {}): Cell {
  return defineCell({
    name: opts.name ?? "gru",
    state: { h: "H" },
    step: ({ x, h }, ctx) => {
      const r = ctx.let("r", sigmoid(torchAffine(ctx, "r", x, h)));
      const z = ctx.let("z", sigmoid(torchAffine(ctx, "z", x, h)));
      const n = ctx.let("n", tanh(torchInput(ctx, "n", x).add(r.mul(torchRecurrent(ctx, "n", h)))));
      return { h: oneMinus(z).mul(n).add(z.mul(h)) };
    },
  });
}
