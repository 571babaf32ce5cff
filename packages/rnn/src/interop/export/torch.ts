/**
 * Export to PyTorch: one Python module (imports only torch and typing) with `Cell` (one step
 * on a batch, parameters named and shaped as gated's), `Layer` (the sequence, with gated's
 * masking: steps past a sequence's length keep the state and output zero) and safetensors
 * helpers under gated's names. Elementwise nodes render from the scalar IR (torchScalar.ts);
 * structural ops from the table below, keyed by the op objects of @gated/ops.
 */
import {
  type Dim,
  type Node,
  type OpDef,
  type Rendered,
  renderNode,
  resolveDim,
  S,
  textLeaf,
} from "@gated/graph";
import { OPS, scan } from "@gated/ops";
import type { Cell, InitSpec } from "../../defineCell.js";
import { printCell } from "../../syntax/printCell.js";
import {
  asciiIdent,
  batchPad,
  constantOf,
  type ExportDims,
  type LoweredCell,
  lowerCell,
  statementNames,
  uniformBound,
} from "./lower.js";
import { TORCH_WEIGHTS_CODE } from "./torchPrelude.js";
import { type PyExpr, pyNumber, pyText, renderTorchScalar } from "./torchScalar.js";

const DT = "x.dtype";
const PY_RESERVED = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield " +
    "x state self torch Tensor Dict List Optional Tuple B training cell forward"
  ).split(" "),
);

/** An operand of a structural op: its expression, whether it carries the batch axis, its per-sample rank. */
interface Arg {
  readonly e: PyExpr;
  readonly batched: boolean;
  readonly shape: readonly number[];
}

type Structural = (n: Node, a: readonly Arg[], low: LoweredCell) => string;

const shapeList = (s: readonly number[]) => `[${s.join(", ")}]`;
/** A tensor expression for any operand (numbers become filled tensors). */
const tensor = (a: Arg): string =>
  a.e.k === "number"
    ? `torch.full(${shapeList(a.shape)}, ${pyNumber(a.e.v)}, dtype=x.dtype, device=x.device)`
    : pyText(a.e, DT);
const unsq = (s: string, k: number) => s + ".unsqueeze(1)".repeat(k);
const axisOf = (n: Node, a: Arg) => (n.attrs["axis"] as number) + (a.batched ? 1 : 0);
const allAxes = (a: Arg) => (a.batched ? a.shape.map((_, i) => i + 1) : a.shape.map((_, i) => i));
const reduce =
  (fn: string, all: string): Structural =>
  (n, [a]) => {
    const x = tensor(a!);
    if (n.attrs["axis"] !== "all") return `torch.${fn}(${x}, ${axisOf(n, a!)})`;
    if (!a!.batched) return `torch.${all}(${x})`;
    return a!.shape.length === 0 ? x : `torch.${fn}(${x}, ${shapeList(allAxes(a!))})`;
  };

/** PyTorch rendering of the structural ops, by op identity. */
export const TORCH_STRUCTURAL: ReadonlyMap<OpDef, Structural> = new Map<OpDef, Structural>([
  [
    OPS.matvec,
    (_n, [A, v]) => {
      const a = tensor(A!),
        w = tensor(v!);
      if (!A!.batched && v!.batched) return `${w} @ ${a}.t()`;
      if (!v!.batched) return `${a} @ ${w}`;
      return `(${a} @ ${w}.unsqueeze(-1)).squeeze(-1)`;
    },
  ],
  [OPS.matmul, (_n, [A, B]) => `${tensor(A!)} @ ${tensor(B!)}`],
  [OPS.outer, (_n, [a, b]) => `${tensor(a!)}.unsqueeze(-1) * ${tensor(b!)}.unsqueeze(-2)`],
  [OPS.transpose, (_n, [a]) => `${tensor(a!)}.transpose(-1, -2)`],
  [OPS.sum, reduce("sum", "sum")],
  [OPS.reduceMax, reduce("amax", "max")],
  [
    OPS.broadcastTo,
    (n, [a], low) => {
      const to = low.shape(n);
      if (!a!.batched) return `${tensor(a!)}.expand(${shapeList(to)})`;
      return `${unsq(tensor(a!), batchPad(a!.shape.length, to.length))}.expand(${shapeList([-1, ...to])})`;
    },
  ],
  [
    OPS.reshape,
    (n, [a], low) =>
      `${tensor(a!)}.reshape(${shapeList(a!.batched ? [-1, ...low.shape(n)] : low.shape(n))})`,
  ],
  [
    OPS.concat,
    (n, args) => {
      const batched = args.some((a) => a.batched);
      const parts = args.map((a) =>
        batched && !a.batched
          ? `${tensor(a)}.expand(${shapeList([-1, ...a.shape]).replace("-1", "x.shape[0]")})`
          : tensor(a),
      );
      return `torch.cat([${parts.join(", ")}], ${(n.attrs["axis"] as number) + (batched ? 1 : 0)})`;
    },
  ],
  [scan, scanTorch],
  [
    OPS.slice,
    (n, [a], low) => {
      const k = n.attrs["axis"] as number;
      const len = low.shape(n)[k]!;
      const start = sliceStart(n, low);
      return `${tensor(a!)}.narrow(${axisOf(n, a!)}, ${start}, ${len})`;
    },
  ],
]);

/**
 * scan(a, b) along the last axis: torch.cumsum for coefficients 1, else yᵢ = Σ_{j≤i} bⱼ·Π_{j<k≤i} aₖ
 * as one cumprod over a masked [n, n] (no division: exact and differentiable at zeros, in
 * eager mode and TorchScript); reversed by flipping.
 */
function scanTorch(n: Node, [a, b]: readonly Arg[], low: LoweredCell): string {
  const len = low.shape(n).at(-1)!;
  const flip = (e: string) => (n.attrs["reverse"] === true ? `torch.flip(${e}, [-1])` : e);
  const [A, B] = [flip(tensor(a!)), flip(tensor(b!))];
  if (a!.e.k === "number" && a!.e.v === 1) return flip(`torch.cumsum(${B}, -1)`);
  const idx = `torch.arange(${len}, device=x.device)`;
  const one = "torch.ones([1], dtype=x.dtype, device=x.device)";
  const prods = `torch.cumprod(torch.where(${idx} > ${idx}.unsqueeze(-1), ${A}.unsqueeze(-2), ${one}), -1)`;
  return flip(`(${B}.unsqueeze(-1) * ${prods} * (${idx} >= ${idx}.unsqueeze(-1))).sum(-2)`);
}

function sliceStart(n: Node, low: LoweredCell): number {
  return resolveDim(n.attrs["start"] as Dim, low.sizes, "slice start");
}

export interface TorchExportOptions extends ExportDims {
  /** Shown in the module's header (e.g. the gated command that wrote it). */
  readonly generator?: string;
}

/** The Python source of the exported module. */
export function exportPytorch(cell: Cell, opts: TorchExportOptions): string {
  const low = lowerCell(cell, opts);
  const attrs = new Map<string, string>();
  const usedAttrs = new Set<string>();
  for (const p of low.params) {
    let a = asciiIdent(p.name);
    if (PY_RESERVED.has(a) || usedAttrs.has(a)) a = `${a}_`;
    while (usedAttrs.has(a)) a = `${a}_`;
    usedAttrs.add(a);
    attrs.set(p.name, a);
  }
  const stateVars = new Map(low.states.map((s) => [s.name, `s_${asciiIdent(s.name)}`]));
  const names = statementNames(low, [...PY_RESERVED, ...stateVars.values()], asciiIdent);
  const body = forwardBody(low, attrs, stateVars, names);
  const equations = printCellSafe(cell);
  const H = low.outputSize;
  const outKey = JSON.stringify(low.output);
  // an output of its own (`output y = …`) is returned beside the next states, never carried
  const carry = low.ownOutput
    ? `{${low.states.map((s) => `${JSON.stringify(s.name)}: nxt[${JSON.stringify(s.name)}]`).join(", ")}}`
    : "nxt";
  return [
    `# ${cell.name}: a gated cell exported to PyTorch${opts.generator ? ` by ${opts.generator}` : ""}.`,
    `# Sizes: I = ${low.inputSize}, ${Object.entries(low.sizes)
      .filter(([k]) => k !== "I")
      .map(([k, v]) => `${k} = ${v}`)
      .join(", ")}. Parameters are named and shaped as gated's ([out, in], row-major).`,
    "#",
    "# The cell, in gated's equation syntax:",
    ...equations.split("\n").map((l) => `#   ${l}`.trimEnd()),
    "#",
    low.ownOutput
      ? `# Cell.forward(x [B, I], state) -> next state and the output ${low.output} (not carried); Layer.forward(x [T, B, I], state, lengths)`
      : "# Cell.forward(x [B, I], state) -> next state; Layer.forward(x [T, B, I], state, lengths)",
    "# -> (output [T, B, n], final state): steps past a sequence's length keep the state and",
    "# output zero. torch.jit.script(Layer()) works. Weights: load_gated_safetensors(module, path).",
    "from typing import Dict, List, Optional, Tuple",
    "",
    "import torch",
    "from torch import Tensor",
    "",
    `CELL = ${JSON.stringify(cell.name)}`,
    `INPUT_SIZE = ${low.inputSize}`,
    `STATE_SIZES: Dict[str, int] = {${low.states.map((s) => `${JSON.stringify(s.name)}: ${s.size}`).join(", ")}}`,
    // the per-step output: a state (OUTPUT_STATE), or a value of its own that no state carries
    low.ownOutput ? "OUTPUT_STATE: Optional[str] = None" : `OUTPUT_STATE = ${outKey}`,
    `OUTPUT = ${outKey}`,
    `OUTPUT_SIZE = ${H}`,
    "# Python attribute -> gated parameter name",
    `GATED_NAMES: Dict[str, str] = {${[...attrs].map(([g, a]) => `${JSON.stringify(a)}: ${JSON.stringify(g)}`).join(", ")}}`,
    "",
    "",
    "class Cell(torch.nn.Module):",
    `    """One step of ${cell.name} on a batch: x [B, ${low.inputSize}], state {name: [B, n]} -> next state."""`,
    "",
    "    def __init__(self) -> None:",
    "        super().__init__()",
    ...low.params.map(
      (p) =>
        `        self.${attrs.get(p.name)} = torch.nn.Parameter(torch.empty(${shapeList(p.shape)}))`,
    ),
    "        self.reset_parameters()",
    "",
    "    def reset_parameters(self) -> None:",
    `        """gated's default initialisation of each parameter (its distribution; PyTorch's random stream)."""`,
    "        with torch.no_grad():",
    ...(low.params.length
      ? low.params.map(
          (p) => `            ${initLine(`self.${attrs.get(p.name)}`, p.init, p.shape, low)}`,
        )
      : ["            pass"]),
    "",
    "    def forward(self, x: Tensor, state: Dict[str, Tensor]) -> Dict[str, Tensor]:",
    ...body.map((l) => `        ${l}`),
    "",
    "",
    "class Layer(torch.nn.Module):",
    `    """${cell.name} over a sequence x [T, B, I] (time-major), with optional per-sequence lengths."""`,
    "",
    "    def __init__(self) -> None:",
    "        super().__init__()",
    "        self.cell = Cell()",
    "",
    "    def initial_state(self, batch: int, like: Tensor) -> Dict[str, Tensor]:",
    `        return {${low.states.map((s) => `${JSON.stringify(s.name)}: torch.zeros(batch, ${s.size}, dtype=like.dtype, device=like.device)`).join(", ")}}`,
    "",
    "    def forward(",
    "        self, x: Tensor, state: Dict[str, Tensor], lengths: Optional[Tensor] = None",
    "    ) -> Tuple[Tensor, Dict[str, Tensor]]:",
    "        outputs: List[Tensor] = []",
    "        for t in range(x.shape[0]):",
    "            if lengths is None:",
    "                nxt = self.cell(x[t], state)",
    `                state = ${carry}`,
    `                outputs.append(nxt[${outKey}])`,
    "            else:",
    "                # only the sequences still running take the step: padded rows are never",
    "                # computed, so a cell non-finite there (log(0), 1/0) cannot reach a gradient",
    "                rows = torch.nonzero(lengths > t).squeeze(1)",
    `                nxt = self.cell(x[t].index_select(0, rows), {${low.states.map((s) => `${JSON.stringify(s.name)}: state[${JSON.stringify(s.name)}].index_select(0, rows)`).join(", ")}})`,
    "                state = {",
    ...low.states.map(
      (s) =>
        `                    ${JSON.stringify(s.name)}: state[${JSON.stringify(s.name)}].index_copy(0, rows, nxt[${JSON.stringify(s.name)}]),`,
    ),
    "                }",
    `                outputs.append(x.new_zeros(x.shape[1], ${H}).index_copy(0, rows, nxt[${outKey}]))`,
    "        if len(outputs) == 0:",
    `            return x.new_zeros(0, x.shape[1], ${H}), state`,
    "        return torch.stack(outputs), state",
    "",
    "",
    TORCH_WEIGHTS_CODE.trim(),
    "",
  ].join("\n");
}

function printCellSafe(cell: Cell): string {
  try {
    return printCell(cell);
  } catch {
    return `cell ${cell.name} (its equations could not be printed)`;
  }
}

function initLine(p: string, spec: InitSpec, shape: readonly number[], low: LoweredCell): string {
  switch (spec.kind) {
    case "constant":
      return `${p}.fill_(${pyNumber(spec.value)})`;
    case "uniform": {
      const a = uniformBound(spec, shape, low.sizes);
      return `${p}.uniform_(${pyNumber(-a)}, ${pyNumber(a)})`;
    }
    case "xavier": {
      const a = Math.sqrt(6 / ((shape.length > 1 ? shape[1]! : 1) + (shape[0] ?? 1)));
      return `${p}.uniform_(${pyNumber(-a)}, ${pyNumber(a)})`;
    }
    case "orthogonal":
      return `torch.nn.init.orthogonal_(${shape.length === 2 ? p : `${p}.view(${shape[0] ?? 1}, -1)`})`;
    case "groups": {
      const [r = 1, c = 1] = shape;
      return `${p}.zero_()\n            for j in range(${r}):\n                ${p}[j, (j * ${c}) // ${r}] = 1.0`;
    }
  }
}

/** The statements of Cell.forward. */
function forwardBody(
  low: LoweredCell,
  attrs: ReadonlyMap<string, string>,
  stateVars: ReadonlyMap<string, string>,
  names: ReadonlyMap<Node, string>,
): string[] {
  const lines: string[] = [];
  for (const s of low.states)
    lines.push(`${stateVars.get(s.name)} = state[${JSON.stringify(s.name)}]`);
  const vals = new Map<Node, PyExpr>();
  const text = new Map<Node, Rendered>();
  const leafVal = (n: Node): PyExpr => {
    const c = constantOf(n);
    if (c !== undefined && low.shape(n).length === 0) return { k: "number", v: c };
    if (c !== undefined)
      return {
        k: "tensor",
        s: `torch.full(${shapeList(low.shape(n))}, ${pyNumber(c)}, dtype=x.dtype, device=x.device)`,
      };
    if (n === low.cell.x) return { k: "tensor", s: "x" };
    const st = low.states.find((s) => s.node === n);
    if (st) return { k: "tensor", s: stateVars.get(st.name)! };
    const a = attrs.get(n.label ?? "");
    if (n.op.name === "param" && a) return { k: "tensor", s: `self.${a}` };
    throw new Error(`export to PyTorch: unknown leaf ${n.label ?? n.op.name}`);
  };
  const value = (n: Node): PyExpr => {
    if (!vals.has(n)) vals.set(n, leafVal(n));
    return vals.get(n)!;
  };
  const textOf = (n: Node): Rendered =>
    text.get(n) ?? textLeaf(n) ?? { s: names.get(n) ?? "?", prec: 100 };
  for (const n of low.steps) {
    const args: Arg[] = n.inputs.map((x) => ({
      e: value(x),
      batched: low.batched(x),
      shape: low.shape(x),
    }));
    let e: PyExpr;
    try {
      e = renderNode_(n, args, low);
    } catch (err) {
      throw new Error(
        `export of cell ${JSON.stringify(low.cell.name)} to PyTorch: ${(err as Error).message}`,
      );
    }
    const name = names.get(n)!;
    if (e.k === "number") {
      vals.set(n, e);
      continue;
    }
    const rhs = pyText(e, DT);
    const local = low.local(n);
    const math = renderNode(n, n.inputs.map(textOf), "text");
    if (local) lines.push(`# ${local} = ${math.s}`);
    lines.push(`${name} = ${rhs}`);
    vals.set(n, { k: "tensor", s: name });
    text.set(n, local ? { s: local, prec: 100 } : math);
  }
  const returned = [
    ...low.states.map((s) => ({ name: s.name, size: s.size, next: s.next })),
    ...(low.ownOutput ? [{ name: low.output, size: low.outputSize, next: low.outputNode }] : []),
  ];
  const ret = returned.map((s) => {
    const v = value(s.next);
    const batchedNext = low.batched(s.next);
    const t =
      v.k === "number"
        ? `torch.full([x.shape[0], ${s.size}], ${pyNumber(v.v)}, dtype=x.dtype, device=x.device)`
        : batchedNext
          ? pyText(v, DT)
          : `${pyText(v, DT)}.expand(x.shape[0], ${s.size})`;
    return `${JSON.stringify(s.name)}: ${t}`;
  });
  lines.push(`return {${ret.join(", ")}}`);
  return lines;
}

/**
 * Elementwise ops PyTorch has natively, used instead of their formula where the formula would
 * hurt autograd: the stable sigmoid is a select between two branches, and torch.where computes
 * both, so the branch whose exp overflows (|x| > 709) gives 0 · ∞ = NaN in the gradient.
 * torch.sigmoid is the same function (equal within rounding) with a finite gradient everywhere.
 */
export const TORCH_NATIVE: ReadonlyMap<OpDef, (a: string) => string> = new Map([
  [OPS.sigmoid as OpDef, (a: string) => `torch.sigmoid(${a})`],
]);

/** One node as an expression over its operands' expressions. */
function renderNode_(n: Node, args: readonly Arg[], low: LoweredCell): PyExpr {
  const structural = TORCH_STRUCTURAL.get(n.op);
  if (structural) return { k: "tensor", s: structural(n, args, low) };
  const native = TORCH_NATIVE.get(n.op);
  if (native && args[0]!.e.k !== "number")
    return { k: "tensor", s: native(pyText(args[0]!.e, DT)) };
  if (n.op.kind === "elementwise" && n.op.scalar) {
    const R = low.shape(n).length;
    const padded = args.map((a): PyExpr => {
      if (a.e.k === "number" || !a.batched || !low.batched(n)) return a.e;
      const k = batchPad(a.shape.length, R);
      return k === 0 ? a.e : { k: "tensor", s: unsq(pyText(a.e, DT), k) };
    });
    const formula = n.op.scalar(
      n.inputs.map((_, i) => S.arg(i)),
      n.attrs,
    );
    const e = renderTorchScalar(formula, padded, DT);
    if (e.k === "number") return e;
    const s = pyText(e, DT);
    return { k: "tensor", s: n.op.differentiable === false ? `${s}.detach()` : s };
  }
  throw new Error(
    `op ${n.op.name} (kind ${n.op.kind}) has no PyTorch rendering (an elementwise op needs a scalar formula)`,
  );
}
