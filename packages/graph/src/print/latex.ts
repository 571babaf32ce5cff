/**
 * LaTeX printer in the Deep Learning book's notation where it fits: σ, tanh, U/W/b with the
 * gate name as a superscript (`U_f` → `U^{f}`), matrix-vector products as juxtaposition,
 * elementwise products as ⊙, broadcasts implicit. Op templates come from each op's `notation`.
 */

import { constValue } from "../leaves.js";
import type { Node } from "../node.js";
import { ATOM, NEG_PREC, type Rendered, renderTree } from "./core.js";
import { bindEquations, type NamedNode } from "./equations.js";

const GREEK = new Set([
  "alpha",
  "beta",
  "gamma",
  "delta",
  "epsilon",
  "zeta",
  "eta",
  "theta",
  "iota",
  "kappa",
  "lambda",
  "mu",
  "nu",
  "xi",
  "pi",
  "rho",
  "sigma",
  "tau",
  "upsilon",
  "phi",
  "chi",
  "psi",
  "omega",
  "Gamma",
  "Delta",
  "Theta",
  "Lambda",
  "Xi",
  "Pi",
  "Sigma",
  "Upsilon",
  "Phi",
  "Psi",
  "Omega",
]);

const IDENT = /^[\p{L}_][\p{L}\p{N}_]*'*$/u;

/** One identifier part in math mode: x, \alpha, \mathit{Wx}; anything else escaped. */
function mathWord(w: string): string {
  if (GREEK.has(w)) return `\\${w}`;
  if (/^[A-Za-z]$/.test(w) || /^\d+$/.test(w)) return w;
  if (/^[\p{L}\p{N}]+$/u.test(w)) return `\\mathit{${w}}`;
  return `\\mathrm{${w.replace(/[\\{}$&#^_%~]/g, (c) => `\\${c === "\\" ? "backslash " : c}`)}}`;
}

/**
 * An identifier in math mode. The part after the first `_` becomes a superscript for
 * parameters (the gate name: `U_f` → `U^{f}`, `b_f` → `b^{f}`) and a subscript otherwise
 * (`x_t` → `x_{t}`); trailing primes are kept (`h'` → `h'`). `accent` decorates the base
 * (`"bar"`: `\bar{U}^{f}`, an adjoint).
 */
export function latexName(
  name: string,
  kind: "param" | "input" | "local" = "local",
  accent?: string,
): string {
  const primes = /'*$/.exec(name)![0];
  const bare = name.slice(0, name.length - primes.length);
  const cut = bare.indexOf("_", 1);
  const base = cut < 0 ? bare : bare.slice(0, cut);
  const rest = cut < 0 ? "" : bare.slice(cut + 1);
  const sub = rest
    ? `${kind === "param" ? "^" : "_"}{${rest.split("_").filter(Boolean).map(mathWord).join(",")}}`
    : "";
  const word = mathWord(base);
  return `${accent ? `\\${accent}{${word}}` : word}${sub}${primes}`;
}

/** A number in LaTeX: `0.5`, `-1`, `2.5 \times 10^{-7}`. */
export function latexNumber(v: number): string {
  if (Number.isNaN(v)) return "\\mathrm{NaN}";
  if (!Number.isFinite(v)) return v > 0 ? "\\infty" : "-\\infty";
  const s = String(v);
  const m = /^(-?[\d.]+)e([+-]?\d+)$/.exec(s);
  if (!m) return s;
  const exp = m[2]!.replace(/^\+/, "");
  return m[1] === "1"
    ? `10^{${exp}}`
    : m[1] === "-1"
      ? `-10^{${exp}}`
      : `${m[1]} \\times 10^{${exp}}`;
}

/** The default LaTeX of a leaf: parameters with gate superscripts, inputs, constants. */
export function latexLeaf(n: Node): Rendered | undefined {
  if (n.op.kind !== "leaf") return undefined;
  const c = constValue(n);
  if (c !== undefined) {
    // a filled vector or matrix of ones or zeros: \mathbf{1}, \mathbf{0}
    if (n.shape.length > 0 && (c === 0 || c === 1)) return { s: `\\mathbf{${c}}`, prec: ATOM };
    return { s: latexNumber(c), prec: c < 0 ? NEG_PREC : ATOM };
  }
  const label = n.label ?? n.op.name;
  return { s: latexName(label, n.op.name === "param" ? "param" : "input"), prec: ATOM };
}

export interface LatexOptions {
  /** LaTeX for a node the caller names (leaves like x^{(t)}, forward values in a gradient). */
  readonly name?: (n: Node) => string | undefined;
}

function leafFn(opts: LatexOptions): (n: Node) => Rendered | undefined {
  return (n) => {
    const s = opts.name?.(n);
    return s !== undefined ? { s, prec: ATOM } : latexLeaf(n);
  };
}

/** One expression in LaTeX, inline (shared subexpressions repeated). */
export function printLatex(n: Node, opts: LatexOptions = {}): string {
  return renderTree(n, "latex", leafFn(opts)).s;
}

export interface EquationOptions extends LatexOptions {
  /** Let-bind subexpressions used more than once whose inline form is longer than this (default 12 characters); Infinity: never. */
  readonly shareLongerThan?: number;
  /** LaTeX name of the k-th let-bound intermediate (default `v_{k}`). */
  readonly temp?: (k: number) => string;
}

/**
 * A let-bound system of equations in an `aligned` environment: one line per named node, in
 * dependency order, each referring to the others by name, with shared intermediates bound to
 * their own names (`v_{1}`, …) so a gradient graph reads as a sequence of equations.
 * Names that are identifiers go through `latexName`; other names are taken as LaTeX.
 */
export function printLatexEquations(
  named: readonly NamedNode[],
  opts: EquationOptions = {},
): string {
  const lines = latexEquationLines(named, opts);
  return `\\begin{aligned}\n${lines.map(([l, r]) => `${l} &= ${r}`).join(" \\\\\n")}\n\\end{aligned}`;
}

export type { NamedNode } from "./equations.js";

/** The equations of `printLatexEquations` as [lhs, rhs] pairs, in dependency order. */
export function latexEquationLines(
  named: readonly NamedNode[],
  opts: EquationOptions = {},
): [string, string][] {
  const ident = (e: NamedNode): NamedNode =>
    IDENT.test(e.name) ? { ...e, name: latexName(e.name) } : e;
  return bindEquations(named.map(ident), [], {
    target: "latex",
    leaf: leafFn(opts),
    shareLongerThan: opts.shareLongerThan ?? 12,
    temp: opts.temp ?? ((k: number) => `v_{${k}}`),
  }).lines;
}
