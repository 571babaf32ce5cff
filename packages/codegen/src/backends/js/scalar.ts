/**
 * The JS backend's table for the scalar IR (tinygrad's `code_for_op`): each operation as a
 * JavaScript expression with its binding strength, so operands are parenthesised only where
 * JavaScript needs it. The text computes exactly `evalScalar` (float64, `Math`).
 */
import type { Scalar, ScalarOp } from "@gated/graph";
import { numberLiteral } from "../../names.js";

/** Rendered text and its precedence (higher binds tighter; 100: an atom or a call). */
interface Js {
  readonly text: string;
  readonly prec: number;
}

/** An operand already rendered by the emitter: an identifier or indexed load (an atom), or a number. */
export type JsOperand = string | number;

const ATOM = 100;
const CALL: Partial<Record<ScalarOp, string>> = {
  exp: "Math.exp",
  log: "Math.log",
  log1p: "Math.log1p",
  tanh: "Math.tanh",
  sqrt: "Math.sqrt",
  abs: "Math.abs",
  sign: "Math.sign",
  max: "Math.max",
  min: "Math.min",
  pow: "Math.pow",
};
/** Infix operators: symbol and JavaScript precedence (left-associative). */
const INFIX: Partial<Record<ScalarOp, [string, number]>> = {
  add: ["+", 13],
  sub: ["-", 13],
  mul: ["*", 14],
  div: ["/", 14],
  lt: ["<", 11],
  le: ["<=", 11],
  gt: [">", 11],
  ge: [">=", 11],
  eq: ["===", 10],
};
const CONDITIONAL = 2;

function literal(v: number): Js {
  const t = numberLiteral(v);
  // a leading minus is parenthesised: `a - (-1)`, `(-2) ** x` never read differently
  return { text: t.startsWith("-") ? `(${t})` : t, prec: ATOM };
}

const wrap = (x: Js, min: number): string => (x.prec >= min ? x.text : `(${x.text})`);

function render(s: Scalar, args: readonly JsOperand[]): Js {
  if (s.k === "const") return literal(s.v);
  if (s.k === "arg") {
    const a = args[s.i];
    if (a === undefined) throw new Error(`scalar: operand ${s.i} missing (${args.length} given)`);
    return typeof a === "number" ? literal(a) : { text: a, prec: ATOM };
  }
  const xs = s.args.map((a) => render(a, args));
  const call = CALL[s.op];
  if (call) return { text: `${call}(${xs.map((x) => x.text).join(", ")})`, prec: ATOM };
  const infix = INFIX[s.op];
  if (infix) {
    const [sym, p] = infix;
    const text = `${wrap(xs[0]!, p)} ${sym} ${wrap(xs[1]!, p + 1)}`;
    // a comparison is a number (1 or 0), as in `evalScalar`
    return p >= 13 ? { text, prec: p } : { text: `${text} ? 1 : 0`, prec: CONDITIONAL };
  }
  if (s.op === "neg") return { text: `-${wrap(xs[0]!, ATOM)}`, prec: 15 };
  // select(c, a, b): a comparison condition is the test itself, anything else is tested ≠ 0
  const [c, a, b] = s.args;
  const cmp = c!.k === "op" && INFIX[c!.op] && INFIX[c!.op]![1] < 13 ? c! : null;
  const test = cmp
    ? (() => {
        const [sym, p] = INFIX[(cmp as { op: ScalarOp }).op]!;
        const [l, r] = (cmp as { args: readonly Scalar[] }).args.map((x) => render(x, args));
        return `${wrap(l!, p)} ${sym} ${wrap(r!, p + 1)}`;
      })()
    : `${wrap(xs[0]!, 11)} !== 0`;
  return {
    text: `${test} ? ${wrap(render(a!, args), CONDITIONAL + 1)} : ${wrap(render(b!, args), CONDITIONAL)}`,
    prec: CONDITIONAL,
  };
}

/** A scalar tree as a JavaScript expression over the rendered operands (`arg i` → `args[i]`). */
export function scalarJs(s: Scalar, args: readonly JsOperand[]): string {
  return render(s, args).text;
}
