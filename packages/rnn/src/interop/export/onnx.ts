/**
 * Export to ONNX (opset 17): the whole sequence as one `Scan` over the step body, built from
 * standard ops. Inputs `x` [T, B, I] and `init_<state>` [B, n]; outputs `output` [T, B, n] and
 * `final_<state>` [B, n]; the parameters are initializers named by gated's names. Only what
 * depends on a state is in the body: values of the parameters alone are computed once before
 * the Scan (the body reads them from the enclosing graph), and values of x and the parameters
 * (the input products U x, with their biases) for all steps at once, [T, B, …], one product
 * per matrix, scanned into the body beside x. Matrix-vector products of a parameter matrix are
 * MatMul(v, Aᵀ) over the batch (one GEMM, Aᵀ transposed once). Elementwise nodes render from
 * the scalar IR (one table, ONNX_SCALAR); structural ops from ONNX_STRUCTURAL, keyed by the op
 * objects of @gated/ops.
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
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxType,
} from "./onnxProto.js";

export const ONNX_OPSET = 17;

/** A value in the body: a tensor name (float or bool), or a number not yet materialised. */
type Val =
  | { readonly k: "tensor" | "bool"; readonly s: string }
  | { readonly k: "number"; readonly v: number };

/** What the builders of one model share: value names unique across its graphs, constants. */
interface Shared {
  n: number;
  readonly consts: Map<string, string>;
}

/** Builds one graph's nodes, naming values uniquely; constants become initializers of the model. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  constructor(
    readonly dtype: OnnxType,
    readonly initializers: OnnxTensor[],
    private readonly shared: Shared = { n: 0, consts: new Map() },
  ) {}

  /** A builder of another graph of the same model (a subgraph): names stay unique. */
  fork(): GraphBuilder {
    return new GraphBuilder(this.dtype, this.initializers, this.shared);
  }

  private get consts(): Map<string, string> {
    return this.shared.consts;
  }

  fresh(base = "v"): string {
    return `${base}_${this.shared.n++}`;
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
      name: `${op}_${out}`,
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
  /**
   * Leading axes before the per-sample shape: 0 (a parameter-only value), 1 ([B]: in the step
   * body) or 2 ([T, B]: a value of x computed for all steps before the Scan).
   */
  readonly lead: number;
  readonly shape: readonly number[];
}
interface Ctx {
  readonly g: GraphBuilder;
  /** The graph before the Scan, where parameter-only values are computed (once). */
  readonly once: GraphBuilder;
  readonly low: LoweredCell;
  /** int64 [lead]: the leading sizes ([B] in the body, [T, B] before the Scan). */
  readonly leadDims: () => string;
  /** Aᵀ of parameter-only matrices, by A's name (computed in `once`). */
  readonly transposed: Map<string, string>;
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
      ax === "all" ? (a!.lead ? range(a!.lead, a!.shape.length) : []) : [(ax as number) + a!.lead];
    if (ax === "all" && a!.lead && a!.shape.length === 0) return x;
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
    (_n, [A, v], c) => {
      // a parameter matrix times batched vectors: one GEMM v Aᵀ over the leading axes
      if (A!.lead === 0 && v!.lead > 0) {
        const a = t(c, A!);
        let at = c.transposed.get(a);
        if (!at) {
          at = c.once.op("Transpose", [a], { perm: { ints: [1, 0] } });
          c.transposed.set(a, at);
        }
        return c.g.op("MatMul", [t(c, v!), at]);
      }
      return c.g.op("Squeeze", [
        c.g.op("MatMul", [t(c, A!), c.g.unsqueeze(t(c, v!), [-1])]),
        c.g.ints([-1]),
      ]);
    },
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
      c.g.op("Transpose", [t(c, a!)], {
        perm: { ints: [...range(0, a!.lead), a!.lead + 1, a!.lead] },
      }),
  ],
  [OPS.sum, reduce("ReduceSum", true)],
  [OPS.reduceMax, reduce("ReduceMax", false)],
  [scan, scanOnnx],
  [
    OPS.broadcastTo,
    (n, [a], c) => {
      const to = c.low.shape(n);
      const L = a!.lead;
      if (!L) return c.g.op("Expand", [t(c, a!), c.g.ints(to)]);
      const pad = batchPad(a!.shape.length, to.length);
      return c.g.op("Expand", [
        c.g.unsqueeze(t(c, a!), range(L, pad)),
        c.g.ints([...new Array<number>(L).fill(1), ...to]),
      ]);
    },
  ],
  [
    OPS.reshape,
    (n, [a], c) =>
      c.g.op("Reshape", [
        t(c, a!),
        c.g.ints([...new Array<number>(a!.lead).fill(0), ...c.low.shape(n)]),
      ]),
  ],
  [
    OPS.concat,
    (n, args, c) => {
      const L = Math.max(...args.map((a) => a.lead));
      const parts = args.map((a) =>
        L && !a.lead
          ? c.g.op("Expand", [
              t(c, a),
              c.g.op("Concat", [c.leadDims(), c.g.ints(a.shape)], { axis: { i: 0 } }),
            ])
          : t(c, a),
      );
      return c.g.op("Concat", parts, { axis: { i: (n.attrs["axis"] as number) + L } });
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
        c.g.ints([k + a!.lead]),
      ]);
    },
  ],
]);

/**
 * Elementwise ops that ONNX has as one op of the same function: one node (onnxruntime's own
 * kernel) instead of the scalar formula's (σ's stable form alone is two Exp, two Div, a Where).
 */
export const ONNX_NATIVE: ReadonlyMap<OpDef, string> = new Map<OpDef, string>([
  [OPS.sigmoid, "Sigmoid"],
  [OPS.tanh, "Tanh"],
]);

function renderNode(n: Node, args: readonly Arg[], c: Ctx): Val {
  const structural = ONNX_STRUCTURAL.get(n.op);
  if (structural) return T(structural(n, args, c));
  const native = ONNX_NATIVE.get(n.op);
  if (native && args.length === 1) return T(c.g.op(native, [t(c, args[0]!)]));
  if (n.op.kind === "elementwise" && n.op.scalar) {
    const R = c.low.shape(n).length;
    // a batched operand of lower rank gets axes after its leading ones; the others broadcast
    const padded = args.map((a): Val => {
      if (a.v.k === "number" || !a.lead) return a.v;
      const k = batchPad(a.shape.length, R);
      return k === 0 ? a.v : { k: a.v.k, s: c.g.unsqueeze(a.v.s, range(a.lead, k)) };
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
  return encodeOnnxModel(onnxModel(cell, opts));
}

/** The ONNX model of the cell run over a sequence, before serialization (its graphs' nodes). */
export function onnxModel(cell: Cell, opts: OnnxExportOptions): OnnxModel {
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
  // `once`: the graph before the Scan; `g`: the step body
  const once = new GraphBuilder(dtype, initializers);
  const g = once.fork();
  const transposed = new Map<string, string>();
  const stateIn = low.states[0] ? `${low.states[0].name}_in` : "x_t";
  const dimsOf = (b: GraphBuilder, of: string, n: number) =>
    b.op("Shape", [of], { start: { i: 0 }, end: { i: n } });
  let onceDims: string | undefined;
  let bodyDims: string | undefined;
  const onceCtx: Ctx = {
    g: once,
    once,
    low,
    transposed,
    leadDims: () => (onceDims ??= dimsOf(once, "x", 2)),
  };
  const ctx: Ctx = {
    g,
    once,
    low,
    transposed,
    leadDims: () => (bodyDims ??= dimsOf(g, stateIn, 1)),
  };
  // what depends on a state is computed per step; everything else once, before the Scan
  const perStep = new Set<Node>(low.states.map((s) => s.node));
  for (const n of low.steps) if (n.inputs.some((x) => perStep.has(x))) perStep.add(n);
  const render = (n: Node, args: readonly Arg[], c: Ctx): Val => {
    try {
      return renderNode(n, args, c);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  };
  // before the Scan: parameter-only values (lead 0) and values of x for all steps (lead 2)
  const onceVals = new Map<Node, Val>();
  const onceValue = (n: Node): Val => {
    let v = onceVals.get(n);
    if (v) return v;
    const c = constantOf(n);
    if (c !== undefined)
      v = low.shape(n).length === 0 ? { k: "number", v: c } : T(g.float(c, low.shape(n)));
    else if (n === cell.x) v = T("x");
    else if (n.op.name === "param") v = T(n.label!);
    else throw new Error(`${where}: unknown leaf ${n.label ?? n.op.name}`);
    onceVals.set(n, v);
    return v;
  };
  for (const n of low.steps) {
    if (perStep.has(n)) continue;
    const args = n.inputs.map((x) => ({
      v: onceValue(x),
      lead: low.batched(x) ? 2 : 0,
      shape: low.shape(x),
    }));
    onceVals.set(n, render(n, args, onceCtx));
  }
  // the body: values of x come in as scan inputs ([B, …] at step t), parameter-only ones by name
  const scanned = new Map<Node, { outer: string; inner: string }>();
  const bodyVals = new Map<Node, Val>();
  const value = (n: Node): Val => {
    const v = bodyVals.get(n);
    if (v) return v;
    const st = low.states.find((s) => s.node === n);
    if (st) return T(`${st.name}_in`);
    if (!low.batched(n)) return onceValue(n);
    let sc = scanned.get(n);
    if (!sc) {
      const outer = once.tensor(onceValue(n));
      sc = { outer, inner: n === cell.x ? "x_t" : `${outer}_t` };
      scanned.set(n, sc);
    }
    return T(sc.inner);
  };
  for (const n of low.steps) {
    if (!perStep.has(n)) continue;
    const args = n.inputs.map((x) => ({
      v: value(x),
      lead: low.batched(x) ? 1 : 0,
      shape: low.shape(x),
    }));
    bodyVals.set(n, render(n, args, ctx));
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
          g.op("Concat", [ctx.leadDims(), g.ints([size])], { axis: { i: 0 } }),
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
  // a Scan needs a scan input: x itself when the body reads nothing of x
  if (!scanned.size) scanned.set(cell.x, { outer: "x", inner: "x_t" });
  const B = "B";
  const scans = [...scanned].map(([n, sc]) => ({
    ...sc,
    shape: n === cell.x ? [low.inputSize] : low.shape(n),
  }));
  const body: OnnxGraph = {
    name: `${cell.name}_step`,
    nodes: g.nodes,
    inputs: [
      ...low.states.map((s) => ({ name: `${s.name}_in`, type: dtype, shape: [B, s.size] })),
      ...scans.map((sc) => ({ name: sc.inner, type: dtype, shape: [B, ...sc.shape] })),
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
      ...once.nodes,
      // the step index t = 0 … T−1 as a further scan input, for the length mask
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
        inputs: [
          ...low.states.map((s) => `init_${s.name}`),
          ...scans.map((sc) => sc.outer),
          ...(masked ? ["steps"] : []),
        ],
        outputs: [...low.states.map((s) => `final_${s.name}`), "output"],
        attrs: { body: { g: body }, num_scan_inputs: { i: scans.length + (masked ? 1 : 0) } },
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
  return {
    graph: main,
    opset: ONNX_OPSET,
    doc: `exported by gated from cell ${cell.name}`,
  };
}
