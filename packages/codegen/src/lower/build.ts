/**
 * The small builders every pass that makes buffers or statements shares: a location, a buffer
 * declaration, a copy. One place, so the sweeps and the statement pass spell them one way.
 */
import type { BufferDecl, Dim, ElemType, Loc, Rows, Stmt } from "../schedule/schedule.js";
import type { RunPhase } from "./plan.js";

/** Rows a statement of each phase runs over. */
export const ROWS: Record<RunPhase, Rows> = { static: "one", pre: "TB", loop: "B", post: "TB" };
/** A row count as a gemm dimension. */
export const DIM: Record<Rows, Dim> = { one: 1, B: "B", TB: "TB" };

export const loc = (buf: string, scope: Loc["scope"], ld: number, shift = 0, col = 0): Loc => ({
  buf,
  scope,
  ld,
  col,
  shift,
});

/** Declares a buffer in `list`; returns its name. */
export function declare(
  list: BufferDecl[],
  type: ElemType,
  name: string,
  role: BufferDecl["role"],
  rows: BufferDecl["rows"],
  width: number,
  doc: string,
): string {
  list.push({ name, role, type, rows, width, doc });
  return name;
}

/** A temporary of the scope's rows in `list`, read at column 0. */
export function temp(
  list: BufferDecl[],
  type: ElemType,
  name: string,
  scope: Loc["scope"],
  width: number,
  doc: string,
): Loc {
  const rows = scope === "static" ? "one" : scope === "row" ? "B" : "TB";
  declare(list, type, name, "temp", rows, width, doc);
  return loc(name, scope, width);
}

export function copy(rows: Rows, from: Loc, to: Loc, width: number, doc: string): Stmt {
  return { kind: "copy", rows, from, to, width, doc };
}
