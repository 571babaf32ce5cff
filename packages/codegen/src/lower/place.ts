/**
 * Buffer placement for one sweep. Before: the plan (items in run order). After: every value that
 * leaves its fused map has a location — per step (`row`), over all rows (`time`) or `static` —
 * concatenations and shared-vector products one buffer each, members at column offsets, and
 * carried and row outputs stored where they are wanted.
 */
import { type Node, printText } from "@gated/graph";
import type { BufferDecl, Loc } from "../schedule/schedule.js";
import { temp } from "./build.js";
import {
  type MatGroup,
  type Placed,
  type Plan,
  type PlanItem,
  type RunPhase,
  type ScanSpec,
  sweepLeaf,
} from "./plan.js";

const PHASES = ["static", "pre", "loop", "post"] as const;

/** The nodes each item reads. */
function readsOf(plan: Plan): Map<Node, Set<PlanItem>> {
  const reads = new Map<Node, Set<PlanItem>>();
  const read = (n: Node, it: PlanItem) => reads.set(n, (reads.get(n) ?? new Set()).add(it));
  for (const p of PHASES)
    for (const it of plan.items[p]) {
      switch (it.kind) {
        case "map":
          for (const n of it.nodes)
            for (const x of plan.sumOf.get(n)?.rest ?? n.inputs) read(x, it);
          break;
        case "mat":
          read(it.group.v, it);
          for (const m of it.group.members) read(m.p, it);
          break;
        case "sum":
          for (const t of it.group.terms) read(t.u, it), read(t.s, it);
          break;
        case "node":
          for (const x of it.node.inputs) read(x, it);
          break;
        case "outer":
          read(it.group.v, it);
          for (const t of it.group.terms) read(t.u, it);
          break;
        case "colsum":
          read(it.node, it);
      }
    }
  return reads;
}

/** A value's readable name: the cell's local, state or output, else its label or op. */
export const hintOf = (spec: ScanSpec, n: Node): string =>
  spec.hints.get(n) ?? n.label ?? n.op.name;

/**
 * A value as the cell's equations write it: the cell's named values (locals, their cotangents,
 * states, the tape) by name, the rest inline, at most `depth` deep (`…` below).
 */
export function equationText(spec: ScanSpec, n: Node, depth = 6): string {
  const leaf = sweepLeaf(spec);
  const name = (m: Node): string | undefined =>
    m === n
      ? undefined
      : (spec.hints.get(m) ??
        (leaf(m) && m.op.kind !== "leaf" ? spec.rowInputs.get(m)?.buf : undefined));
  return printText(n, { maxDepth: depth, name });
}

export function placeBuffers(spec: ScanSpec, plan: Plan): Placed {
  const { shapes, namer } = spec;
  const ph = (n: Node) => plan.phase.get(n)!;
  const hint = (n: Node) => hintOf(spec, n);
  const buffers: BufferDecl[] = [];
  const newBuf = (h: string, scope: Loc["scope"], width: number, doc: string): Loc =>
    temp(buffers, spec.compute, namer.fresh(h), scope, width, doc);
  const primary = new Map<Node, Loc>();
  const extra = new Map<Node, Loc[]>();
  const addExtra = (n: Node, l: Loc) => extra.set(n, [...(extra.get(n) ?? []), l]);
  const reads = readsOf(plan);
  // what must be readable over all rows beyond the graph's readers: the tape, deferred products
  const timeUse = new Set<Node>(spec.keep);
  for (const g of plan.outerGroups) {
    timeUse.add(g.v);
    for (const t of g.terms) timeUse.add(t.u);
  }
  const carriedOut = new Map<Node, Loc[]>();
  for (const c of spec.carried)
    carriedOut.set(c.next, [...(carriedOut.get(c.next) ?? []), c.outLoc]);
  const rowOut = new Map<Node, Loc[]>();
  for (const o of spec.rowOutputs) rowOut.set(o.node, [...(rowOut.get(o.node) ?? []), o.loc]);

  // the scope each computed value needs
  const needsTime = (n: Node): boolean => {
    const p = ph(n);
    if (p === "pre" || p === "post") return true;
    if (p !== "loop") return false;
    return timeUse.has(n) || [...(reads.get(n) ?? [])].some((it) => it.phase !== "loop");
  };
  const materialized = (n: Node): boolean => {
    const it = plan.itemOf.get(n);
    if (!it || it.kind !== "map") return true;
    return (
      timeUse.has(n) ||
      [...(reads.get(n) ?? [])].some((r) => r !== it) ||
      carriedOut.has(n) ||
      rowOut.has(n)
    );
  };
  // concatenations: members stored side by side
  const catLocs = new Map<readonly Node[], Loc>();
  for (const us of plan.concat) {
    const width = us.reduce((a, u) => a + shapes.size(u), 0);
    const l = newBuf(
      spec.sweep === "backward" ? "delta" : "cat",
      us.some(needsTime) ? "time" : "row",
      width,
      `[${us.map(hint).join(", ")}] side by side`,
    );
    catLocs.set(us, l);
    let col = 0;
    for (const u of us) {
      const slot = { ...l, col };
      if (!primary.has(u)) primary.set(u, slot);
      else addExtra(u, slot);
      col += shapes.size(u);
    }
  }
  // shared-vector products: one buffer, members are column slices
  const matBuf = new Map<MatGroup, Loc>();
  for (const [, g] of plan.matOf) {
    if (matBuf.has(g)) continue;
    const p = ph(g.members[0]!.node);
    const scope =
      p === "static" ? "static" : g.members.some((m) => needsTime(m.node)) ? "time" : "row";
    const l = newBuf(
      `${hint(g.v)}_proj`,
      scope,
      g.width,
      g.members.map((m) => equationText(spec, m.node)).join(", "),
    );
    matBuf.set(g, l);
    for (const m of g.members) primary.set(m.node, { ...l, col: m.col });
  }
  const sumOut = new Map<Node, Loc>();
  /** A carried output or row output the value can live in directly (saving a copy). */
  const ownLoc = (n: Node, p: RunPhase, time: boolean): Loc | undefined =>
    (p === "loop"
      ? carriedOut.get(n)?.find((l) => (time ? l.scope === "time" : true))
      : undefined) ?? (p === "pre" || p === "post" ? rowOut.get(n)?.[0] : undefined);
  for (const p of PHASES)
    for (const it of plan.items[p]) {
      if (it.kind === "sum") {
        const n = it.group.root;
        const time = needsTime(n) || p !== "loop";
        // with nothing else to add, the products go straight to where the value is wanted
        const direct = it.group.rest.length === 0 ? ownLoc(n, p, time) : undefined;
        const l =
          direct ??
          (p === "static"
            ? newBuf(`${hint(n)}_sum`, "static", shapes.size(n), "")
            : newBuf(
                `${hint(n)}_sum`,
                time ? "time" : "row",
                shapes.size(n),
                `Σ of ${it.group.terms.length} products`,
              ));
        sumOut.set(n, l);
        if (it.group.rest.length === 0 && !primary.has(n)) primary.set(n, l);
        continue;
      }
      const nodes = it.kind === "map" ? it.nodes : it.kind === "node" ? [it.node] : [];
      for (const n of nodes) {
        if (primary.has(n) || !materialized(n)) continue;
        const time = needsTime(n);
        const scope = p === "static" ? "static" : time ? "time" : "row";
        primary.set(
          n,
          ownLoc(n, p, time) ?? newBuf(hint(n), scope, shapes.size(n), equationText(spec, n)),
        );
      }
    }
  for (const [n, ls] of carriedOut) for (const l of ls) if (primary.get(n) !== l) addExtra(n, l);
  for (const [n, ls] of rowOut) for (const l of ls) if (primary.get(n) !== l) addExtra(n, l);
  // a store the node's own phase cannot make (static → rows, all rows → one step's rows) becomes
  // a copy in the phase that can
  const late: { n: Node; l: Loc }[] = [];
  for (const [n, ls] of extra) {
    const p = ph(n);
    const ok = (l: Loc) =>
      p === "static" ? l.scope === "static" : l.scope !== "row" || p === "loop";
    extra.set(n, ls.filter(ok));
    if (plan.itemOf.has(n)) for (const l of ls) if (!ok(l)) late.push({ n, l });
  }
  return { ...plan, buffers, primary, extra, sumOut, matBuf, catLocs, late };
}
