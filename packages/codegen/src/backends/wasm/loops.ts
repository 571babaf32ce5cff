/**
 * A sweep's time loop as one WebAssembly function: when every statement of the loop can run in
 * the module (a product on a packed static operand, a map rendered by maps.ts, a static column
 * sum, a copy of step rows, the length masks, swaps of step buffers), the loop becomes
 * `loop_<n>(T, B, len, pack, a_0, …)`: the sizes, the byte address of the lengths (Int32, 0 when
 * every row runs all T steps), of the pack area, and of each buffer the loop uses, in order. It
 * packs the static operands once, then for each step computes every statement's addresses from
 * t and calls the module's functions (gemm_<t>, colsum_<t>, the map) directly: one call from
 * JavaScript per sweep instead of several per step. The arithmetic is the same functions' on the
 * same addresses as the JavaScript loop's calls, so the results are bitwise the same; copies and
 * masks move elements as 32-bit words (bit for bit).
 *
 * Swaps exchange the buffers' addresses inside the function; the caller's names are swapped to
 * match afterwards (once when T is odd: a step's swaps are an involution). A loop with any other
 * statement (a reduce, a JavaScript map) stays a JavaScript loop.
 */
import type { Loc, Proc, Stmt } from "../../schedule/schedule.js";
import { touched } from "../../schedule/writes.js";
import { Func, type Local, type ModuleBuilder } from "./encoder.js";
import { type Elem, elemBytes, forRange } from "./gemm.js";
import type { MapLoc } from "./maps.js";

type LoopStmt = Extract<Stmt, { kind: "loop" }>;

/** A time loop rendered into the module. */
export interface WasmLoop {
  /** Its export. */
  readonly name: string;
  /** The buffers whose byte addresses it takes after (T, B, len, pack), in order. */
  readonly bufs: readonly string[];
  /** A step's swaps, in order (applied to the caller's names after the call). */
  readonly swaps: readonly (readonly [string, string])[];
  /** Whether a step's swaps undo themselves when applied twice (then T mod 2 of them suffice). */
  readonly involution: boolean;
}

/** What the loop's statements need from the rest of the backend. */
export interface LoopContext {
  readonly t: Elem;
  /** The float32 maps rendered into the module: export name and locations. */
  readonly maps: ReadonlyMap<Stmt, { readonly name: string; readonly locs: readonly MapLoc[] }>;
  /** A product's packed slot: byte offset from the pack area's start. */
  readonly slot: (s: Stmt) => { readonly at: number } | undefined;
}

const inMemory = (l: Loc): boolean => l.scope !== "cols";

/** Whether the module can run the statement inside the loop. */
function runs(s: Stmt, ctx: LoopContext, swapped: ReadonlySet<string>): boolean {
  switch (s.kind) {
    case "gemm":
      return (
        s.m === "B" &&
        typeof s.k === "number" &&
        s.p.scope === "static" &&
        !swapped.has(s.p.buf) &&
        ctx.slot(s) !== undefined &&
        inMemory(s.a) &&
        inMemory(s.c)
      );
    case "map":
      return s.rows !== "TB" && ctx.maps.has(s);
    case "mask":
      return [...s.pairs.flatMap((p) => [p.a, p.b]), ...s.zero.map((z) => z.loc)].every(inMemory);
    case "copy":
      return s.rows !== "TB" && inMemory(s.from) && inMemory(s.to);
    case "colsum":
      return s.rows !== "TB" && s.to.scope === "static" && inMemory(s.from);
    case "swap":
      return true;
    default:
      return false;
  }
}

/**
 * A column sum's destinations in calls: its first two together (colsum2_<t>: one pass over the
 * rows, each destination's additions in colsum_<t>'s order) where they are apart from each other
 * and from the rows summed, the rest one by one.
 */
export function colsumCalls(s: Extract<Stmt, { kind: "colsum" }>): Loc[][] {
  const [to, ...also] = [s.to, ...(s.also ?? [])] as [Loc, ...Loc[]];
  const apart = (a: Loc, b: Loc): boolean =>
    a.buf !== b.buf || a.col + s.width <= b.col || b.col + s.width <= a.col;
  const second = also[0];
  if (
    second &&
    apart(to, second) &&
    to.buf !== s.from.buf &&
    second.buf !== s.from.buf &&
    to.scope === "static" &&
    second.scope === "static"
  )
    return [[to, second], ...also.slice(1).map((l) => [l])];
  return [to, ...also].map((l) => [l]);
}

/** A step's swaps applied twice leave every name where it was. */
function isInvolution(swaps: readonly (readonly [string, string])[]): boolean {
  const names = [...new Set(swaps.flat())];
  const apply = (m: Map<string, string>) => {
    for (const [a, b] of swaps) {
      const x = m.get(a)!;
      m.set(a, m.get(b)!);
      m.set(b, x);
    }
  };
  const m = new Map(names.map((n) => [n, n]));
  apply(m);
  apply(m);
  return names.every((n) => m.get(n) === n);
}

/**
 * Renders the loop into the module as `name`, or returns null (the loop stays JavaScript) when
 * a statement cannot run there or names a buffer outside the sweep's memory.
 */
export function addLoop(
  m: ModuleBuilder,
  proc: Proc,
  loop: LoopStmt,
  name: string,
  ctx: LoopContext,
): WasmLoop | null {
  const swaps = loop.body.flatMap((s) => (s.kind === "swap" ? s.pairs : []));
  const swapped = new Set(swaps.flat());
  if (!loop.body.every((s) => runs(s, ctx, swapped))) return null;
  const bufs = [...new Set(loop.body.flatMap(touched))];
  const declared = new Set(proc.buffers.map((b) => b.name));
  if (!bufs.every((b) => declared.has(b))) return null;
  const es = elemBytes(ctx.t);
  const gemm = m.exported(`gemm_${ctx.t}`);
  const pack = m.exported(`pack_${ctx.t}`);
  const colsum = m.exported(`colsum_${ctx.t}`);
  const colsum2 = m.exported(`colsum2_${ctx.t}`);

  const f = new Func(["i32", "i32", "i32", "i32", ...bufs.map(() => "i32" as const)]);
  const [T, B, len, packAt, ...ps] = f.params as [Local, Local, Local, Local, ...Local[]];
  const base = new Map(bufs.map((b, i) => [b, ps[i]!]));
  const t = f.local("i32");
  const tB = f.local("i32");
  const r = f.local("i32");
  const j = f.local("i32");
  const tmp = f.local("i32");
  const src = f.local("i32");
  const dst = f.local("i32");

  /** Pushes the byte address of row 0 (or row `row`) of a location at this step. */
  const addr = (l: Loc, rows: "one" | "B", row?: Local): void => {
    f.get(base.get(l.buf)!);
    const time = rows === "B" && l.scope === "time";
    if (time || (rows === "B" && l.scope === "row" && row)) {
      // element ((t + shift)·B + r)·ld (time) or r·ld (row), then + col
      if (time) {
        f.get(tB);
        if (l.shift) f.get(B).i32(l.shift).op("i32.mul").op("i32.add");
        if (row) f.get(row).op("i32.add");
      } else f.get(row!);
      f.i32(es * l.ld)
        .op("i32.mul")
        .op("i32.add");
    }
    if (l.col) f.i32(es * l.col).op("i32.add");
  };
  /** for each 32-bit word k of n elements from dst: body(), with j = 4k (bytes). */
  const words = (n: number, body: () => void): void => {
    const count = (n * es) / 4;
    if (count === 0) return;
    forRange(
      f,
      j,
      () => f.i32(0),
      () => f.i32(4 * count),
      4,
      body,
    );
  };
  /** dst[k] = src[k] (and src[k] = 0 when `clear`) for k < n elements, as 32-bit words. */
  const move = (n: number, clear: boolean): void =>
    words(n, () => {
      f.get(dst).get(j).op("i32.add");
      f.get(src).get(j).op("i32.add").op("i32.load", 0);
      f.op("i32.store", 0);
      if (clear) f.get(src).get(j).op("i32.add").i32(0).op("i32.store", 0);
    });
  const zero = (n: number): void =>
    words(n, () => f.get(dst).get(j).op("i32.add").i32(0).op("i32.store", 0));
  /** for r < B (or the one row): body(r). */
  const eachRow = (rows: "one" | "B", body: () => void): void => {
    if (rows === "one") {
      body();
      return;
    }
    forRange(
      f,
      r,
      () => f.i32(0),
      () => f.get(B),
      1,
      body,
    );
  };

  const stmt = (s: Stmt): void => {
    switch (s.kind) {
      case "gemm": {
        const at = ctx.slot(s)!.at;
        f.get(B)
          .i32(s.n)
          .i32(s.k as number);
        addr(s.a, "B");
        f.i32(s.a.ld);
        f.get(packAt).i32(at).op("i32.add");
        addr(s.c, "B");
        f.i32(s.c.ld)
          .i32(s.accumulate ? 1 : 0)
          .op("call", gemm);
        return;
      }
      case "map": {
        const mp = ctx.maps.get(s)!;
        const rows = s.rows === "one" ? "one" : "B";
        if (rows === "one") f.i32(1);
        else f.get(B);
        for (const x of mp.locs) addr(x.loc, rows);
        f.op("call", m.exported(mp.name));
        return;
      }
      case "colsum": {
        const rows = s.rows === "one" ? "one" : "B";
        const ld = rows === "one" || s.from.scope === "static" ? 0 : s.from.ld;
        for (const tos of colsumCalls(s)) {
          if (rows === "one") f.i32(1);
          else f.get(B);
          f.i32(s.width);
          addr(s.from, rows);
          f.i32(ld);
          for (const to of tos) addr(to, "one");
          f.op("call", tos.length === 2 ? colsum2 : colsum);
        }
        return;
      }
      case "copy": {
        const rows = s.rows === "one" ? "one" : "B";
        eachRow(rows, () => {
          addr(s.from, rows, rows === "B" ? r : undefined);
          f.set(src);
          addr(s.to, rows, rows === "B" ? r : undefined);
          f.set(dst);
          move(s.width, false);
        });
        return;
      }
      case "mask": {
        if (s.pairs.length === 0 && s.zero.length === 0) return;
        // rows with t ≥ len[r], when there are lengths
        f.get(len).op("if");
        eachRow("B", () => {
          f.get(t).get(len).get(r).i32(4).op("i32.mul").op("i32.add").op("i32.load", 0);
          f.op("i32.ge_s").op("if");
          for (const p of s.pairs) {
            addr(p.a, "B", r);
            f.set(src);
            addr(p.b, "B", r);
            f.set(dst);
            move(p.width, s.mode === "split");
          }
          for (const z of s.zero) {
            addr(z.loc, "B", r);
            f.set(dst);
            zero(z.width);
          }
          f.op("end");
        });
        f.op("end");
        return;
      }
      case "swap":
        for (const [a, b] of s.pairs) {
          const [x, y] = [base.get(a)!, base.get(b)!];
          f.get(x).set(tmp).get(y).set(x).get(tmp).set(y);
        }
        return;
      default:
        throw new Error(`internal: wasm loop: ${s.kind} cannot run in the module`);
    }
  };

  // the static operands, packed once before the first step
  for (const s of loop.body) {
    if (s.kind !== "gemm") continue;
    f.get(base.get(s.p.buf)!);
    if (s.p.col) f.i32(es * s.p.col).op("i32.add");
    f.i32(s.p.ld)
      .i32(s.n)
      .i32(s.k as number);
    f.get(packAt).i32(ctx.slot(s)!.at).op("i32.add").op("call", pack);
  }
  const body = () => {
    f.get(t).get(B).op("i32.mul").set(tB);
    for (const s of loop.body) stmt(s);
  };
  if (loop.reverse) {
    // for (t = T − 1; t ≥ 0; t--)
    f.get(T).i32(1).op("i32.sub").set(t);
    f.op("block").op("loop");
    f.get(t).i32(0).op("i32.lt_s").op("br_if", 1);
    body();
    f.get(t).i32(1).op("i32.sub").set(t).op("br", 0).op("end").op("end");
  } else
    forRange(
      f,
      t,
      () => f.i32(0),
      () => f.get(T),
      1,
      body,
    );
  m.add(f, name);
  return { name, bufs, swaps, involution: isInvolution(swaps) };
}
