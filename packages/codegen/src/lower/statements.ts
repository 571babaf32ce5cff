/**
 * The last pass of a sweep. Before: the placed plan. After: schedule statements per phase — a
 * map per fused group of elementwise nodes, a gemm per merged product (static operands packed or
 * transposed once per call, per-row operands read by columns for the deferred gradients), and
 * the copies and fills for values stored where their own phase cannot store them.
 */
import { broadcastIndex, constValue, type Node, printText, S, type Scalar } from "@gated/graph";
import type {
  BufferDecl,
  Loc,
  MapLet,
  MapStore,
  Operand,
  Rows,
  Stmt,
} from "../schedule/schedule.js";
import { foldConstant } from "./analyze.js";
import { copy, DIM, ROWS, temp } from "./build.js";
import { nodeStatements } from "./nodes.js";
import { equationText, hintOf } from "./place.js";
import type { Placed, PlanItem, RunPhase, ScanResult, ScanSpec } from "./plan.js";

type Item<K extends PlanItem["kind"]> = Extract<PlanItem, { kind: K }>;

/** Turns the placed plan into statements, one method per item kind. */
export function statements(spec: ScanSpec, placed: Placed): ScanResult {
  return new Statements(spec, placed).run();
}

class Statements {
  private readonly stmts: Record<RunPhase, Stmt[]> = { static: [], pre: [], loop: [], post: [] };
  private readonly buffers: BufferDecl[];
  private readonly constLoc = new Map<Node, Loc>();
  /** Static matrices transposed, once per call. */
  private readonly tCache = new Map<string, Loc>();
  private readonly paramAt: Map<number, string>;
  /** Per-row buffers read by columns: the transposed copy, and the span of columns it holds. */
  private readonly colsCache = new Map<string, Loc>();
  private readonly colSpans = new Map<string, { from: number; to: number }>();

  constructor(
    private readonly spec: ScanSpec,
    private readonly pl: Placed,
  ) {
    this.buffers = [...pl.buffers];
    this.paramAt = new Map([...spec.params].map(([n, q]) => [q.offset, n.label ?? "?"]));
    for (const { l, width } of this.columnReads()) {
      const key = `${l.buf}:${l.shift}`;
      const s = this.colSpans.get(key);
      this.colSpans.set(key, {
        from: Math.min(s?.from ?? l.col, l.col),
        to: Math.max(s?.to ?? 0, l.col + width),
      });
    }
  }

  run(): ScanResult {
    const { pl, spec } = this;
    for (const p of ["static", "pre", "loop", "post"] as const)
      for (const it of pl.items[p]) this.item(it, p);
    for (const { n, l } of pl.late) {
      const from = pl.primary.get(n);
      if (!from) throw new Error(`internal: ${printText(n, 2)} has no location`);
      this.copyTo(l.scope === "row" ? "loop" : "pre", from, l, this.size(n), `${this.hint(n)} out`);
    }
    // carried outputs and row outputs that no map stores
    const stored = (n: Node) => {
      const it = pl.itemOf.get(n);
      return it?.kind === "map" || (it !== undefined && !pl.absorbed.has(n));
    };
    for (const c of spec.carried)
      if (!stored(c.next)) this.stmts.loop.push(this.copyOrFill(c.next, c.outLoc, "loop"));
    for (const o of spec.rowOutputs) {
      if (stored(o.node)) continue;
      const ph = this.ph(o.node);
      const p = ph === "carried" ? "loop" : ph === "post" ? "post" : "pre";
      this.stmts[p].push(this.copyOrFill(o.node, o.loc, p));
    }
    return {
      stmts: this.stmts,
      buffers: this.buffers,
      locOf: (n) => pl.primary.get(n) ?? spec.rowInputs.get(n),
    };
  }

  private item(it: PlanItem, p: RunPhase): void {
    switch (it.kind) {
      case "map":
        return this.map(it, p);
      case "mat":
        return this.mat(it, p);
      case "sum":
        return this.sum(it, p);
      case "node":
        return this.node(it.node, p);
      case "outer":
        return this.outer(it, p);
      case "colsum":
        return this.colsum(it, p);
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  private ph = (n: Node) => this.pl.phase.get(n)!;
  private size = (n: Node) => this.spec.shapes.size(n);
  private hint = (n: Node) => hintOf(this.spec, n);
  private newBuf(h: string, scope: Loc["scope"], width: number, doc: string): Loc {
    return temp(this.buffers, this.spec.compute, this.spec.namer.fresh(h), scope, width, doc);
  }
  private copyTo(p: RunPhase, from: Loc, to: Loc, width: number, doc: string): void {
    this.stmts[p].push(copy(ROWS[p], from, to, width, doc));
  }
  /** Copies into the value's further locations. */
  private copyOut(p: RunPhase, n: Node, from: Loc): void {
    for (const l of this.pl.extra.get(n) ?? [])
      this.copyTo(p, from, l, this.size(n), `${this.hint(n)} out`);
  }
  private gradName(l: Loc): string {
    return l.buf === this.spec.accum[0]?.loc.buf ? `∂${this.paramAt.get(l.col) ?? l.col}` : l.buf;
  }
  private folded(n: Node): Float64Array {
    const c = constValue(n);
    return c !== undefined
      ? new Float64Array(this.size(n)).fill(c)
      : foldConstant(n, this.spec.shapes.sizes);
  }

  private locOf(n: Node): Loc {
    const { spec } = this;
    const p = this.ph(n);
    if (p === "static" && spec.params.has(n)) return spec.params.get(n)!.loc;
    if (p === "const") {
      let l = this.constLoc.get(n);
      if (!l) this.constLoc.set(n, (l = spec.consts.add(this.folded(n), false, printText(n, 2))));
      return l;
    }
    if (p === "input") return spec.rowInputs.get(n)!;
    if (p === "carried") return spec.carried.find((c) => c.leaf === n)!.inLoc;
    const l = this.pl.primary.get(n);
    if (!l) throw new Error(`internal: ${printText(n, 2)} has no location`);
    return l;
  }

  private operand(
    x: Node,
    width: number,
    outShape: readonly number[],
    lets: Map<Node, string>,
  ): Operand {
    const name = lets.get(x);
    if (name) return { kind: "let", name };
    if (this.ph(x) === "const") {
      const v = this.folded(x);
      if (v.every((y) => Object.is(y, v[0]))) return { kind: "lit", value: v[0] ?? 0 };
    }
    const w = this.size(x);
    const l = this.locOf(x);
    if (w === width || w === 1) return { kind: "load", loc: l, width: w };
    const idx = this.spec.consts.add(
      Array.from(broadcastIndex(this.spec.shapes.of(x), outShape)),
      true,
      `broadcast ${printText(x, 2)}`,
    );
    return { kind: "load", loc: l, width: w, index: idx.buf };
  }

  /** Static matrices side by side: their place in the parameters if contiguous, else a copy. */
  private packed(ps: readonly Node[], cols: number, what: string): Loc {
    const { spec } = this;
    const infos = ps.map((p) => spec.params.get(p));
    const contiguous = infos.every(
      (inf, i) => inf && (i === 0 || infos[i - 1]!.offset + this.size(ps[i - 1]!) === inf.offset),
    );
    if (contiguous) return { ...infos[0]!.loc, ld: cols };
    const rowsOf = (p: Node) => spec.shapes.of(p)[0]!;
    const total = ps.reduce((a, p) => a + rowsOf(p), 0);
    const l = this.newBuf(
      `pack_${what}`,
      "static",
      total * cols,
      `packed ${ps.map(this.hint).join(", ")}`,
    );
    let off = 0;
    for (const p of ps) {
      const size = rowsOf(p) * cols;
      this.copyTo("static", this.locOf(p), { ...l, col: off }, size, `pack ${this.hint(p)}`);
      off += size;
    }
    return { ...l, ld: cols };
  }

  /** A static [k, n] matrix read transposed: [n, k], once per call. */
  private transposedLoc(l: Loc, k: number, n: number, key: string): Loc {
    const id = `${l.buf}:${l.col}:${k}:${n}`;
    let t = this.tCache.get(id);
    if (!t) {
      t = this.newBuf(`${key}_T`, "static", k * n, `${key} transposed`);
      this.stmts.static.push({
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
      const b = this.newBuf(`${l.buf}_cols`, "time", span.to - span.from, `${l.buf} by columns`);
      t = { ...b, scope: "cols", ld: 0 };
      this.stmts.post.push({
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
    const out: { l: Loc; width: number }[] = [];
    for (const p of ["static", "pre", "loop", "post"] as const)
      for (const it of this.pl.items[p]) {
        if (it.kind !== "outer") continue;
        const g = it.group;
        out.push({ l: this.locOf(g.v), width: this.size(g.v) });
        const cat = this.concatLoc(g.terms.map((t) => t.u));
        if (cat) out.push({ l: cat, width: cat.ld });
        else for (const t of g.terms) out.push({ l: this.locOf(t.u), width: this.size(t.u) });
      }
    return out;
  }

  private concatLoc(us: readonly Node[]): Loc | undefined {
    const c = this.pl.concat.find((x) => x.length === us.length && x.every((u, i) => u === us[i]));
    return c && this.pl.catLocs.get(c);
  }

  // --- one method per item kind --------------------------------------------------------------

  /** A fused elementwise map: one let per node, stores for what leaves the map. */
  private map(it: Item<"map">, p: RunPhase): void {
    const { spec, pl } = this;
    const lets = new Map<Node, string>();
    const mlets: MapLet[] = [];
    const mstores: MapStore[] = [];
    const outShape = spec.shapes.of(it.nodes[0]!);
    for (const n of it.nodes) {
      const sg = pl.sumOf.get(n);
      const name = spec.namer.fresh(this.hint(n));
      let args: Operand[];
      let expr: Scalar;
      if (sg) {
        // the merged products' sum, then the remaining terms: ((Σ + t1) + t2) …
        args = [
          { kind: "load", loc: pl.sumOut.get(n)!, width: this.size(n) },
          ...sg.rest.map((x) => this.operand(x, it.width, outShape, lets)),
        ];
        expr = S.arg(0);
        for (let k = 1; k < args.length; k++) expr = n.op.scalar!([expr, S.arg(k)], n.attrs);
      } else {
        args = n.inputs.map((x) => this.operand(x, it.width, spec.shapes.of(n), lets));
        expr =
          n.op.kind === "elementwise"
            ? n.op.scalar!(
                args.map((_, k) => S.arg(k)),
                n.attrs,
              )
            : S.arg(0);
      }
      lets.set(n, name);
      const primary = pl.primary.get(n);
      const to = [...(primary ? [primary] : []), ...(pl.extra.get(n) ?? [])];
      // one comment per stored value, as the cell's equation; temporaries go without
      const doc = to.length ? `${this.hint(n)} = ${equationText(spec, n)}` : "";
      mlets.push({ name, op: n.op.name, args, expr, doc });
      for (const l of to) mstores.push({ from: name, to: l });
    }
    this.stmts[p].push({
      kind: "map",
      rows: ROWS[p],
      width: it.width,
      lets: mlets,
      stores: mstores,
    });
  }

  /** A shared-vector product: [P_1; P_2; …] v into one buffer. */
  private mat(it: Item<"mat">, p: RunPhase): void {
    const g = it.group;
    const k = this.size(g.v);
    const c = this.pl.matBuf.get(g)!;
    const doc = `${c.buf} = [${g.members.map((m) => equationText(this.spec, m.node)).join(" | ")}]`;
    const pl =
      g.kind === "nn"
        ? this.transposedLoc(this.locOf(g.members[0]!.p), k, g.width, this.hint(g.members[0]!.p))
        : this.packed(
            g.members.map((m) => m.p),
            k,
            g.members.map((m) => this.hint(m.p)).join("_"),
          );
    this.stmts[p].push({
      kind: "gemm",
      m: DIM[ROWS[p]],
      n: g.width,
      k,
      a: this.locOf(g.v),
      p: pl,
      c,
      accumulate: false,
      doc,
    });
    for (const m of g.members) this.copyOut(p, m.node, this.pl.primary.get(m.node)!);
  }

  /** Σ_g S_gᵀ u_g: one product over the concatenated u_g, else one accumulating product each. */
  private sum(it: Item<"sum">, p: RunPhase): void {
    const g = it.group;
    const n = this.size(g.root);
    const c = this.pl.sumOut.get(g.root)!;
    const m = DIM[ROWS[p]];
    const cat = this.concatLoc(g.terms.map((t) => t.u));
    const names = g.terms.map((t) => this.hint(t.s));
    const doc = `${c.buf} = ${cat ? `[${names.join("; ")}]ᵀ ${cat.buf}` : g.terms.map((t) => `${this.hint(t.s)}ᵀ ${this.hint(t.u)}`).join(" + ")}`;
    if (cat) {
      const key = names.join("_");
      const packed = this.packed(
        g.terms.map((t) => t.s),
        n,
        key,
      );
      const pt = this.transposedLoc(packed, cat.ld, n, key);
      this.stmts[p].push({
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
        this.stmts[p].push({
          kind: "gemm",
          m,
          n,
          k: this.size(t.u),
          a: this.locOf(t.u),
          p: this.transposedLoc(this.locOf(t.s), this.size(t.u), n, this.hint(t.s)),
          c,
          accumulate: i > 0,
          doc,
        }),
      );
    if (g.rest.length === 0) this.copyOut(p, g.root, c);
  }

  /** A deferred parameter gradient: Σ_rows u ⊗ v as one product over all T·B rows. */
  private outer(it: Item<"outer">, p: RunPhase): void {
    const g = it.group;
    const n = this.size(g.v);
    const cat = this.concatLoc(g.terms.map((t) => t.u));
    const doc = `[${g.terms.map((t) => this.gradName(t.loc)).join("; ")}] += Σ_rows ${cat ? cat.buf : g.terms.map((t) => this.hint(t.u)).join(", ")} ⊗ ${this.hint(g.v)}`;
    const cT = this.colsOf(this.locOf(g.v), n);
    const gemm = (a: Loc, m: number, c: Loc) =>
      this.stmts[p].push({
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
        const m = this.size(t.u);
        gemm(this.colsOf(this.locOf(t.u), m), m, t.loc);
      }
  }

  /**
   * A gradient term summed over the rows; a value kept over all rows once, after the loop. Terms
   * that sum the same columns (the biases of one gate: bi_k, bh_k) share one pass over the rows.
   */
  private colsum(it: Item<"colsum">, p: RunPhase): void {
    const from = this.locOf(it.node);
    const q = p === "loop" && from.scope === "time" ? "post" : p;
    const width = this.size(it.node);
    const list = this.stmts[q];
    const k = this.sameColumns(list, from, width, it.loc);
    if (k >= 0) {
      const s = list[k] as Extract<Stmt, { kind: "colsum" }>;
      const also = [...(s.also ?? []), it.loc];
      const names = [s.to, ...also].map((l) => this.gradName(l)).join(", ");
      list[k] = { ...s, also, doc: `${names} += Σ_rows ${this.colsumText(it.node, from)}` };
      return;
    }
    list.push({
      kind: "colsum",
      rows: ROWS[q],
      from,
      to: it.loc,
      width,
      doc: `${this.gradName(it.loc)} += Σ_rows ${this.colsumText(it.node, from)}`,
    });
  }

  private colsumText(n: Node, from: Loc): string {
    return from.scope === "static" ? printText(n, 2) : `${from.buf}[:, ${from.col}…]`;
  }

  /**
   * The index of a column sum over the same columns among the statements that end `list`, or −1.
   * Only column sums may follow it, none into `to`'s range: the additions into each destination
   * keep their order.
   */
  private sameColumns(list: readonly Stmt[], from: Loc, width: number, to: Loc): number {
    const same = (a: Loc, b: Loc) =>
      a.buf === b.buf && a.scope === b.scope && a.col === b.col && a.shift === b.shift;
    const overlaps = (l: Loc) =>
      l.buf === to.buf && l.col < to.col + width && to.col < l.col + width;
    for (let k = list.length - 1; k >= 0; k--) {
      const s = list[k]!;
      if (s.kind !== "colsum") return -1;
      if (s.width === width && same(s.from, from)) return k;
      if ([s.to, ...(s.also ?? [])].some(overlaps)) return -1;
    }
    return -1;
  }

  /** A node with a statement of its own: a product, a reduction, a scan or a gather. */
  private node(n: Node, p: RunPhase): void {
    const to = this.pl.primary.get(n)!;
    const doc = `${this.hint(n)} = ${equationText(this.spec, n)}`;
    this.stmts[p].push(...nodeStatements(this.spec, n, ROWS[p], to, doc, (x) => this.locOf(x)));
    this.copyOut(p, n, to);
  }

  /** A carried or row output no map stores: a fill for a constant, else a copy. */
  private copyOrFill(n: Node, to: Loc, p: RunPhase): Stmt {
    const width = this.size(n);
    const rows: Rows = ROWS[p];
    if (this.ph(n) === "const") {
      const v = this.folded(n);
      if (v.every((y) => Object.is(y, v[0])))
        return { kind: "fill", rows, to, width, value: v[0] ?? 0, doc: `${to.buf} = ${v[0]}` };
    }
    return copy(rows, this.locOf(n), to, width, `${to.buf} = ${this.hint(n)}`);
  }
}
