/**
 * Which temporaries of a sweep must start at zero. The JS backend allocates every temporary
 * fresh (zeros) and the schedule may rely on that (an accumulated product, a column sum, a row
 * written only in part); the wasm backend reuses one memory, so it zero-fills those views at
 * every call. A buffer written in full before anything reads it needs no fill: its zeros would
 * be overwritten unread. This pass finds those, conservatively: any read, swap or partial use it
 * does not understand keeps the fill.
 *
 * Full writes: a product (not accumulating), a transpose, a map, a copy or a fill whose
 * destinations cover every element of the buffer (all rows, all columns), and, inside the time
 * loop, stores to a [T·B] buffer at the step's own rows (shift 0) that together cover its
 * columns (every step writes its rows: after the loop every row is written, for any T). A read
 * inside the loop is covered by a write earlier in the same step to the same rows and columns,
 * or by a buffer written in full per step (a [B] buffer, for reads within the loop only).
 */
import type { BufferDecl, Loc, Proc, Stmt } from "../../schedule/schedule.js";
import { touched } from "../../schedule/writes.js";

type Range = readonly [number, number];

/** Whether the union of ranges covers [0, w). */
function covers(ranges: readonly Range[], w: number): boolean {
  const rs = [...ranges].sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [a, b] of rs) {
    if (a > at) return false;
    at = Math.max(at, b);
  }
  return at >= w;
}

/** Names of the buffers whose storage must be zeroed at the sweep's start. */
export function mustZero(proc: Proc): Set<string> {
  const decl = new Map(proc.buffers.map((b) => [b.name, b]));
  const host = (n: string): string => decl.get(n)?.shares ?? n;
  /** Storage written in full (by its own name) before any read. */
  const full = new Set<string>();
  const need = new Set<string>();
  const read = (n: string, ok = false): void => {
    const h = host(n);
    if (!ok && !full.has(h)) need.add(h);
  };
  /** A write covering every element of buffer `n` (its own storage, not a sharer's). */
  const fullWrite = (n: string): void => {
    if (host(n) === n && !need.has(n)) full.add(n);
  };
  const d = (n: string): BufferDecl | undefined => decl.get(n);

  /** Column ranges of stores by buffer, for a statement over `rows` at top level. */
  const storeCover = (
    stores: readonly { loc: Loc; width: number }[],
    rows: "one" | "B" | "TB",
  ): void => {
    const by = new Map<string, Range[]>();
    for (const { loc, width } of stores) {
      const b = d(loc.buf);
      if (!b) continue;
      const ok =
        (rows === "TB" && b.rows === "TB" && loc.scope === "time" && loc.shift === 0) ||
        (rows === "B" && b.rows === "B" && loc.scope === "row") ||
        (rows === "one" && b.rows === "one" && loc.scope === "static");
      if (!ok || loc.ld !== b.width) continue;
      by.set(loc.buf, [...(by.get(loc.buf) ?? []), [loc.col, loc.col + width]]);
    }
    for (const [n, rs] of by) if (covers(rs, d(n)!.width)) fullWrite(n);
  };

  const mapStores = (s: Extract<Stmt, { kind: "map" }>) =>
    s.stores.map((x) => ({ loc: x.to, width: s.width }));
  const mapReads = (s: Extract<Stmt, { kind: "map" }>) =>
    s.lets.flatMap((l) =>
      l.args.flatMap((o) =>
        o.kind === "load" ? [{ loc: o.loc, width: o.index !== undefined ? -1 : o.width }] : [],
      ),
    );

  const top = (s: Stmt): void => {
    switch (s.kind) {
      case "loop":
        return loop(s);
      case "map":
        for (const r of mapReads(s)) read(r.loc.buf);
        return storeCover(mapStores(s), s.rows);
      case "gemm": {
        read(s.a.buf);
        read(s.p.buf);
        if (s.accumulate) return read(s.c.buf);
        const b = d(s.c.buf);
        if (!b || s.c.col !== 0 || s.c.ld !== b.width || s.n !== b.width) return;
        if (s.c.buf === s.a.buf || s.c.buf === s.p.buf) return;
        if (
          (b.rows === "TB" && s.m === "TB" && s.c.scope === "time" && s.c.shift === 0) ||
          (b.rows === "B" && s.m === "B" && s.c.scope === "row")
        )
          fullWrite(s.c.buf);
        return;
      }
      case "transpose": {
        read(s.from.buf);
        const b = d(s.to.buf);
        if (!b || s.to.buf === s.from.buf || s.to.col !== 0) return;
        if (
          (s.to.scope === "cols" && b.rows === "TB" && s.m === "TB" && s.n === b.width) ||
          (s.to.scope === "static" &&
            b.rows === "one" &&
            typeof s.m === "number" &&
            s.to.ld === s.m &&
            s.m * s.n === b.width)
        )
          fullWrite(s.to.buf);
        return;
      }
      case "copy":
        read(s.from.buf);
        if (s.from.buf === s.to.buf) return;
        return storeCover([{ loc: s.to, width: s.width }], s.rows);
      case "fill":
        return storeCover([{ loc: s.to, width: s.width }], s.rows);
      case "maskRows":
        // a write of zeros to some rows: no read, no cover
        return;
      case "swap":
        for (const n of s.pairs.flat()) need.add(host(n));
        return;
      default:
        // gather, reduce, scan, product, colsum, mask: read everything they touch
        for (const n of touched(s)) read(n);
    }
  };

  const loop = (l: Extract<Stmt, { kind: "loop" }>): void => {
    // a step's own writes: [T·B] buffers at shift 0 by column range; [B] buffers in full
    const step = new Map<string, Range[]>();
    const stepFull = new Set<string>();
    const inStep = (loc: Loc, width: number): boolean => {
      if (stepFull.has(loc.buf)) return true;
      if (loc.scope !== "time" || loc.shift !== 0 || width < 0) return false;
      const rs = step.get(loc.buf) ?? [];
      return covers(
        rs.map(([a, b]) => [a - loc.col, b - loc.col] as const),
        width,
      );
    };
    const readAt = (loc: Loc, width: number): void => read(loc.buf, inStep(loc, width));
    const wrote = (loc: Loc, width: number, all: boolean): void => {
      const b = d(loc.buf);
      if (!b || host(loc.buf) !== loc.buf || loc.ld !== b.width) return;
      if (b.rows === "TB" && loc.scope === "time" && loc.shift === 0)
        step.set(loc.buf, [...(step.get(loc.buf) ?? []), [loc.col, loc.col + width]]);
      else if (all && b.rows === "B" && loc.scope === "row" && loc.col === 0 && width === b.width)
        stepFull.add(loc.buf);
    };
    for (const s of l.body) {
      switch (s.kind) {
        case "map":
          for (const r of mapReads(s))
            readAt(r.loc, r.width === 1 ? 1 : r.width < 0 ? -1 : s.width);
          if (s.rows === "B") for (const st of mapStores(s)) wrote(st.loc, st.width, true);
          break;
        case "gemm":
          readAt(s.a, typeof s.k === "number" ? s.k : -1);
          read(s.p.buf);
          if (s.accumulate) readAt(s.c, s.n);
          else if (s.m === "B" && s.c.buf !== s.a.buf && s.c.buf !== s.p.buf)
            wrote(s.c, s.n, s.c.col === 0);
          break;
        case "copy":
          readAt(s.from, s.width);
          if (s.rows === "B" && s.from.buf !== s.to.buf) wrote(s.to, s.width, true);
          break;
        case "swap":
          for (const n of s.pairs.flat()) need.add(host(n));
          break;
        default:
          // masks, colsums and the rest: every buffer they touch is read
          for (const n of touched(s)) read(n, stepFull.has(n));
      }
    }
    // after the loop every step has run: its [T·B] rows at shift 0 are written, for any T
    for (const [n, rs] of step) if (covers(rs, d(n)!.width)) fullWrite(n);
  };

  for (const s of proc.body) top(s);
  // what the sweep returns is read at the end
  for (const r of proc.results) read(r);
  return need;
}
