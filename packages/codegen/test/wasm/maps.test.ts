/**
 * Float32 maps rendered into WebAssembly (maps.ts) against the scalar IR's semantics
 * (`evalScalar` on the float32 inputs, rounded to float32): every operation of the IR that the
 * renderer takes, on rows with a leading dimension, a width that leaves a tail (7 = 4 + 3), a
 * broadcast (width-1) operand, literals, earlier lets, and the special values. The loop's two
 * column vectors an iteration, rendered let by let, against the same map one vector at a time,
 * bit for bit, over every width up to 19; a map that stores what a later column loads keeps
 * the order of one vector at a time.
 */
import { evalScalar, S, type Scalar } from "@gated/graph";
import { describe, expect, it } from "vitest";
import { ModuleBuilder, simdSupported } from "../../src/backends/wasm/encoder.js";
import { addMap, ZIP } from "../../src/backends/wasm/maps.js";
import type { Loc, Stmt } from "../../src/schedule/schedule.js";
import { instantiate } from "./instantiate.js";

type MapStmt = Extract<Stmt, { kind: "map" }>;
const W = 7;
const LD = 9;
const R = 3;
const row = (buf: string, ld = LD): Loc => ({ buf, scope: "row", ld, col: 0, shift: 0 });
const [a, b, c] = [S.arg(0), S.arg(1), S.arg(2)];

const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 3, Infinity, -Infinity, NaN, 1e-40, -1e-40, 88, -90, 1e4];

/** A map v = expr(x, y, z), then u = v·x + 1 (an earlier let and a literal), stored to out, out2. */
function mapOf(expr: Scalar): MapStmt {
  const load = (buf: string, width = W) => ({ kind: "load" as const, loc: row(buf), width });
  return {
    kind: "map",
    rows: "B",
    width: W,
    lets: [
      { name: "v", op: "t", args: [load("x"), load("y"), load("z", 1)], expr, doc: "" },
      {
        name: "u",
        op: "t",
        args: [{ kind: "let", name: "v" }, load("x"), { kind: "lit", value: 1 }],
        expr: S.add(S.mul(a, b), c),
        doc: "",
      },
    ],
    stores: [
      { from: "v", to: row("out") },
      { from: "u", to: row("out2") },
    ],
  };
}

const bits = new Int32Array(1);
const flt = new Float32Array(bits.buffer);
function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (Object.is(got, want)) return 0;
  if (!Number.isFinite(want) || !Number.isFinite(got) || (got === 0 && want === 0)) return Infinity;
  const ord = (x: number) => {
    flt[0] = x;
    return bits[0]! < 0 ? -(bits[0]! & 0x7fffffff) : bits[0]!;
  };
  return Math.abs(ord(got) - ord(want));
}

const CASES: [string, Scalar, number][] = [
  ["add", S.add(a, b), 0],
  ["sub", S.sub(a, b), 0],
  ["mul", S.mul(a, c), 0],
  ["div", S.div(a, b), 0],
  ["neg", S.neg(a), 0],
  ["abs", S.abs(a), 0],
  ["sqrt", S.sqrt(a), 0],
  ["max", S.max(a, b), 0],
  ["min", S.min(a, b), 0],
  ["sign", S.sign(a), 0],
  ["lt", S.lt(a, b), 0],
  ["le", S.le(a, b), 0],
  ["gt", S.gt(a, c), 0],
  ["ge", S.ge(a, b), 0],
  ["eq", S.eq(a, b), 0],
  ["select on a value (NaN and -0 count as ≠ 0 / = 0)", S.select(a, b, c), 0],
  ["select on a comparison", S.select(S.lt(a, b), a, S.mul(b, 2)), 0],
  ["exp", S.exp(a), 1],
  ["log", S.log(a), 1],
  ["log1p", S.log1p(a), 2],
  ["tanh", S.tanh(a), 1],
  [
    "σ's stable form (one exp)",
    S.select(S.ge(a, 0), S.div(1, S.add(1, S.exp(S.neg(a)))), S.div(S.exp(a), S.add(1, S.exp(a)))),
    2,
  ],
];

describe.skipIf(!simdSupported())("float32 maps in WebAssembly vs evalScalar", () => {
  for (const [name, expr, bound] of CASES)
    it(`${name}: within ${bound} ulp, rows with a leading dimension, a tail, a broadcast`, () => {
      const m = new ModuleBuilder(1);
      const locs = addMap(m, mapOf(expr), "map0");
      expect(locs).not.toBeNull();
      const { mem, ex } = instantiate<Record<string, (...a: number[]) => void>>(m.encode());
      // one region per buffer; x, y from the specials and a sweep, z (width 1) per row
      const n = R * LD;
      const at: Record<string, number> = {};
      ["x", "y", "z", "out", "out2"].forEach((k, i) => {
        at[k] = 1024 + i * 4 * n;
      });
      const view = (k: string) => new Float32Array(mem.buffer, at[k]!, n);
      const rnd = (i: number) => Math.sin(i * 12.9898) * 43758.5453;
      for (let i = 0; i < n; i++) {
        view("x")[i] = i < SPECIAL.length ? SPECIAL[i]! : (rnd(i) % 20) - 1;
        view("y")[i] = SPECIAL[(i * 7) % SPECIAL.length]!;
        view("z")[i] = i % 2 ? -1.5 : 0;
      }
      view("out").fill(12345);
      view("out2").fill(12345);
      ex["map0"]!(R, ...locs!.map((l) => at[l.loc.buf]!));
      let worst = 0;
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < LD; j++) {
          const i = r * LD + j;
          if (j >= W) {
            // past the width: untouched
            expect(view("out")[i]).toBe(12345);
            continue;
          }
          const x = view("x")[i]!;
          const y = view("y")[i]!;
          const z = view("z")[r * LD]!;
          const v = Math.fround(evalScalar(expr, [x, y, z]));
          worst = Math.max(worst, ulps(view("out")[i]!, v));
          // float32 arithmetic rounds each operation: u = (v·x) + 1
          const u = Math.fround(Math.fround(view("out")[i]! * x) + 1);
          expect(ulps(view("out2")[i]!, u)).toBe(0);
        }
      }
      expect(worst).toBeLessThanOrEqual(bound);
    });

  it("locations of one buffer that differ only in the column share one pointer (offsets)", () => {
    // v = x[:, 0:7] · x[:, 9:16] + z (z at column 2, width 1), stored to o[:, 8:15] and o[:, 1:8];
    // rows of 17 (odd), both x blocks and both o blocks one parameter each
    const ld = 17;
    const at = (buf: string, col: number): Loc => ({ ...row(buf, ld), col });
    const load = (loc: Loc, width = W) => ({ kind: "load" as const, loc, width });
    const s: MapStmt = {
      kind: "map",
      rows: "B",
      width: W,
      lets: [
        {
          name: "v",
          op: "t",
          args: [load(at("x", 0)), load(at("x", 9)), load(at("x", 2), 1)],
          expr: S.add(S.mul(a, b), c),
          doc: "",
        },
      ],
      stores: [
        { from: "v", to: at("o", 8) },
        { from: "v", to: at("o", 1) },
      ],
    };
    const m = new ModuleBuilder(1);
    const locs = addMap(m, s, "map0")!;
    expect(locs.map((l) => [l.loc.buf, l.loc.col, l.strideBytes])).toEqual([
      ["x", 0, 4 * ld],
      ["o", 1, 4 * ld],
    ]);
    const { mem, ex } = instantiate<Record<string, (...a: number[]) => void>>(m.encode());
    const n = R * ld;
    const x = new Float32Array(mem.buffer, 1024, n);
    const o = new Float32Array(mem.buffer, 1024 + 4 * n, n);
    for (let i = 0; i < n; i++) x[i] = Math.fround(Math.sin(i) * 10);
    o.fill(12345);
    ex["map0"]!(R, 1024 + 4 * 0, 1024 + 4 * n + 4 * 1);
    for (let r = 0; r < R; r++)
      for (let j = 0; j < ld; j++) {
        const v = (q: number) =>
          Math.fround(Math.fround(x[r * ld + q]! * x[r * ld + 9 + q]!) + x[r * ld + 2]!);
        const want = j >= 8 && j < 15 ? v(j - 8) : j >= 1 && j < 8 ? v(j - 1) : 12345;
        expect(o[r * ld + j]).toBe(want);
      }
  });

  it(`${ZIP} column vectors an iteration, let by let: bit for bit one at a time, widths 1–19`, () => {
    // an LSTM-like chain: v = σ(x)·tanh(y) + z (z broadcast), u = tanh(v)·σ(y), stored to out,
    // out2; each width leaves whole iterations, a last vector and/or a tail of 1–3 lanes
    const sig = (q: Scalar) =>
      S.select(
        S.ge(q, 0),
        S.div(1, S.add(1, S.exp(S.neg(q)))),
        S.div(S.exp(q), S.add(1, S.exp(q))),
      );
    const ld = 23;
    const load = (buf: string, width: number) => ({
      kind: "load" as const,
      loc: row(buf, ld),
      width,
    });
    const mapW = (w: number): MapStmt => ({
      kind: "map",
      rows: "B",
      width: w,
      lets: [
        {
          name: "v",
          op: "t",
          args: [load("x", w), load("y", w), load("z", 1)],
          expr: S.add(S.mul(sig(a), S.tanh(b)), c),
          doc: "",
        },
        {
          name: "u",
          op: "t",
          args: [{ kind: "let", name: "v" }, load("y", w)],
          expr: S.mul(S.tanh(a), sig(b)),
          doc: "",
        },
      ],
      stores: [
        { from: "v", to: row("out", ld) },
        { from: "u", to: row("out2", ld) },
      ],
    });
    const m = new ModuleBuilder(1);
    const locs: Record<string, ReturnType<typeof addMap>> = {};
    for (let w = 1; w <= 19; w++) {
      locs[`z${w}`] = addMap(m, mapW(w), `z${w}`);
      locs[`o${w}`] = addMap(m, mapW(w), `o${w}`, 1);
    }
    const { mem, ex } = instantiate<Record<string, (...a: number[]) => void>>(m.encode());
    const n = R * ld;
    const at = (k: string) => 1024 + ["x", "y", "z", "out", "out2"].indexOf(k) * 4 * n;
    const f32 = (k: string) => new Float32Array(mem.buffer, at(k), n);
    for (let i = 0; i < n; i++) {
      f32("x")[i] = i < SPECIAL.length ? SPECIAL[i]! : Math.sin(i * 1.7) * 12;
      f32("y")[i] = SPECIAL[(i * 5) % SPECIAL.length]! + Math.cos(i) * 3;
      f32("z")[i] = i % 3 ? -0.75 : 2;
    }
    const run = (name: string) => {
      f32("out").fill(12345);
      f32("out2").fill(12345);
      ex[name]!(R, ...locs[name]!.map((l) => at(l.loc.buf)));
      return [...new Uint32Array(mem.buffer, at("out"), 2 * n)];
    };
    for (let w = 1; w <= 19; w++) expect([w, run(`z${w}`)]).toEqual([w, run(`o${w}`)]);
  });

  it("a map that stores what a later column loads: the order of one element after another", () => {
    // x[:, d:d+12] ← x[:, 0:12] + 1: column j + d is written from the value column j got d
    // elements earlier, a chain through the row; d = 4 (one vector) runs one vector at a time,
    // d = 8 (two) and 16 interleaved
    for (const d of [4, 8, 16]) chain(d);
  });
  const chain = (d: number) => {
    const ld = 32;
    const w = 12;
    const at = (col: number): Loc => ({ ...row("x", ld), col });
    const s: MapStmt = {
      kind: "map",
      rows: "B",
      width: w,
      lets: [
        {
          name: "v",
          op: "t",
          args: [{ kind: "load", loc: at(0), width: w }],
          expr: S.add(a, 1),
          doc: "",
        },
      ],
      stores: [{ from: "v", to: at(d) }],
    };
    const m = new ModuleBuilder(1);
    const locs = addMap(m, s, "map0")!;
    const { mem, ex } = instantiate<Record<string, (...a: number[]) => void>>(m.encode());
    const x = new Float32Array(mem.buffer, 1024, R * ld);
    for (let i = 0; i < x.length; i++) x[i] = i * 0.5;
    const want = Float32Array.from(x);
    for (let r = 0; r < R; r++)
      for (let j = 0; j < w; j++) want[r * ld + d + j] = Math.fround(want[r * ld + j]! + 1);
    ex["map0"]!(R, ...locs.map(() => 1024));
    expect([d, ...x]).toEqual([d, ...want]);
  };

  it("a map with pow, a gathered load or a cols location stays JavaScript", () => {
    const m = new ModuleBuilder(1);
    expect(addMap(m, mapOf(S.pow(a, b)), "p")).toBeNull();
    const gathered = mapOf(S.add(a, b));
    const lets = [
      {
        ...gathered.lets[0]!,
        args: [{ kind: "load" as const, loc: row("x"), width: W, index: "ix" }],
      },
    ];
    expect(addMap(m, { ...gathered, lets }, "g")).toBeNull();
    const cols = {
      ...gathered,
      stores: [{ from: "v", to: { ...row("out"), scope: "cols" as const } }],
    };
    expect(addMap(m, cols, "c")).toBeNull();
  });
});
