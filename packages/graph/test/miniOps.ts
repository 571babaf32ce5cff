/**
 * A tiny op set for testing graph's passes without @gated/ops (graph never depends on it):
 * add, mul, neg, exp (elementwise, same-shape or scalar broadcasting) and sumAll.
 */
import {
  apply,
  bindBuilders,
  broadcastShapes,
  constant,
  defineOp,
  evalScalar,
  type Node,
  type Op,
  type OpDef,
  P,
  rule,
  S,
  type Scalar,
  type Tensor,
  X,
  Y,
} from "../src/index.js";

function pick(t: Tensor, k: number): number {
  return t.data.length === 1 ? t.data[0]! : t.data[k]!;
}

/** An elementwise op from its scalar formula over `arity` operands. */
function elementwise(
  name: string,
  arity: number,
  formula: (...xs: Scalar[]) => Scalar,
  def: Partial<OpDef>,
): Op {
  const tree = formula(...Array.from({ length: arity }, (_, i) => S.arg(i)));
  const f = (...v: number[]) => evalScalar(tree, v);
  return defineOp({
    name,
    kind: "elementwise",
    arity,
    shape: (xs) => xs.reduce((a, b) => broadcastShapes(a, b)),
    evaluate: (xs, _a, out) =>
      Float64Array.from({ length: out.reduce((a, b) => a * b, 1) }, (_, k) =>
        f(...xs.map((x) => pick(x, k))),
      ),
    vjp: () => [],
    jvp: () => null,
    scalar: (xs) => formula(...xs),
    ...def,
  } as OpDef);
}

export const add: Op = elementwise("add", 2, S.add, {
  commutative: true,
  vjp: ({ g }) => [g, g],
  jvp: ({ dx: [a, b] }) => (a && b ? add(a, b) : (a ?? b)),
  rules: () => [rule("x + 0 -> x", P.op(add, X, 0), ({ x }) => x)],
  notation: { text: ([a, b]) => `${a} + ${b}`, prec: 10 },
});
export const mul: Op = elementwise("mul", 2, S.mul, {
  commutative: true,
  vjp: ({ x: [a, b], g }) => [mul(g, b!), mul(g, a!)],
  jvp: ({ x: [a, b], dx: [da, db] }) => {
    const t0 = da ? mul(da, b!) : null;
    const t1 = db ? mul(a!, db) : null;
    return t0 && t1 ? add(t0, t1) : (t0 ?? t1);
  },
  rules: () => [
    rule("x * 1 -> x", P.op(mul, X, 1), ({ x }) => x),
    rule("x * 0 -> 0", P.op(mul, X, 0), () => 0),
  ],
  notation: { text: ([a, b]) => `${a} * ${b}`, prec: 20 },
});
export const neg: Op = elementwise("neg", 1, S.neg, {
  vjp: ({ g }) => [neg(g)],
  jvp: ({ dx: [d] }) => neg(d!),
  rules: () => [rule("-(-x) -> x", P.op(neg, P.op(neg, X)), ({ x }) => x)],
  notation: { text: ([a]) => `-${a}`, prec: 30 },
});
export const exp: Op = elementwise("exp", 1, S.exp, {
  vjp: ({ out, g }) => [mul(g, out)],
  jvp: ({ out, dx: [d] }) => mul(d!, out),
});
/** A rule that undoes itself (it swaps the operands; wrong in value on purpose): the driver must stop. */
export const flip: Op = elementwise("flip", 2, S.sub, {
  vjp: ({ g }) => [g, neg(g)],
  jvp: () => null,
  rules: () => [rule("flip(x, y) -> flip(y, x)", P.op(flip, X, Y), ({ x, y }) => flip(y, x))],
});
export const sumAll: Op & ((x: Node) => Node) = defineOp(
  {
    name: "sumAll",
    kind: "reduce",
    arity: 1,
    shape: () => [],
    evaluate: ([x]) => Float64Array.of(x!.data.reduce((a, b) => a + b, 0)),
    vjp: ({ x: [x], g }) => [broadcast(g, x!)],
    jvp: ({ dx: [d] }) => sumAll(d!),
  },
  (op) => (x: Node) => apply(op, [x], {}),
);
/** g (a scalar) spread to the shape of x: g + 0·x keeps it symbolic. */
function broadcast(g: Node, x: Node): Node {
  return add(g, mul(x, constant(0)));
}

const unsupported = (name: string) => () => {
  throw new Error(`miniOps: ${name} is not part of the test op set`);
};
bindBuilders({
  add,
  mul,
  neg,
  exp,
  sub: (a, b) => add(a, neg(b instanceof Object ? b : constant(b))),
  div: unsupported("div"),
  pow: unsupported("pow"),
  log: unsupported("log"),
  tanh: unsupported("tanh"),
  sigmoid: unsupported("sigmoid"),
  square: (x) => mul(x, x),
  matvec: unsupported("matvec"),
  matmul: unsupported("matmul"),
  transpose: unsupported("transpose"),
  sum: (x) => sumAll(x),
  mean: unsupported("mean"),
  reshape: unsupported("reshape"),
  broadcastTo: (x, shape) => add(x, constant(0, shape)),
  sumTo: (x, shape) => {
    if (shape.length === 0) return sumAll(x);
    throw new Error("miniOps: sumTo only to scalars");
  },
});
