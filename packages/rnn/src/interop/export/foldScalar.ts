/**
 * A scalar-IR formula rendered over already rendered operands, for an exporter: every subtree
 * whose operands are all numbers is folded with `evalScalar` (the interpreter's semantics), a
 * `select` on a folded condition keeps only its taken branch, and every other operation goes to
 * the target's table through `render`. Both exporters (PyTorch, ONNX) render through this one walk.
 */
import { evalScalar, type Scalar, type ScalarOp } from "@gated/graph";

/** A rendered value of some target; numbers are known at export time. */
export type Rendered = { readonly k: "number"; readonly v: number } | { readonly k: string };

export function foldScalar<V extends Rendered>(
  s: Scalar,
  args: readonly V[],
  render: (op: ScalarOp, operands: V[]) => V,
): V {
  const isNumber = (a: V): a is V & { k: "number"; v: number } => a.k === "number";
  const constant = (t: Scalar): boolean =>
    t.k === "const" ||
    (t.k === "op" && t.args.every(constant)) ||
    (t.k === "arg" && isNumber(args[t.i]!));
  const go = (t: Scalar): V => {
    if (constant(t)) {
      const v = evalScalar(
        t,
        args.map((a) => (isNumber(a) ? a.v : Number.NaN)),
      );
      return { k: "number", v } as unknown as V;
    }
    if (t.k === "arg") return args[t.i]!;
    if (t.k === "const") return { k: "number", v: t.v } as unknown as V;
    if (t.op === "select" && constant(t.args[0]!)) {
      const c = go(t.args[0]!) as unknown as { v: number };
      return go(t.args[c.v !== 0 ? 1 : 2]!);
    }
    return render(t.op, t.args.map(go));
  };
  return go(s);
}
