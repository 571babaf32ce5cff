/**
 * Elman RNN (the simple recurrent network), tanh or relu; optionally with PyTorch's two biases.
 *
 *     h' = φ(U_h x + W_h h + b_h)                       φ = tanh | relu
 *     torch form: h' = φ(U_h x + bi_h + W_h h + bh_h)   (`torch.nn.RNN`)
 *
 * Source: Elman, "Finding Structure in Time" (1990); Goodfellow, Bengio & Courville, Deep
 * Learning (2016), eqs. 10.8–10.9; PyTorch documentation of `torch.nn.RNN(nonlinearity=…)`.
 *
 * Parameters: `U_h` [H, I], `W_h` [H, H], `b_h` [H]; torch form: `U_h`, `bi_h`, `W_h`, `bh_h`.
 * PyTorch mapping: `weight_ih_l{l}` → `U_h`, `weight_hh_l{l}` → `W_h`, `bias_ih_l{l}` → `bi_h`,
 * `bias_hh_l{l}` → `bh_h`. No gates.
 */
import { relu, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type CellOptions, torchAffine } from "./common.js";

export interface ElmanOptions extends CellOptions {
  /** The nonlinearity (default "tanh"). */
  readonly activation?: "tanh" | "relu";
  /** PyTorch's two biases `bi_h`, `bh_h` instead of one `b_h` (default false). */
  readonly torchBiases?: boolean;
}

/** The Elman RNN: state h. */
export function elman(opts: ElmanOptions = {}): Cell {
  const act = opts.activation ?? "tanh";
  if (act !== "tanh" && act !== "relu") {
    throw new Error(`elman: unknown activation ${JSON.stringify(act)} (expected tanh or relu)`);
  }
  const torch = opts.torchBiases ?? false;
  return defineCell({
    name: opts.name ?? (torch ? `rnn_${act}` : act === "tanh" ? "elman" : "elman_relu"),
    state: { h: "H" },
    step: ({ x, h }, ctx) => {
      const a = torch ? torchAffine(ctx, "h", x, h) : ctx.affine("h", x, h);
      return { h: act === "tanh" ? tanh(a) : relu(a) };
    },
  });
}
