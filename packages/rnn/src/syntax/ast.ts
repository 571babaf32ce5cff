/** The syntax tree of a cell text, as the parser builds it (positions kept for errors). */
import type { Pos } from "./lexer.js";

/**
 * Deepest expression a cell may build (brackets, operators, and through the locals it uses:
 * `a2 = a1 + h` is one deeper than `a1`). The passes after parsing (shape inference, the graph's
 * simplifier, autodiff, printers, codegen) recurse over it, so deeper is a `CellSyntaxError`
 * instead of a stack overflow; `printCell` refuses deeper cells, so its output always parses.
 */
export const MAX_EXPR_DEPTH = 1000;

export type DimAst = { readonly value: number | string; readonly pos: Pos };

export type AttrAst = {
  readonly key: string;
  readonly value: number | string | boolean | readonly (number | string)[];
  readonly pos: Pos;
};

export type Expr =
  | {
      readonly kind: "num";
      readonly value: number;
      readonly shape?: readonly DimAst[];
      readonly pos: Pos;
      readonly end: number;
    }
  /** A name; `shape` when annotated (`U_f[H, I]`), which only parameters may be. */
  | {
      readonly kind: "name";
      readonly name: string;
      readonly shape?: readonly DimAst[];
      readonly pos: Pos;
      readonly end: number;
    }
  | { readonly kind: "neg"; readonly arg: Expr; readonly pos: Pos; readonly end: number }
  | {
      readonly kind: "bin";
      readonly op: "+" | "-" | "*" | "/";
      readonly left: Expr;
      readonly right: Expr;
      readonly pos: Pos;
      readonly opPos: Pos;
      readonly end: number;
    }
  /** Juxtaposition `A v`: a matrix-vector product. */
  | {
      readonly kind: "matvec";
      readonly left: Expr;
      readonly right: Expr;
      readonly pos: Pos;
      readonly end: number;
    }
  /** `f(args)`, or `f(args; key=value, …)` to give an op's attributes directly. */
  | {
      readonly kind: "call";
      readonly name: string;
      readonly args: readonly Expr[];
      readonly attrs?: readonly AttrAst[];
      readonly pos: Pos;
      readonly end: number;
    };

export interface InitAst {
  readonly kind: string;
  readonly fields: Readonly<Record<string, number>>;
  /** Where each field is written. */
  readonly fieldPos?: Readonly<Record<string, Pos>>;
  readonly pos: Pos;
}

export type Stmt =
  /** `f = …` defines a local; `h' = …` the next value of state h. */
  | { readonly kind: "let"; readonly name: string; readonly expr: Expr; readonly pos: Pos }
  /** `param NAME[dims] (: role)? (= value | ~ kind(field=value, …))?` */
  | {
      readonly kind: "param";
      readonly name: string;
      readonly shape: readonly DimAst[];
      readonly role?: { readonly name: string; readonly pos: Pos };
      readonly init?: InitAst;
      readonly pos: Pos;
    }
  /**
   * `output c`: which state or value is the per-step output (default h, else the first state);
   * `output y = …` parses as the value y, then `output y`.
   */
  | { readonly kind: "output"; readonly name: string; readonly pos: Pos }
  /**
   * `project x = P x`: the input's projection, applied where x is an operand of + − * /
   * (its size differs from the values it meets there; see ./project.ts).
   */
  | { readonly kind: "project"; readonly name: string; readonly expr: Expr; readonly pos: Pos }
  /** `dim M = 2*H`: the default size of an extra dim (sizes given when compiling win). */
  | { readonly kind: "dim"; readonly name: string; readonly value: DimAst; readonly pos: Pos }
  /** `def f(a, b) = …`: a function of the cell, expanded at each call (see ./defs.ts). */
  | {
      readonly kind: "def";
      readonly name: string;
      readonly params: readonly { readonly name: string; readonly pos: Pos }[];
      readonly body: Expr;
      readonly pos: Pos;
    };

export interface VarDecl {
  readonly name: string;
  readonly dim: DimAst;
  readonly pos: Pos;
}

export interface CellAst {
  readonly name: string;
  readonly input: VarDecl;
  readonly states: readonly VarDecl[];
  readonly body: readonly Stmt[];
  readonly pos: Pos;
}
