/**
 * The parameter layout, the first pass of lowering. Before: the problem's parameters. After:
 * their order and offsets in the one parameter buffer `P`, matrices that multiply the same
 * vector placed side by side (LSTM: [U_i; U_f; U_g; U_o]) so the merged product reads one
 * contiguous packed matrix, and each parameter's static location.
 */
import { type Node, topo } from "@gated/graph";
import { layoutOf, layoutSize } from "../kernel/params.js";
import type { ParamSlot } from "../kernel/types.js";
import type { Namer } from "../names.js";
import type { Loc } from "../schedule/schedule.js";
import type { Shapes } from "./analyze.js";
import { loc } from "./build.js";
import type { Problem } from "./problem.js";

export interface Layout {
  readonly slots: readonly ParamSlot[];
  /** Elements of the parameter buffer. */
  readonly size: number;
  /** The parameter buffer's name (always "P": the first name given out). */
  readonly buf: string;
  /** Each parameter leaf: its static location in `buf`, and its offset. */
  readonly params: ReadonlyMap<Node, { readonly loc: Loc; readonly offset: number }>;
}

/**
 * The parameter order: in the problem's order, except that matrices multiplying the same
 * vector are placed together (in the problem's order), so `params.get(name)` is still a
 * contiguous view.
 */
export function packedLayout(pr: Problem, shapes: Shapes, namer: Namer): Layout {
  const outs = [...pr.states.map((s) => s.next), ...pr.outputs.map((o) => o.node)];
  const isParam = new Set(pr.params);
  const groupOf = new Map<Node, Node[]>();
  const groups = new Map<Node, Node[]>();
  for (const n of topo(outs)) {
    if (n.op.kind !== "matvec") continue;
    const [a, v] = n.inputs as [Node, Node];
    if (!isParam.has(a) || isParam.has(v) || groupOf.has(a)) continue;
    const g = groups.get(v) ?? [];
    g.push(a);
    groups.set(v, g);
    groupOf.set(a, g);
  }
  const rank = new Map(pr.params.map((p, i) => [p, i]));
  const order: Node[] = [];
  const placed = new Set<Node>();
  for (const p of pr.params) {
    if (placed.has(p)) continue;
    const g = groupOf.get(p);
    const members = g ? [...g].sort((a, b) => rank.get(a)! - rank.get(b)!) : [p];
    for (const m of members) if (!placed.has(m)) placed.add(m), order.push(m);
  }
  const slots = layoutOf(order, shapes.sizes);
  const buf = namer.fresh("P");
  const params = new Map<Node, { loc: Loc; offset: number }>();
  for (const p of pr.params) {
    const slot = slots.find((s) => s.name === p.label)!;
    params.set(p, { loc: loc(buf, "static", 0, 0, slot.offset), offset: slot.offset });
  }
  return { slots, size: layoutSize(slots), buf, params };
}
