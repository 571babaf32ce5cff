/**
 * Elementwise formulas (the scalar IR of @gated/graph) rendered as PyTorch expressions, from
 * one table: a new elementwise op exports with no work here. Constant-only subtrees fold to
 * numbers (float64, `evalScalar`); comparisons stay boolean until a float is needed.
 */
import type { Scalar, ScalarOp } from "@gated/graph";
import { foldScalar } from "./foldScalar.js";

/** A rendered operand: a tensor expression, a boolean tensor, or a plain number. */
export type PyExpr =
  | { readonly k: "tensor"; readonly s: string }
  | { readonly k: "bool"; readonly s: string }
  | { readonly k: "number"; readonly v: number };

/** A Python float literal (repr-exact for float64). */
export function pyNumber(v: number): string {
  if (Number.isNaN(v)) return 'float("nan")';
  if (v === Infinity) return 'float("inf")';
  if (v === -Infinity) return '-float("inf")';
  if (Object.is(v, -0)) return "-0.0";
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

const text = (e: PyExpr, dtype: string): string =>
  e.k === "number" ? pyNumber(e.v) : e.k === "bool" ? `${e.s}.to(${dtype})` : e.s;
const T = (s: string): PyExpr => ({ k: "tensor", s });

type Render = (a: readonly PyExpr[], dtype: string) => PyExpr;
const infix =
  (sym: string): Render =>
  ([a, b], d) =>
    T(`(${text(a!, d)} ${sym} ${text(b!, d)})`);
const call =
  (fn: string): Render =>
  ([a], d) =>
    T(`${fn}(${text(a!, d)})`);
const cmp =
  (sym: string): Render =>
  ([a, b], d) => ({ k: "bool", s: `(${text(a!, d)} ${sym} ${text(b!, d)})` });
const extreme =
  (fn: string, clamp: string): Render =>
  ([a, b], d) => {
    if (a!.k === "number") return T(`torch.${clamp}(${text(b!, d)}, ${pyNumber(a!.v)})`);
    if (b!.k === "number") return T(`torch.${clamp}(${text(a!, d)}, ${pyNumber(b!.v)})`);
    return T(`torch.${fn}(${text(a!, d)}, ${text(b!, d)})`);
  };

/** The PyTorch rendering of each scalar operation. */
export const TORCH_SCALAR: { readonly [K in ScalarOp]: Render } = {
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: infix("/"),
  neg: ([a], d) => T(`(-${text(a!, d)})`),
  exp: call("torch.exp"),
  log: call("torch.log"),
  log1p: call("torch.log1p"),
  tanh: call("torch.tanh"),
  sqrt: call("torch.sqrt"),
  abs: call("torch.abs"),
  sign: call("torch.sign"),
  max: extreme("maximum", "clamp_min"),
  min: extreme("minimum", "clamp_max"),
  pow: ([a, b], d) => T(`torch.pow(${text(a!, d)}, ${text(b!, d)})`),
  lt: cmp("<"),
  le: cmp("<="),
  gt: cmp(">"),
  ge: cmp(">="),
  eq: cmp("=="),
  select: ([c, a, b], d) => {
    const cond = c!.k === "bool" ? c!.s : `(${text(c!, d)} != 0)`;
    const like = (e: PyExpr) =>
      e.k === "number" ? `torch.full_like(${cond}, ${pyNumber(e.v)}, dtype=${d})` : text(e, d);
    return T(`torch.where(${cond}, ${like(a!)}, ${like(b!)})`);
  },
};

/** Renders a formula over rendered operands; `dtype` is the Python expression of the float dtype. */
export function renderTorchScalar(s: Scalar, args: readonly PyExpr[], dtype: string): PyExpr {
  return foldScalar(s, args, (op, xs) => TORCH_SCALAR[op](xs, dtype));
}

/** As a float tensor or number expression (booleans cast to `dtype`). */
export const pyText = text;
