/**
 * sLSTM (scalar LSTM of xLSTM): exponential input gate, normaliser state n, and the stabiliser
 * state m that keeps the exponentials in range (one head: full recurrent matrices).
 *
 *     z̃ = U_z x + W_z h + b_z,  ĩ = U_i x + W_i h + b_i,  f̃ = U_f x + W_f h + b_f,  õ = …
 *     log f = log σ(f̃)   (sigmoid forget gate, default)   or   f̃   (exponential forget gate)
 *     m' = max(log f + m, ĩ)                               stabiliser
 *     i' = exp(ĩ − m'),  f' = exp(log f + m − m')          stabilised gates
 *     c' = f' ⊙ c + i' ⊙ tanh(z̃)
 *     n' = f' ⊙ n + i'                                     normaliser
 *     h' = σ(õ) ⊙ c' / n'
 *
 * Source: Beck, Pöppel, Spanring, Auer, Prudnikova, Kopp, Klambauer, Brandstetter & Hochreiter,
 * "xLSTM: Extended Long Short-Term Memory" (2024), §2.2 (sLSTM, with the stabiliser state).
 * The stabiliser changes no output: c'/n' is the same with or without it.
 *
 * States h, c, n, m (start them at 0; n must stay positive, which it does from n = 0).
 * Parameters, per gate k ∈ {z, i, f, o} (this order): `U_k` [H, I], `W_k` [H, H], `b_k` [H].
 * Forget bias: `b_f` starts at `forgetBias` (default 1).
 */
import { exp, logsigmoid, maximum, sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type ForgetBiasOptions, forgetInit } from "./common.js";

export interface SLstmOptions extends ForgetBiasOptions {
  /** The forget gate: "sigmoid" (default) or "exp". */
  readonly forget?: "sigmoid" | "exp";
}

/** sLSTM: states h, c, n, m. */
export function sLstm(opts: SLstmOptions = {}): Cell {
  const fk = opts.forget ?? "sigmoid";
  if (fk !== "sigmoid" && fk !== "exp") {
    throw new Error(`sLstm: unknown forget gate ${JSON.stringify(fk)} (expected sigmoid or exp)`);
  }
  return defineCell({
    name: opts.name ?? (fk === "sigmoid" ? "slstm" : "slstm_exp"),
    state: { h: "H", c: "H", n: "H", m: "H" },
    init: forgetInit(opts, "b_f"),
    step: ({ x, h, c, n, m }, ctx) => {
      const z = ctx.let("z", tanh(ctx.affine("z", x, h)));
      const iT = ctx.let("i_pre", ctx.affine("i", x, h));
      const fT = ctx.affine("f", x, h);
      const o = ctx.let("o", sigmoid(ctx.affine("o", x, h)));
      const logF = ctx.let("logf", fk === "sigmoid" ? logsigmoid(fT) : fT);
      const m2 = maximum(logF.add(m), iT);
      const i = ctx.let("i", exp(iT.sub(m2)));
      const f = ctx.let("f", exp(logF.add(m).sub(m2)));
      const c2 = f.mul(c).add(i.mul(z));
      const n2 = f.mul(n).add(i);
      return { h: o.mul(c2.div(n2)), c: c2, n: n2, m: m2 };
    },
  });
}
