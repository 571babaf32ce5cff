/**
 * The plan of one sweep: what lowering knows between classifying nodes and placing buffers —
 * each node's phase, the merged contractions, the items in run order. Types (and the one
 * predicate they share) in their own file, so the passes import them without a cycle.
 */
import type { Node } from "@gated/graph";
import type { Namer } from "../names.js";
import type { BufferDecl, Loc, Stmt } from "../schedule/schedule.js";
import type { Shapes } from "./analyze.js";
import type { ConstPool } from "./consts.js";

export type Phase = "const" | "static" | "input" | "carried" | "pre" | "loop" | "post";
export type RunPhase = "static" | "pre" | "loop" | "post";

export interface ScanSpec {
  readonly sweep: "forward" | "backward";
  /** The element type of the sweep's buffers. */
  readonly compute: "f32" | "f64";
  readonly shapes: Shapes;
  readonly namer: Namer;
  /** Readable names for nodes (the cell's locals, states, outputs). */
  readonly hints: ReadonlyMap<Node, string>;
  readonly carried: readonly {
    readonly leaf: Node;
    readonly next: Node;
    readonly inLoc: Loc;
    readonly outLoc: Loc;
  }[];
  readonly rowInputs: ReadonlyMap<Node, Loc>;
  readonly rowOutputs: readonly { readonly node: Node; readonly loc: Loc }[];
  /** Parameter gradients: Σ over rows of `node`, added into `loc` (static, in the gradient buffer). */
  readonly accum: readonly { readonly node: Node; readonly loc: Loc; readonly offset: number }[];
  /**
   * Nodes ordered first, where dependencies allow: the cell's locals in definition order (i, f,
   * g, o), or their cotangents, so statements follow the cell's equations. Optional.
   */
  readonly first?: readonly Node[];
  /** Nodes to keep over all rows (the tape read by the backward sweep). */
  readonly keep: ReadonlySet<Node>;
  /** Parameter leaves: static locations in the parameter buffer, and layout offsets. */
  readonly params: ReadonlyMap<Node, { readonly loc: Loc; readonly offset: number }>;
  readonly consts: ConstPool;
}

/** A shared-vector contraction: matvec(P_g, v) for several static P_g → one product. */
export interface MatGroup {
  readonly kind: "nt" | "nn";
  readonly v: Node;
  readonly members: readonly { readonly node: Node; readonly p: Node; readonly col: number }[];
  readonly width: number;
}
/** Σ_g matvec(transpose(S_g), u_g) + rest: one product over the concatenated u_g. */
export interface SumGroup {
  readonly root: Node;
  readonly terms: readonly { readonly s: Node; readonly u: Node }[];
  readonly rest: readonly Node[];
}
/** Deferred parameter gradient: Σ_rows outer(u_g, v) into consecutive parameters. */
export interface OuterGroup {
  readonly v: Node;
  readonly terms: readonly { readonly u: Node; readonly loc: Loc; readonly offset: number }[];
}

export type PlanItem =
  | {
      readonly kind: "map";
      readonly phase: RunPhase;
      readonly width: number;
      readonly nodes: Node[];
    }
  | { readonly kind: "mat"; readonly phase: RunPhase; readonly group: MatGroup }
  | { readonly kind: "sum"; readonly phase: RunPhase; readonly group: SumGroup }
  | { readonly kind: "node"; readonly phase: RunPhase; readonly node: Node }
  | { readonly kind: "outer"; readonly phase: RunPhase; readonly group: OuterGroup }
  | { readonly kind: "colsum"; readonly phase: RunPhase; readonly node: Node; readonly loc: Loc };

/** A parameter-gradient term summed over the rows into `loc` (a bias gradient, say). */
export interface ColSum {
  readonly node: Node;
  readonly loc: Loc;
}

// The values the passes of one sweep hand each other, each the one before plus what the pass
// found (see scan.ts for the order).

/** `sweepGraph`: the sweep's nodes in topological order from its roots, and their readers. */
export interface SweepGraph {
  readonly order: readonly Node[];
  readonly readers: ReadonlyMap<Node, readonly Node[]>;
  /** Carried next values, row outputs and gradient accumulators (with repeats). */
  readonly roots: readonly Node[];
  readonly isRoot: ReadonlySet<Node>;
}
/** `phases` (and `sinkElementwise`): where each node runs. */
export interface Phased extends SweepGraph {
  readonly phase: ReadonlyMap<Node, Phase>;
}
/** `mergeSums`: sums of products over static matrices, and the nodes they absorb. */
export interface Merged extends Phased {
  readonly sumOf: ReadonlyMap<Node, SumGroup>;
  /** Nodes computed inside a merged product (or not at all): no statement of their own. */
  readonly absorbed: ReadonlySet<Node>;
}
/** `deferOuterProducts`: parameter gradients as deferred products and column sums. */
export interface Deferred extends Merged {
  readonly outerGroups: readonly OuterGroup[];
  readonly colsums: readonly ColSum[];
}
/** `groupSharedVector`: products of static matrices with one shared vector. */
export interface Grouped extends Deferred {
  readonly matOf: ReadonlyMap<Node, MatGroup>;
}
/** `concatRequests`: the vectors a merged product reads side by side. */
export interface Requested extends Grouped {
  readonly concat: readonly (readonly Node[])[];
}
/** `liveness`: what some root, merged product or gradient reads. */
export interface Live extends Requested {
  readonly live: ReadonlySet<Node>;
}
/** `orderItems`: per phase, the items in run order (elementwise nodes fused into maps). */
export interface Plan extends Live {
  readonly items: Record<RunPhase, PlanItem[]>;
  readonly itemOf: ReadonlyMap<Node, PlanItem>;
}
/** `placeBuffers`: where every value that leaves its map is stored. */
export interface Placed extends Plan {
  readonly buffers: readonly BufferDecl[];
  /** The location a value is read from. */
  readonly primary: ReadonlyMap<Node, Loc>;
  /** Further locations a value is stored into (carried and row outputs, concatenations). */
  readonly extra: ReadonlyMap<Node, readonly Loc[]>;
  /** Where a merged sum's products go. */
  readonly sumOut: ReadonlyMap<Node, Loc>;
  /** A shared-vector product's buffer. */
  readonly matBuf: ReadonlyMap<MatGroup, Loc>;
  /** A concatenation's buffer. */
  readonly catLocs: ReadonlyMap<readonly Node[], Loc>;
  /** Stores the value's own phase cannot make: copies in a phase that can. */
  readonly late: readonly { readonly n: Node; readonly l: Loc }[];
}

export interface ScanResult {
  readonly stmts: Record<RunPhase, Stmt[]>;
  readonly buffers: BufferDecl[];
  readonly locOf: (n: Node) => Loc | undefined;
}

/** Phases whose values are per row (over T·B, or B per step). */
export const ROWISH: ReadonlySet<Phase> = new Set<Phase>([
  "input",
  "carried",
  "pre",
  "loop",
  "post",
]);

/** Is the node computed inside a fused elementwise map? */
export function ewLike(n: Node, shapes: Shapes): boolean {
  if (n.op.kind === "elementwise") return n.op.scalar !== undefined;
  if (n.op.kind === "reshape") return true;
  // a broadcast from one value per row is a plain load inside a map
  if (n.op.kind === "broadcast") return shapes.size(n.inputs[0]!) === 1;
  return false;
}

/** The sweep's leaves: per-row inputs and carried values (its graph stops there). */
export function sweepLeaf(spec: ScanSpec): (n: Node) => boolean {
  const carried = new Set(spec.carried.map((c) => c.leaf));
  return (n) => spec.rowInputs.has(n) || carried.has(n);
}

/** The nodes of the sweep that read `n`. */
export function readersOf(g: SweepGraph, n: Node): readonly Node[] {
  return g.readers.get(n) ?? [];
}
