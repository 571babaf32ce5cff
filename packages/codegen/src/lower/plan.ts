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

/** Everything the renderer needs: the plan, phases, readers and groupings. */
export interface Plan {
  readonly spec: ScanSpec;
  readonly order: readonly Node[];
  readonly phase: ReadonlyMap<Node, Phase>;
  readonly readers: ReadonlyMap<Node, readonly Node[]>;
  readonly items: Record<RunPhase, PlanItem[]>;
  readonly itemOf: ReadonlyMap<Node, PlanItem>;
  readonly matOf: ReadonlyMap<Node, MatGroup>;
  readonly sumOf: ReadonlyMap<Node, SumGroup>;
  /** Nodes stored into a concatenation buffer, with the request they belong to. */
  readonly concat: readonly (readonly Node[])[];
  /** Extra uses outside the graph: what must be readable over all rows. */
  readonly timeUse: ReadonlySet<Node>;
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
