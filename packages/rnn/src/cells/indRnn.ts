/**
 * IndRNN: independently recurrent units, each unit reads only its own previous value through
 * one recurrent weight (a diagonal recurrent matrix).
 *
 *     h' = φ(U_h x + w_h ⊙ h + b_h)          φ = relu (default) | tanh
 *
 * Source: Li, Li, Cook, Zhu & Gao, "Independently Recurrent Neural Network (IndRNN): Building
 * A Longer and Deeper RNN" (CVPR 2018), eq. 2 (their W, u, b are U_h, w_h, b_h).
 *
 * Parameters: `U_h` [H, I], `w_h` [H] (diagonal recurrent weight), `b_h` [H]. No gates.
 */
import { relu, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { bias, type CellOptions, inputTerm } from "./common.js";

export interface IndRnnOptions extends CellOptions {
  /** The nonlinearity (default "relu", as in Li et al.). */
  readonly activation?: "relu" | "tanh";
}

/** IndRNN: state h. */
export function indRnn(opts: IndRnnOptions = {}): Cell {
  const act = opts.activation ?? "relu";
  if (act !== "tanh" && act !== "relu") {
    throw new Error(`indRnn: unknown activation ${JSON.stringify(act)} (expected relu or tanh)`);
  }
  return defineCell({
    name: opts.name ?? (act === "relu" ? "ind_rnn" : "ind_rnn_tanh"),
    state: { h: "H" },
    step: ({ x, h }, ctx) => {
      const a = inputTerm(ctx, "h", x)
        .add(ctx.param("w_h", ["H"], { role: "diagonal" }).mul(h))
        .add(bias(ctx, "h"));
      return { h: act === "relu" ? relu(a) : tanh(a) };
    },
  });
}
