/**
 * Buffer reuse by liveness. Before: every temporary of a procedure has its own buffer. After:
 * temporaries whose live ranges (first to last top-level statement that names them; the time
 * loop counts as one statement) do not overlap share one buffer of their row kind, so a
 * sweep allocates only as much scratch memory as is live at once.
 */
import type { BufferDecl, Proc, Stmt } from "../schedule/schedule.js";

/** Every buffer name a statement mentions. */
function names(s: Stmt, out: Set<string>): void {
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") {
      for (const [k, v] of Object.entries(x)) {
        if (k === "buf" && typeof v === "string") out.add(v);
        else if (k !== "expr" && k !== "combine" && k !== "finish") walk(v);
      }
    }
  };
  walk(s);
  if (s.kind === "swap") for (const p of s.pairs) for (const n of p) out.add(n);
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
