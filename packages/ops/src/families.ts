/**
 * Factories for elementwise ops. `unary` and `binary` supply the shape rule (identity /
 * broadcasting), evaluation through the op's scalar-IR formula (the one statement of its
 * semantics), forward mode derived from the reverse rule (the Jacobian is diagonal), and the
 * `elementwise` lowering kind.
 */
import {
  type Algebra,
  type Attrs,
  apply,
  broadcastIndex,
  broadcastShapes,
  type Domain,
  defineOp,
  type Node,
  type Notation,
  type Op,
  type OpDef,
  ops,
  type Rule,
  S,
  type Scalar,
  type ScalarOp,
  scalarFunction,
  type Tensor,
} from "@gated/graph";

/**
 * Evaluates an elementwise op through its scalar formula, broadcasting the inputs to `outShape`:
 * the interpreter's (and constant folding's) one elementwise loop.
 */
export function evaluateScalar(
  formula: (xs: readonly Scalar[], attrs: Attrs) => Scalar,
  inputs: readonly Tensor[],
  attrs: Attrs,
  outShape: readonly number[],
): Float64Array {
  const f = scalarFunction(
    formula(
      inputs.map((_, i) => S.arg(i)),
      attrs,
    ),
  );
  const [x, y, z] = inputs;
  if (inputs.length === 1) return x!.data.map((v) => f(v, 0, 0));
  const idx = inputs.map((t) => broadcastIndex(t.shape, outShape));
  const [ix, iy, iz] = idx;
  const out = new Float64Array(ix!.length);
  if (inputs.length === 2)
    for (let k = 0; k < out.length; k++) out[k] = f(x!.data[ix![k]!]!, y!.data[iy![k]!]!, 0);
  else
    for (let k = 0; k < out.length; k++)
      out[k] = f(x!.data[ix![k]!]!, y!.data[iy![k]!]!, z!.data[iz![k]!]!);
  return out;
}

export interface UnarySpec {
  name: string;
  /** The formula in the scalar IR: evaluated by the interpreter, rendered by every backend. */
  scalar: (x: Scalar) => Scalar;
  /** Cotangent of the input, from the input `x`, the output `out` and the cotangent `g`. */
  vjp: (a: { x: Node; out: Node; g: Node }) => Node | null;
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
    evaluate: (xs, attrs, outShape) => evaluateScalar(def.scalar!, xs, attrs, outShape),
    vjp: ({ x, out, g }) => [spec.vjp({ x: x[0]!, out, g })],
    // diagonal Jacobian: J·dx is the reverse rule applied to dx
    jvp: ({ x, out, dx }) => spec.vjp({ x: x[0]!, out, g: dx[0]! }),
    scalar: ([x]) => spec.scalar(x!),
    domain: spec.domain,
    rules: spec.rules ?? (() => []),
    notation: spec.notation ?? {},
    differentiable: spec.differentiable ?? true,
  };
  return defineOp(def) as Op & ((x: Node | number) => Node);
}

export interface BinarySpec {
  name: string;
  /** The formula in the scalar IR: evaluated by the interpreter, rendered by every backend. */
  scalar: (x: Scalar, y: Scalar) => Scalar;
  /** Cotangents of both inputs, at the output's (broadcast) shape; autodiff sums them back. */
  vjp: (a: { x: Node; y: Node; out: Node; g: Node }) => readonly [Node | null, Node | null];
  domain: Domain | readonly [Domain, Domain];
  commutative?: boolean;
  algebra?: Algebra;
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
    ...(spec.algebra ? { algebra: spec.algebra } : {}),
    shape: ([x, y]) => broadcastShapes(x!, y!),
    evaluate: (xs, attrs, outShape) => evaluateScalar(def.scalar!, xs, attrs, outShape),
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
    scalar: ([x, y]) => spec.scalar(x!, y!),
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
  /** The scalar IR comparison (1 where it holds, else 0; false for NaN). */
  cmp: Extract<ScalarOp, "lt" | "le" | "gt" | "ge" | "eq">;
  symbol: { text: string; latex: string };
  commutative?: boolean;
}): Op & ((x: Node | number, y: Node | number) => Node) {
  return binary({
    name: spec.name,
    scalar: (x, y) => S[spec.cmp](x, y),
    vjp: () => [null, null],
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
