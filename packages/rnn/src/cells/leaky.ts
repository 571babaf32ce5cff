/**
 * Leaky unit: a tanh RNN whose state is a running average with time constant α (the Deep
 * Learning book §10.9.2: μ ← α μ + (1 − α) v), α fixed or learned.
 *
 *     fixed:    h' = α ⊙ h + (1 − α) ⊙ tanh(U_h x + W_h h + b_h)      α a constant in [0, 1]
 *     learned:  α = σ(a_h),  same update                               a_h [H] a parameter
 *
 * Source: Goodfellow, Bengio & Courville, Deep Learning (2016), §10.9.2 "Leaky Units and Other
 * Strategies for Multiple Time Scales"; Mozer (1992); Jaeger et al. (2007).
 *
 * Parameters: `U_h` [H, I], `W_h` [H, H], `b_h` [H]; learned: also `a_h` [H] (diagonal), whose
 * initial value is logit(alpha), so α starts at `alpha` in every unit.
 */
import { constant } from "@gated/graph";
import { sigmoid, tanh } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import { type CellOptions, oneMinus } from "./common.js";

export interface LeakyOptions extends CellOptions {
  /** Fixed α (default 0.9) in [0, 1), or the initial α of the learned ones, in (0, 1). */
  readonly alpha?: number;
  /** Learn one time constant per unit, α = σ(a_h) (default false). */
  readonly learned?: boolean;
}

/** A leaky tanh unit: state h. */
export function leaky(opts: LeakyOptions = {}): Cell {
  const alpha = opts.alpha ?? 0.9;
  const learned = opts.learned ?? false;
  const where = `leaky${learned ? " (learned)" : ""}`;
  // α = 1 would cut the input off entirely (and leave U_h, W_h, b_h unused)
  if (!(alpha < 1 && (learned ? alpha > 0 : alpha >= 0))) {
    throw new Error(`${where}: alpha must be in ${learned ? "(0, 1)" : "[0, 1)"}, got ${alpha}`);
  }
  return defineCell({
    name: opts.name ?? (learned ? "leaky_learned" : "leaky"),
    state: { h: "H" },
    init: learned ? { a_h: { kind: "constant", value: Math.log(alpha / (1 - alpha)) } } : {},
    step: ({ x, h }, { affine, param, let: name }) => {
      const a = learned
        ? name("alpha", sigmoid(param("a_h", ["H"], { role: "diagonal" })))
        : constant(alpha);
      const v = name("v", tanh(affine("h", x, h)));
      return { h: a.mul(h).add(oneMinus(a).mul(v)) };
    },
  });
}
