/**
 * Factories for elementwise ops. `unary` and `binary` supply the shape rule (identity /
 * broadcasting), elementwise evaluation through the scalar function, forward mode derived from
 * the reverse rule (the Jacobian is diagonal), and the `elementwise` lowering kind.
 */
import {
  apply,
  broadcastIndex,
  broadcastShapes,
  type Domain,
  defineOp,
  type JsExpr,
  type Node,
  type Notation,
  type Op,
  type OpDef,
  ops,
  type Rule,
  type Tensor,
} from "@gated/graph";

export interface UnarySpec {
  name: string;
  evaluate: (x: number) => number;
  /** Cotangent of the input, from the input `x`, the output `out` and the cotangent `g`. */
  vjp: (a: { x: Node; out: Node; g: Node }) => Node | null;
  emit: (x: JsExpr) => JsExpr;
  domain: Domain;
  rules?: () => readonly Rule[];
  notation?: Notation;
  differentiable?: boolean;
}

/** An elementwise op of one input. */
export function unary(spec: UnarySpec): Op & ((x: Node | number) => Node) {
  const def: OpDef = {
    name: spec.name,
    kind: "elementwise",
    arity: 1,
    shape: ([x]) => x!,
    evaluate: ([x]) => x!.data.map(spec.evaluate),
    vjp: ({ x, out, g }) => [spec.vjp({ x: x[0]!, out, g })],
    // diagonal Jacobian: J·dx is the reverse rule applied to dx
    jvp: ({ x, out, dx }) => spec.vjp({ x: x[0]!, out, g: dx[0]! }),
    emit: ([x]) => spec.emit(x!),
    domain: spec.domain,
    rules: spec.rules ?? (() => []),
    notation: spec.notation ?? {},
    differentiable: spec.differentiable ?? true,
  };
  return defineOp(def) as Op & ((x: Node | number) => Node);
}

export interface BinarySpec {
  name: string;
  evaluate: (x: number, y: number) => number;
  /** Cotangents of both inputs, at the output's (broadcast) shape; autodiff sums them back. */
  vjp: (a: { x: Node; y: Node; out: Node; g: Node }) => readonly [Node | null, Node | null];
  emit: (x: JsExpr, y: JsExpr) => JsExpr;
  domain: Domain | readonly [Domain, Domain];
  commutative?: boolean;
  rules?: () => readonly Rule[];
  notation?: Notation;
  differentiable?: boolean;
}

/** An elementwise op of two inputs, with numpy-style broadcasting. */
export function binary(spec: BinarySpec): Op & ((x: Node | number, y: Node | number) => Node) {
  const def: OpDef = {
    name: spec.name,
    kind: "elementwise",
    arity: 2,
    commutative: spec.commutative ?? false,
    shape: ([x, y]) => broadcastShapes(x!, y!),
    evaluate: ([x, y], _attrs, outShape) => {
      const ix = broadcastIndex(x!.shape, outShape);
      const iy = broadcastIndex(y!.shape, outShape);
      const out = new Float64Array(ix.length);
      for (let k = 0; k < out.length; k++)
        out[k] = spec.evaluate(x!.data[ix[k]!]!, y!.data[iy[k]!]!);
      return out;
    },
    vjp: ({ x, out, g }) => spec.vjp({ x: x[0]!, y: x[1]!, out, g }),
    jvp: ({ x, out, dx }) => {
      const [dx0, dx1] = dx;
      const at = (d: Node) =>
        d.shape.length === out.shape.length && d.shape.every((s, i) => s === out.shape[i])
          ? d
          : ops().broadcastTo(d, out.shape);
      const t0 = dx0 ? spec.vjp({ x: x[0]!, y: x[1]!, out, g: at(dx0) })[0] : null;
      const t1 = dx1 ? spec.vjp({ x: x[0]!, y: x[1]!, out, g: at(dx1) })[1] : null;
      return t0 && t1 ? ops().add(t0, t1) : (t0 ?? t1);
    },
    emit: ([x, y]) => spec.emit(x!, y!),
    domain: spec.domain,
    rules: spec.rules ?? (() => []),
    notation: spec.notation ?? {},
    differentiable: spec.differentiable ?? true,
  };
  return defineOp(
    def,
    (op) => (x: Node | number, y: Node | number) => apply(op, [x, y], {}),
  ) as Op & ((x: Node | number, y: Node | number) => Node);
}

/** Reduces a tensor over one axis (or "all") from `init` with `f`: the loop `sum` and `reduceMax` share. */
export function reduceAxis(
  x: Tensor,
  axis: number | "all",
  outShape: readonly number[],
  init: number,
  f: (acc: number, v: number) => number,
): Float64Array {
  if (axis === "all") return Float64Array.of(x.data.reduce((acc, v) => f(acc, v), init));
  const shape = x.shape;
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = new Float64Array(outShape.reduce((a, b) => a * b, 1)).fill(init);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < inner; i++)
        out[o * inner + i] = f(out[o * inner + i]!, x.data[(o * n + j) * inner + i]!);
  return out;
}

/** A comparison: 1 where it holds, else 0. Piecewise constant, so it has no derivative. */
export function comparison(spec: {
  name: string;
  evaluate: (x: number, y: number) => boolean;
  emit: (x: JsExpr, y: JsExpr) => JsExpr;
  symbol: { text: string; latex: string };
  commutative?: boolean;
}): Op & ((x: Node | number, y: Node | number) => Node) {
  return binary({
    name: spec.name,
    evaluate: (x, y) => (spec.evaluate(x, y) ? 1 : 0),
    vjp: () => [null, null],
    emit: spec.emit,
    domain: { min: -3, max: 3 },
    ...(spec.commutative ? { commutative: true } : {}),
    differentiable: false,
    notation: {
      text: ([x, y]) => `[${x} ${spec.symbol.text} ${y}]`,
      latex: ([x, y]) => `\\left[${x} ${spec.symbol.latex} ${y}\\right]`,
      prec: 100,
    },
  });
}
