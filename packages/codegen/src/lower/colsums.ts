/**
 * Gradient terms summed over the rows, as column-sum statements; terms over the same columns
 * share one pass. Part of the `statements` pass.
 */
import { type Node, printText } from "@gated/graph";
import type { Loc, Stmt } from "../schedule/schedule.js";
import { ROWS } from "./build.js";
import type { RunPhase } from "./plan.js";
import type { Item, StmtContext } from "./stmtContext.js";

/**
 * A gradient term summed over the rows; a value kept over all rows once, after the loop. Terms
 * that sum the same columns (the biases of one gate: bi_k, bh_k) share one pass over the rows.
 */
export function colsumStatement(cx: StmtContext, it: Item<"colsum">, p: RunPhase): void {
  const from = cx.locOf(it.node);
  const q = p === "loop" && from.scope === "time" ? "post" : p;
  const width = cx.size(it.node);
  const list = cx.stmts[q];
  const k = sameColumns(list, from, width, it.loc);
  if (k >= 0) {
    const s = list[k] as Extract<Stmt, { kind: "colsum" }>;
    const also = [...(s.also ?? []), it.loc];
    const names = [s.to, ...also].map((l) => cx.gradName(l)).join(", ");
    list[k] = { ...s, also, doc: `${names} += Σ_rows ${colsumText(it.node, from)}` };
    return;
  }
  list.push({
    kind: "colsum",
    rows: ROWS[q],
    from,
    to: it.loc,
    width,
    doc: `${cx.gradName(it.loc)} += Σ_rows ${colsumText(it.node, from)}`,
  });
}

function colsumText(n: Node, from: Loc): string {
  return from.scope === "static" ? printText(n, 2) : `${from.buf}[:, ${from.col}…]`;
}

/**
 * The index of a column sum over the same columns among the statements that end `list`, or −1.
 * Only column sums may follow it, none into `to`'s range: the additions into each destination
 * keep their order.
 */
function sameColumns(list: readonly Stmt[], from: Loc, width: number, to: Loc): number {
  const same = (a: Loc, b: Loc) =>
    a.buf === b.buf && a.scope === b.scope && a.col === b.col && a.shift === b.shift;
  const overlaps = (l: Loc) => l.buf === to.buf && l.col < to.col + width && to.col < l.col + width;
  for (let k = list.length - 1; k >= 0; k--) {
    const s = list[k]!;
    if (s.kind !== "colsum") return -1;
    if (s.width === width && same(s.from, from)) return k;
    if ([s.to, ...(s.also ?? [])].some(overlaps)) return -1;
  }
  return -1;
}
