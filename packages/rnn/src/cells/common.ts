/**
 * Small pieces the catalogue cells share: options common to every factory, the forget-gate
 * bias initialisation, PyTorch's two-bias pre-activation, and named activations.
 */
import type { Node } from "@gated/graph";
import { matvec, sigmoid, tanh } from "@gated/ops";
import type { InitSpec, StepContext } from "../defineCell.js";

/** Options every catalogue factory accepts. */
export interface CellOptions {
  /** The cell's name (default: its catalogue name). */
  readonly name?: string;
}

/** Options of cells with a forget gate. */
export interface ForgetBiasOptions extends CellOptions {
  /**
   * Initial value of the forget-gate bias (default 1.0, after Gers et al. 2000 and Jozefowicz
   * et al. 2015). `null` keeps the cell's default for that bias (usually U(−1/√H, 1/√H)).
   */
  readonly forgetBias?: number | null;
}

/** `{ [name]: constant(forgetBias) }` for each bias name, or `{}` when the option is null. */
export function forgetInit(opts: ForgetBiasOptions, ...names: string[]): Record<string, InitSpec> {
  const v = opts.forgetBias === undefined ? 1 : opts.forgetBias;
  if (v === null) return {};
  if (!Number.isFinite(v)) throw new Error(`forgetBias must be a finite number, got ${v}`);
  return Object.fromEntries(names.map((n) => [n, { kind: "constant", value: v } as InitSpec]));
}

/**
 * PyTorch's pre-activation of gate `k`: `U_k x + bi_k + W_k h + bh_k`. The names map one to one
 * onto a torch state dict: rows of `weight_ih` → `U_k`, `weight_hh` → `W_k`, `bias_ih` → `bi_k`,
 * `bias_hh` → `bh_k` (only the sum of the two biases matters, but both are kept for import).
 */
export function torchAffine(ctx: StepContext, k: string, x: Node, h: Node): Node {
  return torchInput(ctx, k, x).add(torchRecurrent(ctx, k, h));
}

/** `U_k x + bi_k`: the input half of PyTorch's pre-activation. */
export function torchInput(ctx: StepContext, k: string, x: Node): Node {
  return inputTerm(ctx, k, x).add(bias(ctx, k, "bi"));
}

/** `W_k h + bh_k`: the recurrent half of PyTorch's pre-activation. */
export function torchRecurrent(ctx: StepContext, k: string, h: Node): Node {
  return recurrentTerm(ctx, k, h).add(bias(ctx, k, "bh"));
}

/** `U_k x`, declaring the input weight `U_k` [H, dim of x]: one term of `affine`. */
export function inputTerm(ctx: StepContext, k: string, x: Node): Node {
  return matvec(ctx.param(`U_${k}`, ["H", x.shape[0]!], { role: "input" }), x);
}

/** `W_k h`, declaring the recurrent weight `W_k` [H, dim of h]: one term of `affine`. */
export function recurrentTerm(ctx: StepContext, k: string, h: Node): Node {
  return matvec(ctx.param(`W_${k}`, ["H", h.shape[0]!], { role: "recurrent" }), h);
}

/** The bias `b_k` [H] (or `<prefix>_k`). */
export function bias(ctx: StepContext, k: string, prefix = "b"): Node {
  return ctx.param(`${prefix}_${k}`, ["H"], { role: "bias" });
}

/** Squashing functions a factory may be asked for, by name. */
export type Squash = "tanh" | "sigmoid" | "identity";

/** Applies a named squashing function; the error lists the known names. */
export function squash(kind: Squash, v: Node, where: string): Node {
  switch (kind) {
    case "tanh":
      return tanh(v);
    case "sigmoid":
      return sigmoid(v);
    case "identity":
      return v;
    default:
      throw new Error(
        `${where}: unknown activation ${JSON.stringify(kind)} (expected tanh, sigmoid, identity)`,
      );
  }
}

/** `1 − v`. */
export function oneMinus(v: Node): Node {
  return v.neg().add(1);
}
