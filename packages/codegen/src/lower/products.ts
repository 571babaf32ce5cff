/**
 * The merged products as gemm statements: static operands packed side by side or transposed once
 * per call, per-row operands read by columns for the deferred gradients. Part of the `statements`
 * pass.
 */
import type { Node } from "@gated/graph";
import type { Loc } from "../schedule/schedule.js";
import { DIM, ROWS } from "./build.js";
import { equationText } from "./place.js";
import type { RunPhase } from "./plan.js";
import type { Item, StmtContext } from "./stmtContext.js";

/** The gemm statements of one sweep, with the packed and transposed operands they share. */
export class Products {
  /** Static matrices transposed, once per call. */
  private readonly tCache = new Map<string, Loc>();
  /** Per-row buffers read by columns: the transposed copy, and the span of columns it holds. */
  private readonly colsCache = new Map<string, Loc>();
  private readonly colSpans = new Map<string, { from: number; to: number }>();

  constructor(private readonly cx: StmtContext) {
    for (const { l, width } of this.columnReads()) {
      const key = `${l.buf}:${l.shift}`;
      const s = this.colSpans.get(key);
      this.colSpans.set(key, {
        from: Math.min(s?.from ?? l.col, l.col),
        to: Math.max(s?.to ?? 0, l.col + width),
      });
    }
  }

  /** A shared-vector product: [P_1; P_2; …] v into one buffer. */
  mat(it: Item<"mat">, p: RunPhase): void {
    const { cx } = this;
    const g = it.group;
    const k = cx.size(g.v);
    const c = cx.pl.matBuf.get(g)!;
    const doc = `${c.buf} = [${g.members.map((m) => equationText(cx.spec, m.node)).join(" | ")}]`;
    const pl =
      g.kind === "nn"
        ? this.transposedLoc(cx.locOf(g.members[0]!.p), k, g.width, cx.hint(g.members[0]!.p))
        : this.packed(
            g.members.map((m) => m.p),
            k,
            g.members.map((m) => cx.hint(m.p)).join("_"),
          );
    cx.stmts[p].push({
      kind: "gemm",
      m: DIM[ROWS[p]],
      n: g.width,
      k,
      a: cx.locOf(g.v),
      p: pl,
      c,
      accumulate: false,
      doc,
    });
    for (const m of g.members) cx.copyOut(p, m.node, cx.pl.primary.get(m.node)!);
  }

  /** Σ_g S_gᵀ u_g: one product over the concatenated u_g, else one accumulating product each. */
  sum(it: Item<"sum">, p: RunPhase): void {
    const { cx } = this;
    const g = it.group;
    const n = cx.size(g.root);
    const c = cx.pl.sumOut.get(g.root)!;
    const m = DIM[ROWS[p]];
    const cat = cx.concatLoc(g.terms.map((t) => t.u));
    const names = g.terms.map((t) => cx.hint(t.s));
    const doc = `${c.buf} = ${cat ? `[${names.join("; ")}]ᵀ ${cat.buf}` : g.terms.map((t) => `${cx.hint(t.s)}ᵀ ${cx.hint(t.u)}`).join(" + ")}`;
    if (cat) {
      const key = names.join("_");
      const packed = this.packed(
        g.terms.map((t) => t.s),
        n,
        key,
      );
      const pt = this.transposedLoc(packed, cat.ld, n, key);
      cx.stmts[p].push({
        kind: "gemm",
        m,
        n,
        k: cat.ld,
        a: cat,
        p: pt,
        c,
        accumulate: false,
        doc,
      });
    } else
      g.terms.forEach((t, i) =>
        cx.stmts[p].push({
          kind: "gemm",
          m,
          n,
          k: cx.size(t.u),
          a: cx.locOf(t.u),
          p: this.transposedLoc(cx.locOf(t.s), cx.size(t.u), n, cx.hint(t.s)),
          c,
          accumulate: i > 0,
          doc,
        }),
      );
    if (g.rest.length === 0) cx.copyOut(p, g.root, c);
  }

  /** A deferred parameter gradient: Σ_rows u ⊗ v as one product over all T·B rows. */
  outer(it: Item<"outer">, p: RunPhase): void {
    const { cx } = this;
    const g = it.group;
    const n = cx.size(g.v);
    const cat = cx.concatLoc(g.terms.map((t) => t.u));
    const doc = `[${g.terms.map((t) => cx.gradName(t.loc)).join("; ")}] += Σ_rows ${cat ? cat.buf : g.terms.map((t) => cx.hint(t.u)).join(", ")} ⊗ ${cx.hint(g.v)}`;
    const cT = this.colsOf(cx.locOf(g.v), n);
    const gemm = (a: Loc, m: number, c: Loc) =>
      cx.stmts[p].push({
        kind: "gemm",
        m,
        n,
        k: "TB",
        a,
        p: cT,
        c: { ...c, ld: n },
        accumulate: true,
        doc,
      });
    if (cat) gemm(this.colsOf(cat, cat.ld), cat.ld, g.terms[0]!.loc);
    else
      for (const t of g.terms) {
        const m = cx.size(t.u);
        gemm(this.colsOf(cx.locOf(t.u), m), m, t.loc);
      }
  }

  /** Static matrices side by side: their place in the parameters if contiguous, else a copy. */
  private packed(ps: readonly Node[], cols: number, what: string): Loc {
    const { cx } = this;
    const { spec } = cx;
    const infos = ps.map((p) => spec.params.get(p));
    const contiguous = infos.every(
      (inf, i) => inf && (i === 0 || infos[i - 1]!.offset + cx.size(ps[i - 1]!) === inf.offset),
    );
    if (contiguous) return { ...infos[0]!.loc, ld: cols };
    const rowsOf = (p: Node) => spec.shapes.of(p)[0]!;
    const total = ps.reduce((a, p) => a + rowsOf(p), 0);
    const l = cx.newBuf(
      `pack_${what}`,
      "static",
      total * cols,
      `packed ${ps.map(cx.hint).join(", ")}`,
    );
    let off = 0;
    for (const p of ps) {
      const size = rowsOf(p) * cols;
      cx.copyTo("static", cx.locOf(p), { ...l, col: off }, size, `pack ${cx.hint(p)}`);
      off += size;
    }
    return { ...l, ld: cols };
  }

  /** A static [k, n] matrix read transposed: [n, k], once per call. */
  private transposedLoc(l: Loc, k: number, n: number, key: string): Loc {
    const id = `${l.buf}:${l.col}:${k}:${n}`;
    let t = this.tCache.get(id);
    if (!t) {
      t = this.cx.newBuf(`${key}_T`, "static", k * n, `${key} transposed`);
      this.cx.stmts.static.push({
        kind: "transpose",
        m: k,
        n,
        from: { ...l, ld: n },
        to: { ...t, ld: k },
        doc: `${t.buf} = ${key}ᵀ`,
      });
      this.tCache.set(id, t);
    }
    return { ...t, ld: k };
  }

  /**
   * Per-row values read column-wise over all T·B rows (for gradients summed over the rows). A
   * buffer is transposed once, over the span of columns the gradients read; a column block of it
   * is addressed by its column offset in the transposed buffer, not transposed again.
   */
  private colsOf(l: Loc, width: number): Loc {
    if (l.scope !== "time") throw new Error(`internal: ${l.buf} is not kept over all rows`);
    const key = `${l.buf}:${l.shift}`;
    const span = this.colSpans.get(key) ?? { from: l.col, to: l.col + width };
    let t = this.colsCache.get(key);
    if (!t) {
      const b = this.cx.newBuf(`${l.buf}_cols`, "time", span.to - span.from, `${l.buf} by columns`);
      t = { ...b, scope: "cols", ld: 0 };
      this.cx.stmts.post.push({
        kind: "transpose",
        m: "TB",
        n: span.to - span.from,
        from: { ...l, col: span.from },
        to: t,
        doc: `${t.buf} = ${l.buf}ᵀ`,
      });
      this.colsCache.set(key, t);
    }
    return { ...t, col: l.col - span.from };
  }

  /** The per-row operands of the deferred gradients, with their widths. */
  private columnReads(): { l: Loc; width: number }[] {
    const { cx } = this;
    const out: { l: Loc; width: number }[] = [];
    for (const p of ["static", "pre", "loop", "post"] as const)
      for (const it of cx.pl.items[p]) {
        if (it.kind !== "outer") continue;
        const g = it.group;
        out.push({ l: cx.locOf(g.v), width: cx.size(g.v) });
        const cat = cx.concatLoc(g.terms.map((t) => t.u));
        if (cat) out.push({ l: cat, width: cat.ld });
        else for (const t of g.terms) out.push({ l: cx.locOf(t.u), width: cx.size(t.u) });
      }
    return out;
  }
}
