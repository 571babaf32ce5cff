/**
 * The one JavaScript emitter: `line`, `indent`, `dedent`, `name`, and one `switch` over the
 * schedule's structural kinds. Op formulas arrive as scalar-IR trees and are rendered by the
 * one table in backends/js/scalar.ts; user-provided text only from `Namer` identifiers and
 * `commentText` comments.
 */

import type { DType } from "../../kernel/types.js";
import { commentText, type Namer, numberLiteral } from "../../names.js";
import type {
  BufferDecl,
  Dim,
  ElemType,
  Loc,
  Operand,
  Proc,
  Rows,
  Schedule,
  Stmt,
} from "../../schedule/schedule.js";
import { type JsOperand, scalarJs } from "./scalar.js";

export class Emitter {
  private readonly out: string[] = [];
  private depth = 0;
  private local: Namer;
  constructor(private readonly namer: Namer) {
    this.local = namer.child();
  }
  /** Statement-local names (row bases, hoisted scalars) start afresh in each statement's block. */
  resetLocals(): void {
    this.local = this.namer.child();
  }
  line(s = ""): void {
    this.out.push(s ? "  ".repeat(this.depth) + s : "");
  }
  /** A comment line; any user text in it is escaped. Nothing for an empty text. */
  comment(s: string): void {
    if (s) this.line(`// ${commentText(s)}`);
  }
  indent(open?: string): void {
    if (open !== undefined) this.line(open);
    this.depth++;
  }
  dedent(close?: string): void {
    this.depth--;
    if (close !== undefined) this.line(close);
  }
  /** A fresh identifier, local to the current statement. */
  name(hint: string): string {
    return this.local.fresh(hint);
  }
  text(): string {
    return this.out.join("\n");
  }
}

/** The typed array of each element type. */
const TYPED: Record<ElemType, string> = {
  f64: "Float64Array",
  f32: "Float32Array",
  i32: "Int32Array",
};

/**
 * The names the emitted text gives a sweep's sizes, its lengths and its time loop (the templates
 * below spell them through `V`; the wasm backend's sweeps use these so the statements it
 * delegates here fit).
 */
export const SWEEP_NAMES = {
  T: "$T",
  B: "$B",
  TB: "$TB",
  len: "$len",
  t: "$t",
  tB: "$tB",
} as const;
const V = SWEEP_NAMES;

/** Emits one procedure as a function `name(P, T, B, len, ...args)` returning its results. */
export function emitProc(
  em: Emitter,
  proc: Proc,
  fname: string,
  dtype: DType,
  sched: Schedule,
): void {
  // buffers are typed arrays of their element type (the JS backend lowers with f64 compute:
  // loads from Float64Array skip the float32 → float64 conversion in the products' inner loops)
  em.comment(
    `${proc.sweep} sweep of cell ${JSON.stringify(sched.name)} (graph ${sched.hash}, ${dtype})`,
  );
  em.indent(`function ${fname}(P, ${V.T}, ${V.B}, ${V.len}, ${proc.args.join(", ")}) {`);
  em.line(`const ${V.TB} = ${V.T} * ${V.B};`);
  const swapped = new Set(
    proc.body.flatMap(function walk(s: Stmt): string[] {
      return s.kind === "loop" ? s.body.flatMap(walk) : s.kind === "swap" ? s.pairs.flat() : [];
    }),
  );
  // storage first, then the names that reuse it
  for (const b of [
    ...proc.buffers.filter((d) => !d.shares),
    ...proc.buffers.filter((d) => d.shares),
  ]) {
    if (b.role === "param" && b.name === "P") continue;
    if (proc.args.includes(b.name)) continue;
    const init = b.shares
      ? `${b.shares}; // reuses ${b.shares}:`
      : `new ${TYPED[b.type]}(${rowsExpr(b.rows)}${b.width}); //`;
    em.line(`${swapped.has(b.name) ? "let" : "const"} ${b.name} = ${init} ${commentText(b.doc)}`);
  }
  for (const s of proc.body) emitStmt(em, s, false);
  em.line(`return [${proc.results.join(", ")}];`);
  em.dedent("}");
}

function rowsExpr(rows: BufferDecl["rows"]): string {
  return rows === "one"
    ? ""
    : rows === "B"
      ? `${V.B} * `
      : rows === "TB"
        ? `${V.TB} * `
        : `(${V.TB} + ${V.B}) * `;
}

/** Opens a statement's block: a row loop, or a plain block for static statements. */
function openRows(em: Emitter, rows: Rows): void {
  em.resetLocals();
  em.indent(rows === "one" ? "{" : `for (let $r = 0; $r < ${rows === "B" ? V.B : V.TB}; $r++) {`);
}

/** The flat offset of row r's element 0 of a location (without `col`). */
function rowBase(l: Loc, rows: Rows, inLoop: boolean): string {
  if (l.scope === "static" || rows === "one") return "0";
  if (l.scope === "row") return `$r * ${l.ld}`;
  if (inLoop && rows === "B") return `(${V.tB}${l.shift} + $r) * ${l.ld}`;
  return l.shift ? `(${V.B} * ${l.shift} + $r) * ${l.ld}` : `$r * ${l.ld}`;
}

/** Hoists row bases: one `const` per distinct base expression and buffer. */
class Bases {
  private readonly names = new Map<string, string>();
  constructor(
    private readonly em: Emitter,
    private readonly rows: Rows,
    private readonly inLoop: boolean,
  ) {}
  at(l: Loc, plus = ""): string {
    const base = rowBase(l, this.rows, this.inLoop);
    const col = l.col ? ` + ${l.col}` : "";
    if (base === "0") return `${l.col}${plus}`;
    // one name per row offset, shared by every buffer with that row layout
    let n = this.names.get(base);
    if (!n) {
      n = this.em.name("at");
      this.names.set(base, n);
      this.em.line(`const ${n} = ${base};`);
    }
    return `${n}${col}${plus}`;
  }
}

/** A linear scan: per row, per run of `count`, the first term alone, then acc = a·acc + b. */
function emitScan(em: Emitter, s: Extract<Stmt, { kind: "scan" }>, inLoop: boolean): void {
  if (s.count === 0 || s.width === 0) return;
  em.comment(s.doc);
  openRows(em, s.rows);
  const bs = new Bases(em, s.rows, inLoop);
  const [b, t] = [bs.at(s.b), bs.at(s.to)];
  const a = typeof s.a === "number" ? undefined : bs.at(s.a);
  const n = s.count;
  const at = (i: string) => (s.reverse ? `$k + ${n - 1} - ${i}` : `$k + ${i}`);
  const coef = typeof s.a === "number" ? numberLiteral(s.a) : `${s.a.buf}[${a} + $q]`;
  em.indent(`for (let $k = 0; $k < ${s.width}; $k += ${n}) {`);
  em.line(`let $acc = ${s.b.buf}[${b} + ${at("0")}];`);
  em.line(`${s.to.buf}[${t} + ${at("0")}] = $acc;`);
  em.indent(`for (let $i = 1; $i < ${n}; $i++) {`);
  em.line(`const $q = ${at("$i")};`);
  em.line(
    s.a === 1 ? `$acc += ${s.b.buf}[${b} + $q];` : `$acc = ${coef} * $acc + ${s.b.buf}[${b} + $q];`,
  );
  em.line(`${s.to.buf}[${t} + $q] = $acc;`);
  em.dedent("}");
  em.dedent("}");
  em.dedent("}");
}

/** One statement as JavaScript (exported for backends that render some statements themselves). */
export function emitStmt(em: Emitter, s: Stmt, inLoop: boolean): void {
  switch (s.kind) {
    case "loop": {
      em.comment(s.doc);
      em.indent(
        s.reverse
          ? `for (let ${V.t} = ${V.T} - 1; ${V.t} >= 0; ${V.t}--) {`
          : `for (let ${V.t} = 0; ${V.t} < ${V.T}; ${V.t}++) {`,
      );
      em.line(`const ${V.tB}0 = ${V.t} * ${V.B}, ${V.tB}1 = ${V.tB}0 + ${V.B};`);
      for (const b of s.body) emitStmt(em, b, true);
      em.dedent("}");
      return;
    }
    case "map":
      return emitMap(em, s, inLoop);
    case "gemm":
      return emitGemm(em, s, inLoop);
    case "transpose":
      return emitTranspose(em, s, inLoop);
    case "gather": {
      em.comment(s.doc);
      openRows(em, s.rows);
      const b = new Bases(em, s.rows, inLoop);
      const [f, t] = [b.at(s.from), b.at(s.to)];
      em.line(
        `for (let $k = 0; $k < ${s.width}; $k++) ${s.to.buf}[${t} + ${s.toIndex}[$k]] = ${s.from.buf}[${f} + ${s.index}[$k]];`,
      );
      em.dedent("}");
      return;
    }
    case "reduce": {
      em.comment(s.doc);
      openRows(em, s.rows);
      const b = new Bases(em, s.rows, inLoop);
      const [f, t] = [b.at(s.from), b.at(s.to)];
      em.indent(`for (let $k = 0; $k < ${s.width}; $k++) {`);
      em.line(`const $pk = ${f} + ${s.base}[$k];`);
      em.line(`let $acc = ${numberLiteral(s.init)};`);
      const x = `${s.from.buf}[$pk + $i * ${s.stride}]`;
      em.line(
        `for (let $i = 0; $i < ${s.count}; $i++) $acc = ${scalarJs(s.combine, ["$acc", x])};`,
      );
      const fin = s.finish ? scalarJs(s.finish, ["$acc", s.count]) : "$acc";
      em.line(`${s.to.buf}[${t} + $k] = ${fin};`);
      em.dedent("}");
      em.dedent("}");
      return;
    }
    case "scan":
      return emitScan(em, s, inLoop);
    case "product": {
      em.comment(s.doc);
      openRows(em, s.rows);
      const b = new Bases(em, s.rows, inLoop);
      const [a, v, t] = [b.at(s.a), b.at(s.b), b.at(s.to)];
      if (s.op === "outer") {
        em.line(
          `for (let $i = 0; $i < ${s.m}; $i++) for (let $j = 0; $j < ${s.n}; $j++) ${s.to.buf}[${t} + $i * ${s.n} + $j] = ${s.a.buf}[${a} + $i] * ${s.b.buf}[${v} + $j];`,
        );
      } else if (s.op === "matvec") {
        em.indent(`for (let $i = 0; $i < ${s.m}; $i++) {`);
        em.line("let $acc = 0;");
        em.line(
          `for (let $k = 0; $k < ${s.k}; $k++) $acc += ${s.a.buf}[${a} + $i * ${s.k} + $k] * ${s.b.buf}[${v} + $k];`,
        );
        em.line(`${s.to.buf}[${t} + $i] = $acc;`);
        em.dedent("}");
      } else {
        em.indent(`for (let $i = 0; $i < ${s.m}; $i++) for (let $j = 0; $j < ${s.n}; $j++) {`);
        em.line("let $acc = 0;");
        em.line(
          `for (let $k = 0; $k < ${s.k}; $k++) $acc += ${s.a.buf}[${a} + $i * ${s.k} + $k] * ${s.b.buf}[${v} + $k * ${s.n} + $j];`,
        );
        em.line(`${s.to.buf}[${t} + $i * ${s.n} + $j] = $acc;`);
        em.dedent("}");
      }
      em.dedent("}");
      return;
    }
    case "colsum":
    case "copy":
    case "fill": {
      em.comment(s.doc);
      openRows(em, s.rows);
      const b = new Bases(em, s.rows, inLoop);
      if (s.kind === "colsum" && s.also?.length) {
        // one pass over the rows for every destination of the same column sums
        const adds = [s.to, ...s.also].map((l) => `${l.buf}[${b.at(l)} + $j] += $v;`);
        em.line(
          `for (let $j = 0; $j < ${s.width}; $j++) { const $v = ${s.from.buf}[${b.at(s.from)} + $j]; ${adds.join(" ")} }`,
        );
        em.dedent("}");
        return;
      }
      const t = b.at(s.to);
      const rhs =
        s.kind === "fill" ? numberLiteral(s.value) : `${s.from.buf}[${b.at(s.from)} + $j]`;
      const op = s.kind === "colsum" ? "+=" : "=";
      em.line(`for (let $j = 0; $j < ${s.width}; $j++) ${s.to.buf}[${t} + $j] ${op} ${rhs};`);
      em.dedent("}");
      return;
    }
    case "mask": {
      if (s.pairs.length === 0 && s.zero.length === 0) return;
      em.comment(
        s.mode === "hold"
          ? "masked rows (t ≥ len[b]) keep their state"
          : s.mode === "split"
            ? "masked rows pass their cotangent through the step untouched"
            : "masked rows: the cotangent passed through",
      );
      em.indent(
        `if (${V.len} !== null) for (let $r = 0; $r < ${V.B}; $r++) if (${V.t} >= ${V.len}[$r]) {`,
      );
      const b = new Bases(em, "B", inLoop);
      for (const p of s.pairs) {
        const [x, y] = [b.at(p.a), b.at(p.b)];
        if (s.mode === "split")
          em.line(
            `for (let $j = 0; $j < ${p.width}; $j++) { ${p.b.buf}[${y} + $j] = ${p.a.buf}[${x} + $j]; ${p.a.buf}[${x} + $j] = 0; }`,
          );
        else
          em.line(
            `for (let $j = 0; $j < ${p.width}; $j++) ${p.b.buf}[${y} + $j] = ${p.a.buf}[${x} + $j];`,
          );
      }
      for (const z of s.zero)
        em.line(`for (let $j = 0; $j < ${z.width}; $j++) ${z.loc.buf}[${b.at(z.loc)} + $j] = 0;`);
      em.dedent("}");
      return;
    }
    case "maskRows": {
      em.comment(`${s.loc.buf} is zero past each sequence's length`);
      em.indent(
        `if (${V.len} !== null) for (let $r = 0; $r < ${V.TB}; $r++) if ((($r / ${V.B}) | 0) >= ${V.len}[$r % ${V.B}]) {`,
      );
      const b = new Bases(em, "TB", false);
      em.line(`for (let $j = 0; $j < ${s.width}; $j++) ${s.loc.buf}[${b.at(s.loc)} + $j] = 0;`);
      em.dedent("}");
      return;
    }
    case "swap":
      for (const [a, b] of s.pairs) em.line(`{ const $tmp = ${a}; ${a} = ${b}; ${b} = $tmp; }`);
      return;
  }
}

function emitMap(em: Emitter, s: Extract<Stmt, { kind: "map" }>, inLoop: boolean): void {
  for (const l of s.lets) em.comment(l.doc);
  openRows(em, s.rows);
  const b = new Bases(em, s.rows, inLoop);
  const vec = s.width !== 1; // width 0 (e.g. H = 0) still needs its (empty) j loop
  const scalars = new Map<string, string>();
  const ref = (o: Operand): JsOperand => {
    switch (o.kind) {
      case "let":
        return o.name;
      case "lit":
        return o.value;
      case "load": {
        if (o.width === 1) {
          const at = b.at(o.loc);
          const key = `${o.loc.buf}[${at}]`;
          if (!vec) return key;
          let n = scalars.get(key);
          if (!n) {
            n = em.name("s");
            scalars.set(key, n);
            em.line(`const ${n} = ${key};`);
          }
          return n;
        }
        const at = b.at(o.loc);
        return o.index ? `${o.loc.buf}[${at} + ${o.index}[$j]]` : `${o.loc.buf}[${at} + $j]`;
      }
    }
  };
  // resolve operands (and hoist row bases) before opening the element loop
  const resolved = s.lets.map((l) => l.args.map(ref));
  const targets = s.stores.map((st) => `${st.to.buf}[${b.at(st.to, vec ? " + $j" : "")}]`);
  if (vec) em.indent(`for (let $j = 0; $j < ${s.width}; $j++) {`);
  s.lets.forEach((l, i) => em.line(`const ${l.name} = ${scalarJs(l.expr, resolved[i]!)};`));
  s.stores.forEach((st, i) => em.line(`${targets[i]} = ${st.from};`));
  if (vec) em.dedent("}");
  em.dedent("}");
}

/** Offset of row 0 and leading dimension of a gemm/transpose operand (the wasm backend's too). */
export function operandAt(l: Loc, m: Dim, inLoop: boolean): [string, string] {
  const col = l.col ? ` + ${l.col}` : "";
  switch (l.scope) {
    case "cols":
      return [l.col ? `${l.col} * ${V.TB}` : "0", V.TB];
    case "static":
    case "row":
      return [String(l.col), String(l.ld)];
    case "time":
      if (inLoop && m === "B") return [`${V.tB}${l.shift} * ${l.ld}${col}`, String(l.ld)];
      return [l.shift ? `${V.B} * ${l.shift * l.ld}${col}` : String(l.col), String(l.ld)];
  }
}

/** A row count as emitted: the sweep's `$B`, `$TB`, or a number. */
export const dimText = (d: Dim): string => (d === "B" ? V.B : d === "TB" ? V.TB : String(d));

function emitGemm(em: Emitter, s: Extract<Stmt, { kind: "gemm" }>, inLoop: boolean): void {
  em.comment(s.doc);
  const [ao, lda] = operandAt(s.a, s.m, inLoop);
  const [po, ldp] = operandAt(s.p, s.m, inLoop);
  const [co, ldc] = operandAt(s.c, s.m, inLoop);
  em.line(
    `$gemm(${dimText(s.m)}, ${s.n}, ${dimText(s.k)}, ${s.a.buf}, ${ao}, ${lda}, ${s.p.buf}, ${po}, ${ldp}, ${s.c.buf}, ${co}, ${ldc}, ${s.accumulate});`,
  );
}

function emitTranspose(
  em: Emitter,
  s: Extract<Stmt, { kind: "transpose" }>,
  inLoop: boolean,
): void {
  em.comment(s.doc);
  const [fo, ldf] = operandAt(s.from, s.m, inLoop);
  const [to, ldt] =
    s.to.scope === "cols" ? operandAt(s.to, s.m, inLoop) : [String(s.to.col), String(s.to.ld)];
  em.line(
    `$transpose(${dimText(s.m)}, ${s.n}, ${s.from.buf}, ${fo}, ${ldf}, ${s.to.buf}, ${to}, ${ldt});`,
  );
}

/** Module-level constant tables. */
export function emitConsts(em: Emitter, consts: readonly BufferDecl[]): void {
  for (const c of consts) {
    em.line(
      `const ${c.name} = new ${TYPED[c.type]}([${(c.data ?? []).map(numberLiteral).join(", ")}]); // ${commentText(c.doc)}`,
    );
  }
}
