/**
 * The vanilla LSTM of Greff et al. (2015) — peepholes, forget gate, full gate set — and its eight
 * variants, each differing from the vanilla cell in one respect.
 *
 *     a_k = U_k x + W_k h + b_k                               k ∈ {i, f, c, o}
 *     z   = g(a_c)                                            block input, g = tanh
 *     i   = σ(a_i + p_i ⊙ c)                                  input gate
 *     f   = σ(a_f + p_f ⊙ c)                                  forget gate
 *     c'  = f ⊙ c + i ⊙ z
 *     o   = σ(a_o + p_o ⊙ c')                                 output gate (peeks at the new c')
 *     h'  = o ⊙ φ(c')                                         φ = tanh
 *
 *     NIG   no input gate:          i = 1
 *     NFG   no forget gate:         f = 1
 *     NOG   no output gate:         o = 1
 *     NIAF  no input activation:    g(v) = v
 *     NOAF  no output activation:   φ(v) = v
 *     NP    no peepholes:           p_i = p_f = p_o = 0 (the parameters do not exist)
 *     CIFG  coupled gates:          f = 1 − i (no forget parameters)
 *     FGR   full gate recurrence:   each gate k ∈ {i, f, o} also gets R_ik i⁻ + R_fk f⁻ + R_ok o⁻,
 *                                   i⁻, f⁻, o⁻ the previous step's gates (carried as states)
 *
 * Source: Greff, Srivastava, Koutník, Steunebrink & Schmidhuber, "LSTM: A Search Space
 * Odyssey" (2015, IEEE TNNLS 2017), §2 and §3 (their W, R, z, y are U, W, c-gate, h here).
 *
 * Parameters: `U_k` [H, I], `W_k` [H, H], `b_k` [H] for each gate present (order i, f, c, o),
 * then per gate k ∈ {i, f, o} present its peephole `p_k` [H] (diagonal) and, for FGR, the three
 * `R_<from>k` [H, H] (from gate <from> ∈ {i, f, o} at t−1 into gate k).
 * The vanilla cell is `peephole_lstm`; fixture mapping: `Wx_k` → `U_k`, `Wh_k` → `W_k`,
 * `b_k` → `b_k`, `p_k` → `p_k`. Forget bias: `b_f` starts at `forgetBias` (default 1) where f
 * exists.
 */
import type { Node } from "@gated/graph";
import { matvec, sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell, type StepContext } from "../defineCell.js";
import { type ForgetBiasOptions, forgetInit, oneMinus } from "./common.js";

/** Greff et al.'s variants; "vanilla" is the full peephole LSTM. */
export type GreffVariant =
  | "vanilla"
  | "NIG"
  | "NFG"
  | "NOG"
  | "NIAF"
  | "NOAF"
  | "NP"
  | "CIFG"
  | "FGR";

export const GREFF_VARIANTS: readonly GreffVariant[] = [
  "vanilla",
  "NIG",
  "NFG",
  "NOG",
  "NIAF",
  "NOAF",
  "NP",
  "CIFG",
  "FGR",
];

export interface GreffOptions extends ForgetBiasOptions {
  readonly variant?: GreffVariant;
}

/** One of Greff et al.'s LSTMs: states h, c (and i, f, o for FGR). */
export function greffLstm(opts: GreffOptions = {}): Cell {
  const v = opts.variant ?? "vanilla";
  if (!GREFF_VARIANTS.includes(v)) {
    throw new Error(
      `greffLstm: unknown variant ${JSON.stringify(v)} (variants: ${GREFF_VARIANTS.join(", ")})`,
    );
  }
  const has = { i: v !== "NIG", f: v !== "NFG" && v !== "CIFG", c: true, o: v !== "NOG" };
  const fgr = v === "FGR";
  const state: Record<string, string> = { h: "H", c: "H" };
  if (fgr) Object.assign(state, { i: "H", f: "H", o: "H" });
  return defineCell({
    name: opts.name ?? (v === "vanilla" ? "peephole_lstm" : `lstm_${v.toLowerCase()}`),
    state,
    init: has.f ? forgetInit(opts, "b_f") : {},
    step: (vars, ctx) => {
      const { x, h, c } = vars as Record<string, Node> & { x: Node };
      // declared first, in the fixture's storage order i, f, c, o
      const gates = (["i", "f", "c", "o"] as const).filter((k) => has[k]);
      const a = Object.fromEntries(gates.map((k) => [k, ctx.affine(k, x, h)]));
      // a gate's pre-activation: affine, + peephole p_k ⊙ s (not NP), + gate recurrence (FGR)
      const pre = (k: "i" | "f" | "o", s: Node) => {
        let t = a[k]!;
        if (v !== "NP") t = t.add(ctx.param(`p_${k}`, ["H"], { role: "diagonal" }).mul(s));
        return fgr ? t.add(gateRecurrence(ctx, k, vars)) : t;
      };
      const i = has.i ? ctx.let("i", sigmoid(pre("i", c))) : null;
      const coupled = v === "CIFG" ? ctx.let("f", oneMinus(i!)) : null;
      const f = has.f ? ctx.let("f", sigmoid(pre("f", c))) : coupled;
      const z = ctx.let("z", v === "NIAF" ? a["c"]! : tanh(a["c"]!));
      const c2 = (f ? f.mul(c) : c).add(i ? i.mul(z) : z);
      const o = has.o ? ctx.let("o", sigmoid(pre("o", c2))) : null;
      const y = v === "NOAF" ? c2 : tanh(c2);
      const h2 = o ? o.mul(y) : y;
      return fgr ? { h: h2, c: c2, i: i!, f: f!, o: o! } : { h: h2, c: c2 };
    },
  });
}

/** FGR: Σ_{from ∈ i,f,o} R_<from><to> · gate_from(t−1). */
function gateRecurrence(ctx: StepContext, to: string, vars: Readonly<Record<string, Node>>): Node {
  return (["i", "f", "o"] as const)
    .map((from) =>
      matvec(ctx.param(`R_${from}${to}`, ["H", "H"], { role: "recurrent" }), vars[from]!),
    )
    .reduce((s, t) => s.add(t));
}
