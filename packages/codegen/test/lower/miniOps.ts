/**
 * A handful of ops for the pass tests, built on graph alone (codegen's tests know no op set):
 * add (the `sum` algebra), mul (zero-absorbing), tanh, and the structural matvec, transpose and
 * outer the contraction passes recognise; plus a one-sweep spec builder.
 */
import {
  apply,
  defineOp,
  evalScalar,
  type Node,
  type OpDef,
  type OpKind,
  S,
  type Scalar,
  type Shape,
  type Sizes,
} from "@gated/graph";
import { Shapes } from "../../src/lower/analyze.js";
import { ConstPool } from "../../src/lower/consts.js";
import type { ScanSpec } from "../../src/lower/plan.js";
import { Namer } from "../../src/names.js";
import type { Loc } from "../../src/schedule/schedule.js";

/** A same-shape elementwise op from a scalar formula (`extra`: further OpDef fields). */
export function ew(name: string, arity: number, formula: (...xs: Scalar[]) => Scalar, extra = {}) {
  const def: OpDef = {
    name,
    kind: "elementwise",
    arity,
    shape: (xs) => xs[0]!,
    evaluate: (xs) =>
      xs[0]!.data.map((_, k) =>
        evalScalar(
          def.scalar!(
            xs.map((_, i) => S.arg(i)),
            {},
          ),
          xs.map((x) => x.data[k]!),
        ),
      ),
    vjp: () => [],
    jvp: () => null,
    scalar: (xs) => formula(...xs),
    ...extra,
  };
  const op = defineOp(def);
  return (...xs: Node[]) => apply(op, xs, {});
}

function structural(name: OpKind, shape: (xs: readonly Shape[]) => Shape) {
  const op = defineOp({
    name: `t_${name}`,
    kind: name,
    arity: name === "transpose" ? 1 : 2,
    shape,
    evaluate: () => {
      throw new Error(`t_${name}: not evaluated in these tests`);
    },
    vjp: () => [],
    jvp: () => null,
  });
  return (...xs: Node[]) => apply(op, xs, {});
}

export const add = ew("t_add", 2, S.add, { algebra: { sum: true } });
export const mul = ew("t_mul", 2, S.mul, { algebra: { zeroAbsorbing: [0, 1] } });
export const tanh = ew("t_tanh", 1, S.tanh);
export const matvec = structural("matvec", ([a]) => [a![0]!]);
export const transpose = structural("transpose", ([a]) => [a![1]!, a![0]!]);
export const outer = structural("outer", ([x, y]) => [x![0]!, y![0]!]);

export const at = (buf: string, scope: Loc["scope"] = "time", ld = 1): Loc => ({
  buf,
  scope,
  ld,
  col: 0,
  shift: 0,
});

/** A one-sweep spec; parameters get consecutive offsets in the order given. */
export function sweepSpec(o: {
  sweep?: "forward" | "backward";
  sizes: Sizes;
  carried?: readonly { leaf: Node; next: Node }[];
  rowInputs?: readonly Node[];
  rowOutputs?: readonly Node[];
  accum?: readonly Node[];
  keep?: readonly Node[];
  params?: readonly Node[];
}): ScanSpec {
  const shapes = new Shapes(o.sizes);
  const namer = new Namer();
  let offset = 0;
  const params = new Map<Node, { loc: Loc; offset: number }>();
  for (const p of o.params ?? []) {
    params.set(p, { loc: { ...at("P", "static", 0), col: offset }, offset });
    offset += shapes.size(p);
  }
  const grads = (o.params ?? []).map((p) => params.get(p)!);
  return {
    sweep: o.sweep ?? "forward",
    compute: "f64",
    shapes,
    namer,
    hints: new Map(),
    carried: (o.carried ?? []).map((c, k) => ({
      ...c,
      inLoc: at(`c${k}`, "row", shapes.size(c.leaf)),
      outLoc: at(`c${k}_next`, "row", shapes.size(c.leaf)),
    })),
    rowInputs: new Map(
      (o.rowInputs ?? []).map((n, k) => [n, at(`in${k}`, "time", shapes.size(n))]),
    ),
    rowOutputs: (o.rowOutputs ?? []).map((node, k) => ({
      node,
      loc: at(`out${k}`, "time", shapes.size(node)),
    })),
    accum: (o.accum ?? []).map((node, k) => ({
      node,
      loc: { ...at("dP", "static", 0), col: grads[k]!.offset },
      offset: grads[k]!.offset,
    })),
    keep: new Set(o.keep ?? []),
    params,
    consts: new ConstPool((h) => namer.fresh(h), "f64"),
  };
}
