/**
 * The LSTM of the Deep Learning book (Goodfellow, Bengio & Courville 2016, §10.10.1,
 * eqs. 10.40–10.44), which is the seed's LSTM. The cell input goes through σ in the book;
 * `cellInput: "tanh"` gives the usual form.
 *
 *     f  = σ(U_f x + W_f h + b_f)                 forget gate
 *     i  = σ(U_i x + W_i h + b_i)                 external input gate (the book's g)
 *     o  = σ(U_o x + W_o h + b_o)                 output gate (the book's q)
 *     c' = f ⊙ c + i ⊙ σ(U_c x + W_c h + b_c)     state (the book's s); σ → tanh by option
 *     h' = tanh(c') ⊙ o
 *
 * Parameters, per gate k ∈ {f, i, o, c} (in this order): `U_k` [H, I] (the book's U^k),
 * `W_k` [H, H] (W^k), `b_k` [H] (b^k); the book's unsubscripted U, W, b are `U_c, W_c, b_c`.
 * Fixture mapping (`book_lstm` in fixtures/torch): `Wx_k` → `U_k`, `Wh_k` → `W_k`, `b_k` → `b_k`.
 * Forget bias: `b_f` starts at `forgetBias` (default 1).
 */
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type ForgetBiasOptions, forgetInit, squash } from "./common.js";

export interface BookLstmOptions extends ForgetBiasOptions {
  /** Squashing of the cell input: "sigmoid" (the book, default) or "tanh". */
  readonly cellInput?: "sigmoid" | "tanh";
}

/** The Deep Learning book's LSTM: states h, c. */
export function bookLstm(opts: BookLstmOptions = {}): Cell {
  const act = opts.cellInput ?? "sigmoid";
  return defineCell({
    name: opts.name ?? (act === "sigmoid" ? "book_lstm" : "book_lstm_tanh"),
    state: { h: "H", c: "H" },
    init: forgetInit(opts, "b_f"),
    step: ({ x, h, c }, ctx) => {
      const f = ctx.let("f", sigmoid(ctx.affine("f", x, h)));
      const i = ctx.let("i", sigmoid(ctx.affine("i", x, h)));
      const o = ctx.let("o", sigmoid(ctx.affine("o", x, h)));
      const g = ctx.let("g", squash(act, ctx.affine("c", x, h), "bookLstm cellInput"));
      const c2 = f.mul(c).add(i.mul(g));
      return { h: tanh(c2).mul(o), c: c2 };
    },
  });
}
