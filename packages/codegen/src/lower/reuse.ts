/**
 * Buffer reuse by liveness. Before: every temporary of a procedure has its own buffer. After:
 * temporaries whose live ranges (first to last top-level statement that names them; the time
 * loop counts as one statement) do not overlap share one buffer of their row kind, so a
 * sweep allocates only as much scratch memory as is live at once.
 */
import type { BufferDecl, Loc, Proc, Stmt } from "../schedule/schedule.js";

/** The locations a statement reads or writes (a `loop`: none of its own; see `names`). */
function locsOf(s: Stmt): readonly Loc[] {
  switch (s.kind) {
    case "loop":
    case "swap":
      return [];
    case "map":
      return [
        ...s.lets.flatMap((l) => l.args.flatMap((a) => (a.kind === "load" ? [a.loc] : []))),
        ...s.stores.map((st) => st.to),
      ];
    case "gemm":
      return [s.a, s.p, s.c];
    case "product":
      return [s.a, s.b, s.to];
    case "scan":
      return [...(typeof s.a === "number" ? [] : [s.a]), s.b, s.to];
    case "colsum":
      return [s.from, s.to, ...(s.also ?? [])];
    case "transpose":
    case "gather":
    case "reduce":
    case "copy":
      return [s.from, s.to];
    case "fill":
      return [s.to];
    case "mask":
      return [...s.pairs.flatMap((p) => [p.a, p.b]), ...s.zero.map((z) => z.loc)];
    case "maskRows":
      return [s.loc];
  }
}

/** Every buffer name a statement mentions (a loop's body included). */
function names(s: Stmt, out: Set<string>): void {
  if (s.kind === "loop") for (const b of s.body) names(b, out);
  if (s.kind === "swap") for (const p of s.pairs) for (const n of p) out.add(n);
  for (const l of locsOf(s)) out.add(l.buf);
}

/** Shares temporaries with disjoint live ranges (same row kind, enough width). */
export function reuseBuffers(proc: Proc): Proc {
  const temps = proc.buffers.filter((b) => b.role === "temp");
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  proc.body.forEach((s, i) => {
    const used = new Set<string>();
    names(s, used);
    for (const n of used) {
      if (!first.has(n)) first.set(n, i);
      last.set(n, i);
    }
  });
  const order = temps
    .filter((b) => first.has(b.name))
    .sort((a, b) => first.get(a.name)! - first.get(b.name)!);
  const free: BufferDecl[] = [];
  const active: BufferDecl[] = [];
  const to = new Map<string, string>();
  for (const b of order) {
    const start = first.get(b.name)!;
    // release buffers whose last use is before this one's first
    for (let k = active.length - 1; k >= 0; k--) {
      const a = active[k]!;
      if (last.get(a.name)! < start) {
        free.push(a);
        active.splice(k, 1);
      }
    }
    const host = free.findIndex((f) => f.rows === b.rows && f.width >= b.width);
    if (host >= 0) {
      const h = free.splice(host, 1)[0]!;
      to.set(b.name, to.get(h.name) ?? h.name);
      // the host stays busy until this buffer's last use, under this buffer's name
      active.push({ ...h, name: b.name });
    } else active.push(b);
  }
  if (to.size === 0) return proc;
  // a shared buffer keeps its own name: an alias of the storage it borrows
  return {
    ...proc,
    buffers: proc.buffers.map((b) => (to.has(b.name) ? { ...b, shares: to.get(b.name)! } : b)),
  };
}
