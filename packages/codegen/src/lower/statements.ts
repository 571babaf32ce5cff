/**
 * The last pass of a sweep. Before: the placed plan. After: schedule statements per phase — a
 * map per fused group of elementwise nodes (mapStatement.ts), a gemm per merged product
 * (products.ts), column sums for the gradients summed over the rows (colsums.ts), the statements
 * of the other nodes (nodes.ts), and the copies and fills for values stored where their own phase
 * cannot store them. What the parts share is in stmtContext.ts.
 */
import { type Node, printText } from "@gated/graph";
import type { Loc, Rows, Stmt } from "../schedule/schedule.js";
import { copy, ROWS } from "./build.js";
import { colsumStatement } from "./colsums.js";
import { mapStatement } from "./mapStatement.js";
import { nodeStatements } from "./nodes.js";
import { equationText } from "./place.js";
import type { Placed, PlanItem, RunPhase, ScanResult, ScanSpec } from "./plan.js";
import { Products } from "./products.js";
import { StmtContext } from "./stmtContext.js";

/** Turns the placed plan into statements, one function per item kind. */
export function statements(spec: ScanSpec, placed: Placed): ScanResult {
  const cx = new StmtContext(spec, placed);
  const products = new Products(cx);
  const item = (it: PlanItem, p: RunPhase): void => {
    switch (it.kind) {
      case "map":
        return mapStatement(cx, it, p);
      case "mat":
        return products.mat(it, p);
      case "sum":
        return products.sum(it, p);
      case "node":
        return node(cx, it.node, p);
      case "outer":
        return products.outer(it, p);
      case "colsum":
        return colsumStatement(cx, it, p);
    }
  };
  for (const p of ["static", "pre", "loop", "post"] as const)
    for (const it of placed.items[p]) item(it, p);
  for (const { n, l } of placed.late) {
    const from = placed.primary.get(n);
    if (!from) throw new Error(`internal: ${printText(n, 2)} has no location`);
    cx.copyTo(l.scope === "row" ? "loop" : "pre", from, l, cx.size(n), `${cx.hint(n)} out`);
  }
  // carried outputs and row outputs that no map stores
  const stored = (n: Node) => {
    const it = placed.itemOf.get(n);
    return it?.kind === "map" || (it !== undefined && !placed.absorbed.has(n));
  };
  for (const c of spec.carried)
    if (!stored(c.next)) cx.stmts.loop.push(copyOrFill(cx, c.next, c.outLoc, "loop"));
  for (const o of spec.rowOutputs) {
    if (stored(o.node)) continue;
    const ph = cx.ph(o.node);
    const p = ph === "carried" ? "loop" : ph === "post" ? "post" : "pre";
    cx.stmts[p].push(copyOrFill(cx, o.node, o.loc, p));
  }
  return {
    stmts: cx.stmts,
    buffers: cx.buffers,
    locOf: (n) => placed.primary.get(n) ?? spec.rowInputs.get(n),
  };
}

/** A node with a statement of its own: a product, a reduction, a scan or a gather. */
function node(cx: StmtContext, n: Node, p: RunPhase): void {
  const to = cx.pl.primary.get(n)!;
  const doc = `${cx.hint(n)} = ${equationText(cx.spec, n)}`;
  cx.stmts[p].push(...nodeStatements(cx.spec, n, ROWS[p], to, doc, (x) => cx.locOf(x)));
  cx.copyOut(p, n, to);
}

/** A carried or row output no map stores: a fill for a constant, else a copy. */
function copyOrFill(cx: StmtContext, n: Node, to: Loc, p: RunPhase): Stmt {
  const width = cx.size(n);
  const rows: Rows = ROWS[p];
  if (cx.ph(n) === "const") {
    const v = cx.folded(n);
    if (v.every((y) => Object.is(y, v[0])))
      return { kind: "fill", rows, to, width, value: v[0] ?? 0, doc: `${to.buf} = ${v[0]}` };
  }
  return copy(rows, cx.locOf(n), to, width, `${to.buf} = ${cx.hint(n)}`);
}
