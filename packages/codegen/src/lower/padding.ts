/**
 * Padding of a variable-length batch: steps t ≥ len[b] run on zeroed x rows and held states,
 * where a cell may well be non-finite (log(0) = −∞, 1/0 = ∞), and the kernels then discard
 * them. Discarding must select, never multiply: ∞ · 0 is NaN. The sweeps already select the
 * held states, the zero outputs and the passed-through cotangents; these two passes make sure
 * no padded row reaches a sum over rows either.
 *
 * - `maskPaddedForward`: after the forward sweep, the tape's padded rows are set to 0, so every
 *   forward value the backward reads there is finite (a zero, a held state, a zeroed x row).
 * - `maskPaddedBackward`: before each statement that sums a per-row value over the rows into the
 *   parameter gradient (a colsum, or a k = T·B product of `cols` buffers — then before the
 *   transpose that fills them), the padded rows of the per-row values the backward computed
 *   are set to 0; at the end, so are those of the per-row results (∂x). A padded row then adds
 *   0 · (finite) = 0 to each sum.
 *
 * Both add only `mask`/`maskRows` statements (assignments of 0), which cost nothing when the
 * call has no lengths.
 */
import type { BufferDecl, Loc, Proc, Stmt } from "../schedule/schedule.js";
import { writes } from "../schedule/writes.js";

/** Every column of a buffer's rows: a `time` buffer's [t, b] rows, or a step buffer's [b]. */
const whole = (b: BufferDecl, step = false): Loc => ({
  buf: b.name,
  scope: step && b.rows === "B" ? "row" : "time",
  ld: b.width,
  col: 0,
  shift: 0,
});

/** Tape buffers (written by the forward sweep, read by the backward) zeroed on padded rows. */
export function maskPaddedForward(proc: Proc): Proc {
  const already = new Set(proc.body.flatMap((s) => (s.kind === "maskRows" ? [s.loc.buf] : [])));
  const tape = proc.buffers.filter(
    (b) => b.role === "tape" && b.rows === "TB" && !already.has(b.name),
  );
  if (tape.length === 0) return proc;
  const masks: Stmt[] = tape.map((b) => ({ kind: "maskRows", loc: whole(b), width: b.width }));
  return { ...proc, body: [...proc.body, ...masks] };
}

/** See the module comment; `proc` is a backward sweep whose first result is ∂P. */
export function maskPaddedBackward(proc: Proc): Proc {
  const dP = proc.results[0];
  if (dP === undefined) return proc;
  const decl = new Map(proc.buffers.map((b) => [b.name, b]));
  // values the backward computes itself; its arguments are the forward's (finite on padded rows)
  const own = (buf: string) => {
    const b = decl.get(buf);
    return b !== undefined && !proc.args.includes(buf) && (b.rows === "TB" || b.rows === "B")
      ? b
      : undefined;
  };
  const body = maskBody(proc.body, dP, own, false);
  const results = proc.results
    .map((n) => decl.get(n)!)
    .filter((b) => b.rows === "TB" && b.name !== dP);
  const tail: Stmt[] = results.map((b) => ({ kind: "maskRows", loc: whole(b), width: b.width }));
  return { ...proc, body: [...body, ...tail] };
}

/** One statement list (the top level, or the time loop's body when `inLoop`). */
function maskBody(
  body: readonly Stmt[],
  dP: string,
  own: (buf: string) => BufferDecl | undefined,
  inLoop: boolean,
): Stmt[] {
  // buffers to zero (whole rows) before statement i; each once until something writes it again
  const before = new Map<number, BufferDecl[]>();
  const maskedAt = new Map<string, number>();
  const add = (i: number, loc: Loc) => {
    const b = own(loc.buf);
    // maskRows (top level) runs over the T·B rows of a `time` buffer; a step's mask over B rows
    if (!b || !(loc.scope === "time" || (inLoop && loc.scope === "row"))) return;
    const at = maskedAt.get(b.name);
    if (at !== undefined && !body.slice(at, i).some((s) => writes(s).includes(b.name))) return;
    maskedAt.set(b.name, i);
    before.set(i, [...(before.get(i) ?? []), b]);
  };
  body.forEach((s, i) => {
    if (s.kind === "colsum" && [s.to, ...(s.also ?? [])].some((l) => l.buf === dP)) add(i, s.from);
    if (s.kind === "gemm" && s.c.buf === dP && s.k === "TB") {
      // Σ over every row of two `cols` buffers: zero each one's source before its transpose
      for (const op of [s.a, s.p]) {
        if (op.scope !== "cols") continue;
        const k = lastWriter(body, i, op.buf);
        const t = k >= 0 ? body[k] : undefined;
        if (t?.kind === "transpose") add(k, t.from);
      }
    }
  });
  const out: Stmt[] = [];
  body.forEach((s, i) => {
    const zero = before.get(i)?.map((b) => ({ loc: whole(b, inLoop), width: b.width }));
    if (zero)
      out.push(
        ...(inLoop
          ? [{ kind: "mask", mode: "hold", pairs: [], zero } as Stmt]
          : zero.map((z): Stmt => ({ kind: "maskRows", loc: z.loc, width: z.width }))),
      );
    out.push(s.kind === "loop" ? { ...s, body: maskBody(s.body, dP, own, true) } : s);
  });
  return out;
}

/** The index of the last statement before `i` that writes `buf` (a transpose's `to`), or −1. */
function lastWriter(body: readonly Stmt[], i: number, buf: string): number {
  for (let k = i - 1; k >= 0; k--) {
    const s = body[k]!;
    if (s.kind === "transpose" && s.to.buf === buf) return k;
  }
  return -1;
}
