/**
 * What every exporter needs from a cell, target-free: concrete sizes, the step's nodes in
 * dependency order (each once), which nodes depend on the batch (x or a state) and which are
 * parameter-only, readable names for the statements, and the parameters' shapes and inits.
 *
 * Exporters batch the per-sample graph: a batched node of per-sample shape s is a tensor
 * [B, ...s]; a parameter-only node keeps its shape. Broadcasting therefore aligns a batched
 * operand of lower rank by inserting axes after the batch axis (see `batchPad`).
 */
import { cellSizes } from "@gated/codegen";
import { constValue, type Node, resolveShape, type Sizes, topo } from "@gated/graph";
import type { Cell, InitSpec } from "../../defineCell.js";

export interface ExportDims {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Sizes of the cell's other symbolic dims (e.g. `{ G: 2 }`). */
  readonly sizes?: Sizes;
}

export interface ExportParam {
  /** gated's name. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: InitSpec;
  readonly node: Node;
}

export interface ExportState {
  readonly name: string;
  readonly size: number;
  readonly node: Node;
  readonly next: Node;
}

export interface LoweredCell {
  readonly cell: Cell;
  readonly sizes: Sizes;
  readonly inputSize: number;
  readonly states: readonly ExportState[];
  /** The per-step output's name: a state whose next value it is, or a value of its own (y). */
  readonly output: string;
  /** The per-step output's node (a next state's, or a value no state carries). */
  readonly outputNode: Node;
  /** True when the output is a value of its own (`output y = …`), not a next state. */
  readonly ownOutput: boolean;
  /** The per-step output's size. */
  readonly outputSize: number;
  readonly params: readonly ExportParam[];
  /** Non-leaf nodes reached from the next states and the output, in dependency order. */
  readonly steps: readonly Node[];
  /** Resolved per-sample shape of every node reached. */
  shape(n: Node): readonly number[];
  /** True when the node depends on x or a state (it carries the batch axis). */
  batched(n: Node): boolean;
  /** The cell's own name for a node (gates, candidates), if any. */
  local(n: Node): string | undefined;
}

/** Lowers a cell for export at fixed sizes. Errors name the cell. */
export function lowerCell(cell: Cell, dims: ExportDims): LoweredCell {
  const where = `export of cell ${JSON.stringify(cell.name)}`;
  let sizes: Sizes;
  try {
    // checks x's size against inputSize, and every dim's size
    sizes = cellSizes(cell, {
      inputSize: dims.inputSize,
      hiddenSize: dims.hiddenSize,
      ...(dims.sizes ? { sizes: dims.sizes } : {}),
    });
  } catch (e) {
    throw new Error(`export: ${(e as Error).message}`);
  }
  const out = cell.state.find((s) => s.next === cell.output);
  const outName = out?.name ?? cell.locals.get(cell.output) ?? "y";
  if (!out && cell.state.some((s) => s.name === outName))
    throw new Error(`${where}: the output's name ${outName} is a state's`);
  const roots = [...cell.state.map((s) => s.next), cell.output];
  const order = topo(roots);
  const shapes = new Map<Node, readonly number[]>();
  const batch = new Set<Node>();
  const stateNodes = new Set<Node>([cell.x, ...cell.state.map((s) => s.node)]);
  for (const n of order) {
    try {
      shapes.set(n, resolveShape(n.shape, sizes, n.label ?? n.op.name));
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message} (pass its size with --dim NAME=N)`);
    }
    if (stateNodes.has(n) || n.inputs.some((x) => batch.has(x))) batch.add(n);
  }
  const states = cell.state.map((s) => ({
    name: s.name,
    size: resolveShape(s.node.shape, sizes, `state ${s.name}`).reduce((a, b) => a * b, 1),
    node: s.node,
    next: s.next,
  }));
  for (const s of states)
    if (s.node.shape.length !== 1) throw new Error(`${where}: state ${s.name} must be a vector`);
  const params = cell.paramInfo.map((p) => ({
    name: p.name,
    shape: resolveShape(p.shape, sizes, `parameter ${p.name}`),
    init: p.init,
    node: p.node,
  }));
  return {
    cell,
    sizes,
    inputSize: dims.inputSize,
    states,
    output: outName,
    outputNode: cell.output,
    ownOutput: !out,
    outputSize: shapes.get(cell.output)!.reduce((a, b) => a * b, 1),
    params,
    steps: order.filter((n) => n.op.kind !== "leaf"),
    shape: (n) => {
      const s = shapes.get(n);
      if (!s) throw new Error(`${where}: node ${n.op.name} is not part of the step`);
      return s;
    },
    batched: (n) => batch.has(n),
    local: (n) => cell.locals.get(n),
  };
}

/** The value of a constant leaf (a scalar fill), or undefined for other nodes. */
export function constantOf(n: Node): number | undefined {
  return n.op.kind === "leaf" && n.op.name === "constant" ? constValue(n) : undefined;
}

/** The resolved bound of a uniform init (gated's default 1/√H). */
export function uniformBound(
  spec: Extract<InitSpec, { kind: "uniform" }>,
  shape: readonly number[],
  sizes: Sizes,
): number {
  return spec.bound ?? 1 / Math.sqrt(sizes["H"] ?? shape[0] ?? 1);
}

/** How many axes to insert after the batch axis so a batched operand of rank `r` meets rank `R`. */
export const batchPad = (r: number, R: number): number => Math.max(0, R - r);

/**
 * A readable identifier for each statement: the cell's local name (ASCII, `'` → `_next`) made
 * unique against `taken`, else `t<k>`.
 */
export function statementNames(
  low: LoweredCell,
  taken: Iterable<string>,
  ident: (s: string) => string,
): Map<Node, string> {
  const used = new Set(taken);
  const names = new Map<Node, string>();
  let k = 0;
  const fresh = (base: string) => {
    let n = base;
    for (let i = 2; used.has(n); i++) n = `${base}_${i}`;
    used.add(n);
    return n;
  };
  for (const n of low.steps) {
    const l = low.local(n);
    names.set(n, l ? fresh(ident(l.replace(/'/g, "_next"))) : fresh(`t${k++}`));
  }
  return names;
}

/** An ASCII identifier for a gated name: other characters become `_u<hex>`. */
export function asciiIdent(s: string): string {
  const out = [...s]
    .map((ch) =>
      /[A-Za-z0-9_]/.test(ch) ? ch : ch === "'" ? "_p" : `_u${ch.codePointAt(0)!.toString(16)}`,
    )
    .join("");
  return /^[0-9]/.test(out) ? `_${out}` : out;
}
