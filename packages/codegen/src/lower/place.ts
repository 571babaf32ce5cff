/**
 * Second half of lowering one sweep: place every value that leaves its fused map in a buffer
 * (per step, over all rows, or static), then turn plan items into schedule statements.
 */
import { broadcastIndex, constValue, type Node, printText, S, type Scalar } from "@gated/graph";
import type {
  BufferDecl,
  Dim,
  Loc,
  MapLet,
  MapStore,
  Operand,
  Rows,
  Stmt,
} from "../schedule/schedule.js";
import { foldConstant, gatherTables, reduceTable } from "./analyze.js";
import type { Plan, PlanItem, RunPhase, ScanResult } from "./plan.js";

const ROWS: Record<RunPhase, Rows> = { static: "one", pre: "TB", loop: "B", post: "TB" };
const DIM: Record<Rows, Dim> = { one: 1, B: "B", TB: "TB" };

export function placePlan(plan: Plan, absorbed: ReadonlySet<Node>): ScanResult {
  const { spec, phase, itemOf, items } = plan;
  const { shapes, namer } = spec;
  const ph = (n: Node) => phase.get(n)!;
  const buffers: BufferDecl[] = [];
  const primary = new Map<Node, Loc>();
  const extra = new Map<Node, Loc[]>();
  const addExtra = (n: Node, l: Loc) => extra.set(n, [...(extra.get(n) ?? []), l]);
  const hint = (n: Node) => spec.hints.get(n) ?? n.label ?? n.op.name;
  const paramAt = new Map([...spec.params].map(([n, q]) => [q.offset, n.label ?? "?"]));
  const gradName = (l: Loc) =>
    l.buf === spec.accum[0]?.loc.buf ? `∂${paramAt.get(l.col) ?? l.col}` : l.buf;
  const newBuf = (hintText: string, scope: Loc["scope"], width: number, doc: string): Loc => {
    const name = namer.fresh(hintText);
    buffers.push({
      name,
      role: "temp",
      type: spec.compute,
      rows: scope === "static" ? "one" : scope === "row" ? "B" : "TB",
      width,
      doc,
    });
    return { buf: name, scope, ld: width, col: 0, shift: 0 };
  };

  // which items read each node
  const reads = new Map<Node, Set<PlanItem>>();
  const read = (n: Node, it: PlanItem) => {
    const s = reads.get(n) ?? new Set();
    s.add(it);
    reads.set(n, s);
  };
  for (const p of ["static", "pre", "loop", "post"] as const)
    for (const it of items[p]) {
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
  const carriedOut = new Map<Node, Loc[]>();
  for (const c of spec.carried)
    carriedOut.set(c.next, [...(carriedOut.get(c.next) ?? []), c.outLoc]);
  const rowOut = new Map<Node, Loc[]>();
  for (const o of spec.rowOutputs) rowOut.set(o.node, [...(rowOut.get(o.node) ?? []), o.loc]);

  // 1. scope each computed value needs
  const needsTime = (n: Node): boolean => {
    const p = ph(n);
    if (p === "pre" || p === "post") return true;
    if (p !== "loop") return false;
    return plan.timeUse.has(n) || [...(reads.get(n) ?? [])].some((it) => it.phase !== "loop");
  };
  const materialized = (n: Node): boolean => {
    const it = itemOf.get(n);
    if (!it || it.kind !== "map") return true;
    return (
      plan.timeUse.has(n) ||
      [...(reads.get(n) ?? [])].some((r) => r !== it) ||
      carriedOut.has(n) ||
      rowOut.has(n)
    );
  };
  // concatenations: members stored side by side
  const catLocs = new Map<readonly Node[], Loc>();
  for (const us of plan.concat) {
    const width = us.reduce((a, u) => a + shapes.size(u), 0);
    const time = us.some(needsTime);
    const loc = newBuf(
      spec.sweep === "backward" ? "delta" : "cat",
      time ? "time" : "row",
      width,
      `[${us.map(hint).join(", ")}] side by side`,
    );
    catLocs.set(us, loc);
    let col = 0;
    for (const u of us) {
      const slot = { ...loc, col };
      if (!primary.has(u)) primary.set(u, slot);
      else addExtra(u, slot);
      col += shapes.size(u);
    }
  }
  // mat groups: one buffer, members are column slices
  const matBuf = new Map<object, Loc>();
  for (const [, g] of plan.matOf) {
    if (matBuf.has(g)) continue;
    const p = ph(g.members[0]!.node);
    const scope =
      p === "static" ? "static" : g.members.some((m) => needsTime(m.node)) ? "time" : "row";
    const loc = newBuf(
      `${hint(g.v)}_proj`,
      scope,
      g.width,
      g.members.map((m) => printText(m.node, 2)).join(", "),
    );
    matBuf.set(g, loc);
    for (const m of g.members) primary.set(m.node, { ...loc, col: m.col });
  }
  const sumOut = new Map<Node, Loc>();
  /** A carried output or row output the value can live in directly (saving a copy). */
  const ownLoc = (n: Node, p: RunPhase, time: boolean): Loc | undefined =>
    (p === "loop"
      ? carriedOut.get(n)?.find((l) => (time ? l.scope === "time" : true))
      : undefined) ?? (p === "pre" || p === "post" ? rowOut.get(n)?.[0] : undefined);
  for (const p of ["static", "pre", "loop", "post"] as const)
    for (const it of items[p]) {
      const nodes =
        it.kind === "map"
          ? it.nodes
          : it.kind === "node"
            ? [it.node]
            : it.kind === "sum"
              ? [it.group.root]
              : [];
      for (const n of nodes) {
        if (it.kind === "sum") {
          const time = needsTime(n) || p !== "loop";
          // with nothing else to add, the products go straight to where the value is wanted
          const direct = it.group.rest.length === 0 ? ownLoc(n, p, time) : undefined;
          const loc =
            direct ??
            (p === "static"
              ? newBuf(`${hint(n)}_sum`, "static", shapes.size(n), "")
              : newBuf(
                  `${hint(n)}_sum`,
                  time ? "time" : "row",
                  shapes.size(n),
                  `Σ of ${it.group.terms.length} products`,
                ));
          sumOut.set(n, loc);
          if (it.group.rest.length === 0 && !primary.has(n)) primary.set(n, loc);
          continue;
        }
        if (primary.has(n) || !materialized(n)) continue;
        const time = needsTime(n);
        const own = ownLoc(n, p, time);
        if (own) primary.set(n, own);
        else
          primary.set(
            n,
            newBuf(
              hint(n),
              p === "static" ? "static" : time ? "time" : "row",
              shapes.size(n),
              printText(n, 2),
            ),
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
    if (itemOf.has(n)) for (const l of ls) if (!ok(l)) late.push({ n, l });
  }

  // 2. operands
  const constLoc = new Map<Node, Loc>();
  const folded = (n: Node) =>
    constValue(n) !== undefined
      ? new Float64Array(shapes.size(n)).fill(constValue(n)!)
      : foldConstant(n, shapes.sizes);
  const locOf = (n: Node): Loc => {
    const p = ph(n);
    if (p === "static" && spec.params.has(n)) return spec.params.get(n)!.loc;
    if (p === "const") {
      let l = constLoc.get(n);
      if (!l) constLoc.set(n, (l = spec.consts.add(folded(n), false, printText(n, 2))));
      return l;
    }
    if (p === "input") return spec.rowInputs.get(n)!;
    if (p === "carried") return spec.carried.find((c) => c.leaf === n)!.inLoc;
    const l = primary.get(n);
    if (!l) throw new Error(`internal: ${printText(n, 2)} has no location`);
    return l;
  };
  const operand = (
    x: Node,
    width: number,
    outShape: readonly number[],
    lets: Map<Node, string>,
  ): Operand => {
    const name = lets.get(x);
    if (name) return { kind: "let", name };
    if (ph(x) === "const") {
      const v = folded(x);
      if (v.every((y) => Object.is(y, v[0]))) return { kind: "lit", value: v[0] ?? 0 };
    }
    const w = shapes.size(x);
    const loc = locOf(x);
    if (w === width || w === 1) return { kind: "load", loc, width: w };
    const idx = spec.consts.add(
      Array.from(broadcastIndex(shapes.of(x), outShape)),
      true,
      `broadcast ${printText(x, 2)}`,
    );
    return { kind: "load", loc, width: w, index: idx.buf };
  };

  // 3. statements
  const stmts: Record<RunPhase, Stmt[]> = { static: [], pre: [], loop: [], post: [] };
  const copyTo = (p: RunPhase, from: Loc, to: Loc, width: number, doc: string) =>
    stmts[p].push({ kind: "copy", rows: ROWS[p], from, to, width, doc });
  const packed = (
    ps: readonly Node[],
    rowsEach: (p: Node) => number,
    cols: number,
    what: string,
  ): Loc => {
    const infos = ps.map((p) => spec.params.get(p));
    const contiguous = infos.every(
      (inf, i) => inf && (i === 0 || infos[i - 1]!.offset + shapes.size(ps[i - 1]!) === inf.offset),
    );
    if (contiguous) return { ...infos[0]!.loc, ld: cols };
    const total = ps.reduce((a, p) => a + rowsEach(p), 0);
    const loc = newBuf(`pack_${what}`, "static", total * cols, `packed ${ps.map(hint).join(", ")}`);
    let off = 0;
    for (const p of ps) {
      const size = rowsEach(p) * cols;
      copyTo("static", locOf(p), { ...loc, col: off }, size, `pack ${hint(p)}`);
      off += size;
    }
    return { ...loc, ld: cols };
  };
  // static matrices read transposed: [K, N] → [N, K], once per call
  const tCache = new Map<string, Loc>();
  const transposedLoc = (l: Loc, k: number, n: number, key: string): Loc => {
    const id = `${l.buf}:${l.col}:${k}:${n}`;
    let t = tCache.get(id);
    if (!t) {
      t = newBuf(`${key}_T`, "static", k * n, `${key} transposed`);
      stmts.static.push({
        kind: "transpose",
        m: k,
        n,
        from: { ...l, ld: n },
        to: { ...t, ld: k },
        doc: `${t.buf} = ${key}ᵀ`,
      });
      tCache.set(id, t);
    }
    return { ...t, ld: k };
  };
  const transposed = (s: Node, k: number, n: number): Loc => transposedLoc(locOf(s), k, n, hint(s));
  // per-row values read column-wise over all T·B rows (for gradients summed over the rows)
  const colsOf = (l: Loc, width: number): Loc => {
    const id = `${l.buf}:${l.col}:${l.shift}:${width}`;
    let t = tCache.get(id);
    if (!t) {
      if (l.scope !== "time") throw new Error(`internal: ${l.buf} is not kept over all rows`);
      const b = newBuf(`${l.buf}_cols`, "time", width, `${l.buf} by columns`);
      t = { ...b, scope: "cols", ld: 0 };
      stmts.post.push({
        kind: "transpose",
        m: "TB",
        n: width,
        from: l,
        to: t,
        doc: `${t.buf} = ${l.buf}ᵀ`,
      });
      tCache.set(id, t);
    }
    return t;
  };
  const concatLoc = (us: readonly Node[]): Loc | undefined => {
    const c = plan.concat.find((x) => x.length === us.length && x.every((u, i) => u === us[i]));
    return c && catLocs.get(c);
  };
  const stores = (n: Node): MapStore[] => {
    const out: MapStore[] = [];
    if (primary.has(n)) out.push({ from: "", to: primary.get(n)! });
    for (const l of extra.get(n) ?? []) out.push({ from: "", to: l });
    return out;
  };
  for (const p of ["static", "pre", "loop", "post"] as const) {
    const rows = ROWS[p];
    for (const it of items[p]) {
      switch (it.kind) {
        case "map": {
          const lets = new Map<Node, string>();
          const mlets: MapLet[] = [];
          const mstores: MapStore[] = [];
          const outShape = shapes.of(it.nodes[0]!);
          for (const n of it.nodes) {
            const sg = plan.sumOf.get(n);
            const name = namer.fresh(hint(n));
            let args: Operand[];
            let expr: Scalar;
            if (sg) {
              // the merged products' sum, then the remaining terms: ((Σ + t1) + t2) …
              args = [
                { kind: "load", loc: sumOut.get(n)!, width: shapes.size(n) },
                ...sg.rest.map((x) => operand(x, it.width, outShape, lets)),
              ];
              expr = S.arg(0);
              for (let k = 1; k < args.length; k++) expr = n.op.scalar!([expr, S.arg(k)], n.attrs);
            } else {
              args = n.inputs.map((x) => operand(x, it.width, shapes.of(n), lets));
              expr =
                n.op.kind === "elementwise"
                  ? n.op.scalar!(
                      args.map((_, k) => S.arg(k)),
                      n.attrs,
                    )
                  : S.arg(0);
            }
            lets.set(n, name);
            mlets.push({ name, op: n.op.name, args, expr, doc: `${name} = ${printText(n, 3)}` });
            for (const s of stores(n)) mstores.push({ from: name, to: s.to });
          }
          stmts[p].push({ kind: "map", rows, width: it.width, lets: mlets, stores: mstores });
          break;
        }
        case "mat": {
          const g = it.group;
          const k = shapes.size(g.v);
          const c = matBuf.get(g)!;
          const doc = `${c.buf} = [${g.members.map((m) => printText(m.node, 2)).join(" | ")}]`;
          if (g.kind === "nn") {
            const s = g.members[0]!.p;
            const st = transposed(s, k, g.width);
            stmts[p].push({
              kind: "gemm",
              m: DIM[rows],
              n: g.width,
              k,
              a: locOf(g.v),
              p: st,
              c,
              accumulate: false,
              doc,
            });
          } else {
            const pl = packed(
              g.members.map((m) => m.p),
              (q) => shapes.of(q)[0]!,
              k,
              g.members.map((m) => hint(m.p)).join("_"),
            );
            stmts[p].push({
              kind: "gemm",
              m: DIM[rows],
              n: g.width,
              k,
              a: locOf(g.v),
              p: pl,
              c,
              accumulate: false,
              doc,
            });
          }
          for (const m of g.members)
            for (const l of extra.get(m.node) ?? [])
              copyTo(p, primary.get(m.node)!, l, shapes.size(m.node), `${hint(m.node)} out`);
          break;
        }
        case "sum": {
          const g = it.group;
          const n = shapes.size(g.root);
          const c = sumOut.get(g.root)!;
          const us = g.terms.map((t) => t.u);
          const cat = concatLoc(us);
          const doc = `${c.buf} = ${cat ? `[${g.terms.map((t) => hint(t.s)).join("; ")}]ᵀ ${cat.buf}` : g.terms.map((t) => `${hint(t.s)}ᵀ ${hint(t.u)}`).join(" + ")}`;
          if (cat) {
            const pl = packed(
              g.terms.map((t) => t.s),
              (q) => shapes.of(q)[0]!,
              n,
              g.terms.map((t) => hint(t.s)).join("_"),
            );
            const key = g.terms.map((t) => hint(t.s)).join("_");
            const pt = transposedLoc(pl, cat.ld, n, key);
            stmts[p].push({
              kind: "gemm",
              m: DIM[rows],
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
              stmts[p].push({
                kind: "gemm",
                m: DIM[rows],
                n,
                k: shapes.size(t.u),
                a: locOf(t.u),
                p: transposed(t.s, shapes.size(t.u), n),
                c,
                accumulate: i > 0,
                doc,
              }),
            );
          if (g.rest.length === 0)
            for (const l of extra.get(g.root) ?? []) copyTo(p, c, l, n, `${hint(g.root)} out`);
          break;
        }
        case "node":
          renderNode(it.node, p);
          break;
        case "outer": {
          const g = it.group;
          const n = shapes.size(g.v);
          const us = g.terms.map((t) => t.u);
          const cat = concatLoc(us);
          const doc = `[${g.terms.map((t) => gradName(t.loc)).join("; ")}] += Σ_rows ${cat ? cat.buf : g.terms.map((t) => hint(t.u)).join(", ")} ⊗ ${hint(g.v)}`;
          const cT = colsOf(locOf(g.v), n);
          if (cat) {
            const first = g.terms[0]!;
            stmts[p].push({
              kind: "gemm",
              m: cat.ld,
              n,
              k: "TB",
              a: colsOf(cat, cat.ld),
              p: cT,
              c: { ...first.loc, ld: n },
              accumulate: true,
              doc,
            });
          } else
            for (const t of g.terms) {
              const m = shapes.size(t.u);
              stmts[p].push({
                kind: "gemm",
                m,
                n,
                k: "TB",
                a: colsOf(locOf(t.u), m),
                p: cT,
                c: { ...t.loc, ld: n },
                accumulate: true,
                doc,
              });
            }
          break;
        }
        case "colsum": {
          // a value kept over all rows is summed once after the loop, not step by step
          const from = locOf(it.node);
          const q = p === "loop" && from.scope === "time" ? "post" : p;
          stmts[q].push({
            kind: "colsum",
            rows: ROWS[q],
            from,
            to: it.loc,
            width: shapes.size(it.node),
            doc: `${gradName(it.loc)} += Σ_rows ${from.scope === "static" ? printText(it.node, 2) : `${from.buf}[:, ${from.col}…]`}`,
          });
        }
      }
    }
  }

  function renderNode(n: Node, p: RunPhase): void {
    const rows = ROWS[p];
    const to = primary.get(n)!;
    const doc = `${hint(n)} = ${printText(n, 3)}`;
    const [a, b] = n.inputs;
    const sh = (x: Node) => shapes.of(x);
    switch (n.op.kind) {
      case "matvec":
        stmts[p].push({
          kind: "product",
          op: "matvec",
          rows,
          a: locOf(a!),
          b: locOf(b!),
          to,
          m: sh(a!)[0]!,
          n: 1,
          k: sh(a!)[1]!,
          doc,
        });
        break;
      case "matmul":
        stmts[p].push({
          kind: "product",
          op: "matmul",
          rows,
          a: locOf(a!),
          b: locOf(b!),
          to,
          m: sh(a!)[0]!,
          n: sh(b!)[1]!,
          k: sh(a!)[1]!,
          doc,
        });
        break;
      case "outer":
        stmts[p].push({
          kind: "product",
          op: "outer",
          rows,
          a: locOf(a!),
          b: locOf(b!),
          to,
          m: shapes.size(a!),
          n: shapes.size(b!),
          k: 1,
          doc,
        });
        break;
      case "reduce": {
        const f = n.op.reduce;
        if (!f) throw new Error(`${n.op.name}: a reduce op needs a reduce facet to be compiled`);
        const axis = n.attrs["axis"] as number | "all";
        const t = reduceTable(sh(a!), axis);
        const base = spec.consts.add(t.base, true, `reduce ${n.op.name} bases`);
        stmts[p].push({
          kind: "reduce",
          rows,
          from: locOf(a!),
          to,
          base: base.buf,
          width: shapes.size(n),
          count: t.count,
          stride: t.stride,
          init: f.init,
          combine: f.combine,
          ...(f.finish ? { finish: f.finish } : {}),
          doc,
        });
        break;
      }
      case "transpose":
      case "broadcast":
      case "slice":
      case "concat":
      case "reshape":
        gatherTables(n, shapes).forEach((t, i) => {
          if (t.to.length === 0) return;
          const x = n.inputs[i]!;
          const from = spec.consts.add(t.from, true, `${n.op.name} source`);
          const toIdx = spec.consts.add(t.to, true, `${n.op.name} target`);
          stmts[p].push({
            kind: "gather",
            rows,
            from: locOf(x),
            to,
            index: from.buf,
            toIndex: toIdx.buf,
            width: t.to.length,
            doc,
          });
        });
        break;
      default:
        throw new Error(`cannot compile ${n.op.name} (kind ${n.op.kind}) in ${printText(n, 2)}`);
    }
    for (const l of extra.get(n) ?? []) copyTo(p, to, l, shapes.size(n), `${hint(n)} out`);
  }

  for (const { n, l } of late) {
    const from = primary.get(n);
    if (!from) throw new Error(`internal: ${printText(n, 2)} has no location`);
    copyTo(l.scope === "row" ? "loop" : "pre", from, l, shapes.size(n), `${hint(n)} out`);
  }
  // 4. carried outputs and row outputs that no map stores
  const mapped = (n: Node) => itemOf.get(n)?.kind === "map";
  for (const c of spec.carried) {
    const n = c.next;
    if (mapped(n) || (itemOf.has(n) && !absorbed.has(n))) continue;
    stmts.loop.push(copyOrFill(n, c.outLoc, "loop"));
  }
  for (const o of spec.rowOutputs) {
    const n = o.node;
    if (mapped(n) || (itemOf.has(n) && !absorbed.has(n))) continue;
    const p = ph(n) === "carried" ? "loop" : ph(n) === "post" ? "post" : "pre";
    stmts[p].push(copyOrFill(n, o.loc, p));
  }
  function copyOrFill(n: Node, to: Loc, p: RunPhase): Stmt {
    const width = shapes.size(n);
    if (ph(n) === "const") {
      const v = folded(n);
      if (v.every((y) => Object.is(y, v[0])))
        return {
          kind: "fill",
          rows: ROWS[p],
          to,
          width,
          value: v[0] ?? 0,
          doc: `${to.buf} = ${v[0]}`,
        };
    }
    return {
      kind: "copy",
      rows: ROWS[p],
      from: locOf(n),
      to,
      width,
      doc: `${to.buf} = ${hint(n)}`,
    };
  }
  return { stmts, buffers, locOf: (n) => primary.get(n) ?? spec.rowInputs.get(n) };
}
