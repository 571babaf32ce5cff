/**
 * The scalar IR: the formula of an elementwise op (and a reduction's combine step), stated once
 * as a small closed expression tree over the op's operands. The interpreter and constant folding
 * evaluate it (`evalScalar`, float64 with JavaScript's `Math`: that is the semantics); every
 * backend renders it from one table of its own, so no op file holds backend text.
 */

/** The closed set of scalar operations. Comparisons give 1 or 0; `select(c, a, b)` is c ≠ 0 ? a : b. */
export type ScalarOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "neg"
  | "exp"
  | "log"
  | "log1p"
  | "tanh"
  | "sqrt"
  | "abs"
  | "sign"
  | "max"
  | "min"
  | "pow"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "eq"
  | "select";

export type Scalar =
  | { readonly k: "arg"; readonly i: number }
  | { readonly k: "const"; readonly v: number }
  | { readonly k: "op"; readonly op: ScalarOp; readonly args: readonly Scalar[] };

/** A builder operand: a tree, or a number (a constant). */
export type ScalarLike = Scalar | number;

/**
 * The semantics of each operation, in float64. NaN and ±0 follow JavaScript: max/min propagate
 * NaN and order −0 below 0, sign(−0) = −0, comparisons with NaN are false (0), and
 * select(NaN, a, b) = a (NaN ≠ 0).
 */
export const SCALAR_SEMANTICS: { readonly [K in ScalarOp]: (...a: number[]) => number } = {
  add: (a, b) => a! + b!,
  sub: (a, b) => a! - b!,
  mul: (a, b) => a! * b!,
  div: (a, b) => a! / b!,
  neg: (a) => -a!,
  exp: (a) => Math.exp(a!),
  log: (a) => Math.log(a!),
  log1p: (a) => Math.log1p(a!),
  tanh: (a) => Math.tanh(a!),
  sqrt: (a) => Math.sqrt(a!),
  abs: (a) => Math.abs(a!),
  sign: (a) => Math.sign(a!),
  max: (a, b) => Math.max(a!, b!),
  min: (a, b) => Math.min(a!, b!),
  pow: (a, b) => a! ** b!,
  lt: (a, b) => (a! < b! ? 1 : 0),
  le: (a, b) => (a! <= b! ? 1 : 0),
  gt: (a, b) => (a! > b! ? 1 : 0),
  ge: (a, b) => (a! >= b! ? 1 : 0),
  eq: (a, b) => (a! === b! ? 1 : 0),
  select: (c, a, b) => (c !== 0 ? a! : b!),
};

/** How many operands each operation takes. */
export const SCALAR_ARITY: { readonly [K in ScalarOp]: number } = {
  add: 2,
  sub: 2,
  mul: 2,
  div: 2,
  neg: 1,
  exp: 1,
  log: 1,
  log1p: 1,
  tanh: 1,
  sqrt: 1,
  abs: 1,
  sign: 1,
  max: 2,
  min: 2,
  pow: 2,
  lt: 2,
  le: 2,
  gt: 2,
  ge: 2,
  eq: 2,
  select: 3,
};

const lift = (x: ScalarLike): Scalar => (typeof x === "number" ? { k: "const", v: x } : x);
const op =
  (o: ScalarOp) =>
  (...args: ScalarLike[]): Scalar => ({ k: "op", op: o, args: args.map(lift) });
const un = (o: ScalarOp) => op(o) as (a: ScalarLike) => Scalar;
const bin = (o: ScalarOp) => op(o) as (a: ScalarLike, b: ScalarLike) => Scalar;

/** Builders: `S.div(1, S.add(1, S.exp(S.neg(x))))`. Numbers become constants. */
export const S = {
  arg: (i: number): Scalar => ({ k: "arg", i }),
  c: (v: number): Scalar => ({ k: "const", v }),
  add: bin("add"),
  sub: bin("sub"),
  mul: bin("mul"),
  div: bin("div"),
  neg: un("neg"),
  exp: un("exp"),
  log: un("log"),
  log1p: un("log1p"),
  tanh: un("tanh"),
  sqrt: un("sqrt"),
  abs: un("abs"),
  sign: un("sign"),
  max: bin("max"),
  min: bin("min"),
  pow: bin("pow"),
  lt: bin("lt"),
  le: bin("le"),
  gt: bin("gt"),
  ge: bin("ge"),
  eq: bin("eq"),
  select: op("select") as (cond: ScalarLike, a: ScalarLike, b: ScalarLike) => Scalar,
} as const;

/** The value of a tree for the given operands (`arg i` is `args[i]`). */
export function evalScalar(s: Scalar, args: readonly number[]): number {
  switch (s.k) {
    case "arg": {
      const v = args[s.i];
      if (v === undefined) throw new Error(`scalar: operand ${s.i} missing (${args.length} given)`);
      return v;
    }
    case "const":
      return s.v;
    case "op":
      return SCALAR_SEMANTICS[s.op](...s.args.map((a) => evalScalar(a, args)));
  }
}

/** A function of up to three operands. */
export type ScalarFn = (a: number, b: number, c: number) => number;

/**
 * The tree as a function, built once from closures over `SCALAR_SEMANTICS` (the interpreter's
 * inner loop: equal to `evalScalar` value for value, without walking the tree per element).
 */
export function scalarFunction(s: Scalar): ScalarFn {
  switch (s.k) {
    case "arg":
      if (s.i === 0) return (a) => a;
      if (s.i === 1) return (_a, b) => b;
      if (s.i === 2) return (_a, _b, c) => c;
      throw new Error(`scalarFunction: operand ${s.i} (at most 3 operands)`);
    case "const": {
      const v = s.v;
      return () => v;
    }
    case "op": {
      const f = SCALAR_SEMANTICS[s.op];
      const [x, y, z] = s.args.map(scalarFunction);
      if (s.args.length === 1) return (a, b, c) => f(x!(a, b, c));
      if (s.args.length === 2) return (a, b, c) => f(x!(a, b, c), y!(a, b, c));
      return (a, b, c) => f(x!(a, b, c), y!(a, b, c), z!(a, b, c));
    }
  }
}

/** A tree with `arg i` replaced by `args[i]` (composing formulas, e.g. a folded sum of terms). */
export function substituteScalar(s: Scalar, args: readonly Scalar[]): Scalar {
  switch (s.k) {
    case "arg": {
      const a = args[s.i];
      if (!a) throw new Error(`scalar: operand ${s.i} missing (${args.length} given)`);
      return a;
    }
    case "const":
      return s;
    case "op":
      return { k: "op", op: s.op, args: s.args.map((a) => substituteScalar(a, args)) };
  }
}

/** The tree as math, for schedules and comments: `1 / (1 + exp(-a))`. */
export function printScalar(s: Scalar, args: readonly string[]): string {
  return printAt(s, args).text;
}

const INFIX: Partial<Record<ScalarOp, [string, number]>> = {
  add: ["+", 10],
  sub: ["−", 10],
  mul: ["·", 20],
  div: ["/", 20],
  lt: ["<", 5],
  le: ["≤", 5],
  gt: [">", 5],
  ge: ["≥", 5],
  eq: ["=", 5],
};

function printAt(s: Scalar, args: readonly string[]): { text: string; prec: number } {
  if (s.k === "arg") return { text: args[s.i] ?? `$${s.i}`, prec: 100 };
  if (s.k === "const")
    return { text: Object.is(s.v, -0) ? "-0" : String(s.v), prec: s.v < 0 ? 30 : 100 };
  const xs = s.args.map((a) => printAt(a, args));
  const par = (x: { text: string; prec: number }, min: number) =>
    x.prec >= min ? x.text : `(${x.text})`;
  const infix = INFIX[s.op];
  if (infix) {
    const [sym, p] = infix;
    return { text: `${par(xs[0]!, p)} ${sym} ${par(xs[1]!, p + 1)}`, prec: p };
  }
  if (s.op === "neg") return { text: `-${par(xs[0]!, 31)}`, prec: 30 };
  if (s.op === "pow") return { text: `${par(xs[0]!, 41)}^${par(xs[1]!, 41)}`, prec: 40 };
  if (s.op === "select")
    return { text: `${par(xs[0]!, 3)} ? ${par(xs[1]!, 3)} : ${par(xs[2]!, 2)}`, prec: 2 };
  return { text: `${s.op}(${xs.map((x) => x.text).join(", ")})`, prec: 100 };
}
