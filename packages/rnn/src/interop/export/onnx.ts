/**
 * Export to ONNX (opset 17): the whole sequence as one `Scan` over the step body, built from
 * standard ops. Inputs `x` [T, B, I] and `init_<state>` [B, n]; outputs `output` [T, B, n] and
 * `final_<state>` [B, n]; the parameters are initializers named by gated's names, which the
 * body reads from the enclosing graph. Elementwise nodes render from the scalar IR (one table,
 * ONNX_SCALAR); structural ops from ONNX_STRUCTURAL, keyed by the op objects of @gated/ops.
 */
import type { Params } from "@gated/codegen";
import {
  type Dim,
  type Node,
  type OpDef,
  resolveDim,
  S,
  type Scalar,
  type ScalarOp,
} from "@gated/graph";
import { OPS, scan } from "@gated/ops";
import type { Cell } from "../../defineCell.js";
import { sequenceModel } from "../../layers/sequenceModel.js";
import { foldScalar } from "./foldScalar.js";
import { batchPad, constantOf, type ExportDims, type LoweredCell, lowerCell } from "./lower.js";
import {
  encodeOnnxModel,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxType,
} from "./onnxProto.js";

export const ONNX_OPSET = 17;

/** A value in the body: a tensor name (float or bool), or a number not yet materialised. */
type Val =
  | { readonly k: "tensor" | "bool"; readonly s: string }
  | { readonly k: "number"; readonly v: number };

/** Builds one graph's nodes, naming values uniquely; constants become initializers of the model. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  private n = 0;
  private readonly consts = new Map<string, string>();
  constructor(
    readonly dtype: OnnxType,
    readonly initializers: OnnxTensor[],
  ) {}

  fresh(base = "v"): string {
    return `${base}_${this.n++}`;
  }

  op(
    op: string,
    inputs: readonly string[],
    attrs?: OnnxNode["attrs"],
    out = this.fresh(op.toLowerCase()),
  ): string {
    this.nodes.push({
      op,
      inputs,
      outputs: [out],
      name: `${op}_${this.nodes.length}`,
      ...(attrs ? { attrs } : {}),
    });
    return out;
  }

  /** A float scalar (or filled tensor) constant of the model's dtype. */
  float(v: number, dims: readonly number[] = []): string {
    return this.constant(this.dtype, v, dims);
  }

  /** An int64 scalar constant. */
  int64(v: number): string {
    const key = `i64s:${v}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_i64s_${this.consts.size}`;
      this.initializers.push({ name, type: "int64", dims: [], data: [v] });
      this.consts.set(key, name);
    }
    return name;
  }

  /** An int64 vector constant (axes, shapes, slice bounds). */
  ints(vs: readonly number[]): string {
    const key = `i64:${vs.join(",")}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_i64_${this.consts.size}`;
      this.initializers.push({ name, type: "int64", dims: [vs.length], data: vs });
      this.consts.set(key, name);
    }
    return name;
  }

  private constant(type: OnnxType, v: number, dims: readonly number[]): string {
    const key = `${type}:${Object.is(v, -0) ? "-0" : v}:${dims.join(",")}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_${this.consts.size}`;
      const n = dims.reduce((a, b) => a * b, 1);
      this.initializers.push({ name, type, dims, data: new Array<number>(n).fill(v) });
      this.consts.set(key, name);
    }
    return name;
  }

  /** A float tensor name for any value (numbers become scalar constants, booleans are cast). */
  tensor(v: Val): string {
    if (v.k === "number") return this.float(v.v);
    if (v.k === "bool")
      return this.op("Cast", [v.s], { to: { i: this.dtype === "float32" ? 1 : 11 } });
    return v.s;
  }

  unsqueeze(s: string, axes: readonly number[]): string {
    return axes.length ? this.op("Unsqueeze", [s, this.ints(axes)]) : s;
  }
}

type ScalarRender = (g: GraphBuilder, a: readonly Val[]) => Val;
const T = (s: string): Val => ({ k: "tensor", s });
const binOp =
  (op: string): ScalarRender =>
  (g, [a, b]) =>
    T(g.op(op, [g.tensor(a!), g.tensor(b!)]));
const unOp =
  (op: string): ScalarRender =>
  (g, [a]) =>
    T(g.op(op, [g.tensor(a!)]));
const cmpOp =
  (op: string): ScalarRender =>
  (g, [a, b]) => ({ k: "bool", s: g.op(op, [g.tensor(a!), g.tensor(b!)]) });

/** The ONNX rendering of each scalar operation. */
export const ONNX_SCALAR: { readonly [K in ScalarOp]: ScalarRender } = {
  add: binOp("Add"),
  sub: binOp("Sub"),
  mul: binOp("Mul"),
  div: binOp("Div"),
  neg: unOp("Neg"),
  exp: unOp("Exp"),
  log: unOp("Log"),
  log1p: (g, [a]) => T(g.op("Log", [g.op("Add", [g.float(1), g.tensor(a!)])])),
  tanh: unOp("Tanh"),
  sqrt: unOp("Sqrt"),
  abs: unOp("Abs"),
  sign: unOp("Sign"),
  max: binOp("Max"),
  min: binOp("Min"),
  pow: binOp("Pow"),
  lt: cmpOp("Less"),
  le: cmpOp("LessOrEqual"),
  gt: cmpOp("Greater"),
  ge: cmpOp("GreaterOrEqual"),
  eq: cmpOp("Equal"),
  select: (g, [c, a, b]) => {
    const cond = c!.k === "bool" ? c!.s : g.op("Not", [g.op("Equal", [g.tensor(c!), g.float(0)])]);
    return T(g.op("Where", [cond, g.tensor(a!), g.tensor(b!)]));
  },
};

function renderScalar(g: GraphBuilder, s: Scalar, args: readonly Val[]): Val {
  return foldScalar(s, args, (op, xs) => ONNX_SCALAR[op](g, xs));
}

interface Arg {
  readonly v: Val;
  readonly batched: boolean;
  readonly shape: readonly number[];
}
interface Ctx {
  readonly g: GraphBuilder;
  readonly low: LoweredCell;
  /** [1] int64: the batch size, from the step input's shape. */
  readonly batchDim: () => string;
}
type Structural = (n: Node, a: readonly Arg[], c: Ctx) => string;

const t = (c: Ctx, a: Arg) => c.g.tensor(a.v);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const reduce =
  (op: string, axesAsInput: boolean): Structural =>
  (n, [a], c) => {
    const x = t(c, a!);
    const ax = n.attrs["axis"];
    const axes =
      ax === "all"
        ? a!.batched
          ? range(1, a!.shape.length)
          : []
        : [(ax as number) + (a!.batched ? 1 : 0)];
    if (ax === "all" && a!.batched && a!.shape.length === 0) return x;
    const keep = { keepdims: { i: 0 } };
    if (!axes.length) return c.g.op(op, [x], keep);
    return axesAsInput
      ? c.g.op(op, [x, c.g.ints(axes)], keep)
      : c.g.op(op, [x], { ...keep, axes: { ints: axes } });
  };

/**
 * scan(a, b) along the last axis, unrolled (the length is fixed at export): yᵢ = aᵢ·yᵢ₋₁ + bᵢ
 * from Gathers of one element, the steps concatenated back; constant coefficients inline.
 */
function scanOnnx(n: Node, [a, b]: readonly Arg[], c: Ctx): string {
  const len = c.low.shape(n).at(-1)!;
  const at = (x: string, i: number) => c.g.op("Gather", [x, c.g.int64(i)], { axis: { i: -1 } });
  const B = t(c, b!);
  const A = a!.v.k === "number" ? undefined : t(c, a!);
  const coef = (i: number) =>
    A ? at(A, i) : a!.v.k === "number" && a!.v.v !== 1 ? c.g.float(a!.v.v) : undefined;
  const steps = range(0, len);
  if (n.attrs["reverse"] === true) steps.reverse();
  const ys: string[] = new Array(len);
  let y: string | undefined;
  for (const i of steps) {
    const bi = at(B, i);
    const k = y === undefined ? undefined : coef(i);
    y = y === undefined ? bi : c.g.op("Add", [k ? c.g.op("Mul", [k, y]) : y, bi]);
    ys[i] = c.g.unsqueeze(y, [-1]);
  }
  return c.g.op("Concat", ys, { axis: { i: -1 } });
}

/** ONNX rendering of the structural ops, by op identity. */
export const ONNX_STRUCTURAL: ReadonlyMap<OpDef, Structural> = new Map<OpDef, Structural>([
  [
    OPS.matvec,
    (_n, [A, v], c) =>
      c.g.op("Squeeze", [
        c.g.op("MatMul", [t(c, A!), c.g.unsqueeze(t(c, v!), [-1])]),
        c.g.ints([-1]),
      ]),
  ],
  [OPS.matmul, (_n, [A, B], c) => c.g.op("MatMul", [t(c, A!), t(c, B!)])],
  [
    OPS.outer,
    (_n, [a, b], c) =>
      c.g.op("Mul", [c.g.unsqueeze(t(c, a!), [-1]), c.g.unsqueeze(t(c, b!), [-2])]),
  ],
  [
    OPS.transpose,
    (_n, [a], c) =>
      c.g.op("Transpose", [t(c, a!)], { perm: { ints: a!.batched ? [0, 2, 1] : [1, 0] } }),
  ],
  [OPS.sum, reduce("ReduceSum", true)],
  [OPS.reduceMax, reduce("ReduceMax", false)],
  [scan, scanOnnx],
  [
    OPS.broadcastTo,
    (n, [a], c) => {
      const to = c.low.shape(n);
      if (!a!.batched) return c.g.op("Expand", [t(c, a!), c.g.ints(to)]);
      const pad = batchPad(a!.shape.length, to.length);
      return c.g.op("Expand", [c.g.unsqueeze(t(c, a!), range(1, pad)), c.g.ints([1, ...to])]);
    },
  ],
  [
    OPS.reshape,
    (n, [a], c) =>
      c.g.op("Reshape", [
        t(c, a!),
        c.g.ints(a!.batched ? [0, ...c.low.shape(n)] : [...c.low.shape(n)]),
      ]),
  ],
  [
    OPS.concat,
    (n, args, c) => {
      const batched = args.some((a) => a.batched);
      const parts = args.map((a) =>
        batched && !a.batched
          ? c.g.op("Expand", [
              t(c, a),
              c.g.op("Concat", [c.batchDim(), c.g.ints(a.shape)], { axis: { i: 0 } }),
            ])
          : t(c, a),
      );
      return c.g.op("Concat", parts, {
        axis: { i: (n.attrs["axis"] as number) + (batched ? 1 : 0) },
      });
    },
  ],
  [
    OPS.slice,
    (n, [a], c) => {
      const k = n.attrs["axis"] as number;
      const start = resolveDim(n.attrs["start"] as Dim, c.low.sizes, "slice start");
      const end = start + c.low.shape(n)[k]!;
      return c.g.op("Slice", [
        t(c, a!),
        c.g.ints([start]),
        c.g.ints([end]),
        c.g.ints([k + (a!.batched ? 1 : 0)]),
      ]);
    },
  ],
]);

function renderNode(n: Node, args: readonly Arg[], c: Ctx): Val {
  const structural = ONNX_STRUCTURAL.get(n.op);
  if (structural) return T(structural(n, args, c));
  if (n.op.kind === "elementwise" && n.op.scalar) {
    const R = c.low.shape(n).length;
    const padded = args.map((a): Val => {
      if (a.v.k === "number" || !a.batched || !c.low.batched(n)) return a.v;
      const k = batchPad(a.shape.length, R);
      return k === 0 ? a.v : { k: a.v.k, s: c.g.unsqueeze(a.v.s, range(1, k)) };
    });
    return renderScalar(
      c.g,
      n.op.scalar(
        n.inputs.map((_, i) => S.arg(i)),
        n.attrs,
      ),
      padded,
    );
  }
  throw new Error(
    `op ${n.op.name} (kind ${n.op.kind}) has no ONNX rendering (an elementwise op needs a scalar formula)`,
  );
}

export interface OnnxExportOptions extends ExportDims {
  readonly dtype?: "float32" | "float64";
  /** Parameter values by gated name (default: gated's default init, seed 0). */
  readonly params?: ReadonlyMap<string, ArrayLike<number>>;
  readonly seed?: number;
  /**
   * Adds the input `lengths` [B] (int64): steps at or past a sequence's length keep the state
   * and output zero, as gated's layers do.
   */
  readonly lengths?: boolean;
}

/** The cell's default parameters (gated's init, seed) by name. */
export function defaultParams(
  cell: Cell,
  opts: ExportDims & { seed?: number },
): Map<string, Float64Array> {
  const model = sequenceModel({
    cell,
    inputSize: opts.inputSize,
    hiddenSize: opts.hiddenSize,
    ...(opts.sizes ? { sizes: opts.sizes } : {}),
  });
  const p: Params = model.initParams({ seed: opts.seed ?? 0 });
  return new Map(
    model.layout.map((s) => [s.name.replace(/_l0$/, ""), Float64Array.from(p.get(s.name))]),
  );
}

/** The ONNX model (serialized ModelProto) of the cell run over a sequence. */
export function exportOnnx(cell: Cell, opts: OnnxExportOptions): Uint8Array {
  const where = `export of cell ${JSON.stringify(cell.name)} to ONNX`;
  const low = lowerCell(cell, opts);
  const dtype = opts.dtype ?? "float32";
  const values = opts.params ?? defaultParams(cell, opts);
  const initializers: OnnxTensor[] = [];
  for (const p of low.params) {
    const v = values.get(p.name);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (!v) throw new Error(`${where}: no value for parameter ${p.name} [${p.shape.join(", ")}]`);
    if (v.length !== n)
      throw new Error(
        `${where}: parameter ${p.name} has ${v.length} values, expected ${n} ([${p.shape.join(", ")}])`,
      );
    initializers.push({ name: p.name, type: dtype, dims: p.shape, data: v });
  }
  for (const k of values.keys())
    if (!low.params.some((p) => p.name === k))
      throw new Error(
        `${where}: unknown parameter ${k} (cell parameters: ${low.params.map((p) => p.name).join(", ")})`,
      );
  const g = new GraphBuilder(dtype, initializers);
  let bdim: string | undefined;
  const ctx: Ctx = {
    g,
    low,
    batchDim: () => {
      bdim ??= g.op("Shape", ["x_t"], { start: { i: 0 }, end: { i: 1 } }, "batch");
      return bdim;
    },
  };
  const vals = new Map<Node, Val>();
  const leaf = (n: Node): Val => {
    const c = constantOf(n);
    if (c !== undefined)
      return low.shape(n).length === 0 ? { k: "number", v: c } : T(g.float(c, low.shape(n)));
    if (n === cell.x) return T("x_t");
    const st = low.states.find((s) => s.node === n);
    if (st) return T(`${st.name}_in`);
    if (n.op.name === "param") return T(n.label!);
    throw new Error(`${where}: unknown leaf ${n.label ?? n.op.name}`);
  };
  const value = (n: Node): Val => {
    if (!vals.has(n)) vals.set(n, leaf(n));
    return vals.get(n)!;
  };
  for (const n of low.steps) {
    const args = n.inputs.map((x) => ({
      v: value(x),
      batched: low.batched(x),
      shape: low.shape(x),
    }));
    try {
      vals.set(n, renderNode(n, args, ctx));
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }
  const masked = opts.lengths === true;
  // with lengths: steps at or past a sequence's length keep the state and output zero
  const keep = masked ? g.op("Unsqueeze", [g.op("Less", ["t", "lengths"]), g.ints([1])]) : "";
  const batchedValue = (node: Node, size: number) => {
    const name = g.tensor(value(node));
    return low.batched(node)
      ? name
      : g.op("Expand", [
          name,
          g.op("Concat", [ctx.batchDim(), g.ints([size])], { axis: { i: 0 } }),
        ]);
  };
  const nexts = low.states.map((s) => batchedValue(s.next, s.size));
  low.states.forEach((s, k) =>
    g.op(
      "Identity",
      [masked ? g.op("Where", [keep, nexts[k]!, `${s.name}_in`]) : nexts[k]!],
      undefined,
      `${s.name}_out`,
    ),
  );
  // the per-step output: a next state, or a value of its own (`output y = …`) no state carries
  const outIdx = low.states.findIndex((s) => s.name === low.output);
  const outValue = low.ownOutput ? batchedValue(low.outputNode, low.outputSize) : nexts[outIdx]!;
  g.op(
    "Identity",
    [masked ? g.op("Where", [keep, outValue, g.float(0)]) : outValue],
    undefined,
    "y_t",
  );
  const B = "B";
  const body: OnnxGraph = {
    name: `${cell.name}_step`,
    nodes: g.nodes,
    inputs: [
      ...low.states.map((s) => ({ name: `${s.name}_in`, type: dtype, shape: [B, s.size] })),
      { name: "x_t", type: dtype, shape: [B, low.inputSize] },
      ...(masked ? [{ name: "t", type: "int64" as const, shape: [] }] : []),
    ],
    outputs: [
      ...low.states.map((s) => ({ name: `${s.name}_out`, type: dtype, shape: [B, s.size] })),
      { name: "y_t", type: dtype, shape: [B, low.outputSize] },
    ],
  };
  const main: OnnxGraph = {
    name: cell.name,
    doc: `gated cell ${cell.name} over a sequence: x [T, B, I] -> output [T, B, n], final states`,
    nodes: [
      // the step index t = 0 … T−1 as a second scan input, for the length mask
      ...(masked
        ? [
            {
              op: "Shape",
              inputs: ["x"],
              outputs: ["T_1"],
              attrs: { start: { i: 0 }, end: { i: 1 } },
            },
            { op: "Squeeze", inputs: ["T_1", g.ints([0])], outputs: ["T_0"] },
            { op: "Range", inputs: [g.int64(0), "T_0", g.int64(1)], outputs: ["steps"] },
          ]
        : []),
      {
        op: "Scan",
        name: "sequence",
        inputs: [...low.states.map((s) => `init_${s.name}`), "x", ...(masked ? ["steps"] : [])],
        outputs: [...low.states.map((s) => `final_${s.name}`), "output"],
        attrs: { body: { g: body }, num_scan_inputs: { i: masked ? 2 : 1 } },
      },
    ],
    inputs: [
      { name: "x", type: dtype, shape: ["T", B, low.inputSize] },
      ...low.states.map((s) => ({ name: `init_${s.name}`, type: dtype, shape: [B, s.size] })),
      ...(masked ? [{ name: "lengths", type: "int64" as const, shape: [B] }] : []),
    ],
    outputs: [
      { name: "output", type: dtype, shape: ["T", B, low.outputSize] },
      ...low.states.map((s) => ({ name: `final_${s.name}`, type: dtype, shape: [B, s.size] })),
    ],
    initializers,
  };
  return encodeOnnxModel({
    graph: main,
    opset: ONNX_OPSET,
    doc: `exported by gated from cell ${cell.name}`,
  });
}
