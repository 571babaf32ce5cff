/**
 * Fused float32 `map` statements as WebAssembly functions: for each row, the lets (scalar-IR
 * trees over loads, earlier lets and literals) in f32x4 lanes, two column vectors (eight
 * elements) per iteration, then a last vector and a tail of width mod 4 elements through the
 * same vector code (lanes loaded and stored one by one). Common subtrees are computed once; σ's
 * stable form becomes one exp (vmath.ts).
 *
 * The two vectors of an iteration are rendered let by let (the first let for both, then the
 * second, …), their stores after all their lets: an LSTM's step map is a chain through two
 * transcendentals (a gate's tanh, then tanh(c′)) of ~500 instructions per vector, more than
 * the core's reorder window holds, so one vector after another runs at the chain's latency;
 * interleaved, the two chains overlap (measured: the map 20–40% faster across the catalogue's
 * gated cells, see the backend's README). Each element gets the same operations as before, so
 * the results are the same bits. The loads of both vectors come before the stores of either, so
 * a map whose first vector would store what its second loads runs one vector at a time
 * (`zippable`).
 *
 * A map function takes (R, p_0, …, p_{n−1}): the row count and the byte address of row 0 of each
 * location it returns (`addMap`): one per group of the locations it reads or writes that differ
 * only in the column (the group's smallest column; the others are constant memarg offsets from
 * it, so an LSTM's four gate blocks of x_proj are one pointer); rows advance by each location's
 * leading dimension. Maps the renderer does not take (gathered loads, `cols` locations, `pow`)
 * stay JavaScript.
 */
import type { Scalar } from "@gated/graph";
import type { Loc, Operand, Stmt } from "../../schedule/schedule.js";
import { Func, type Local, type ModuleBuilder } from "./encoder.js";
import { forRange } from "./gemm.js";
import { expF32, log1pF32, logF32, sigmoidF32, signF32, tanhF32, tmp } from "./vmath.js";

type MapStmt = Extract<Stmt, { kind: "map" }>;

const UNARY: Record<string, string> = {
  neg: "f32x4.neg",
  sqrt: "f32x4.sqrt",
  abs: "f32x4.abs",
};
const BINARY: Record<string, string> = {
  add: "f32x4.add",
  sub: "f32x4.sub",
  mul: "f32x4.mul",
  div: "f32x4.div",
  max: "f32x4.max",
  min: "f32x4.min",
};
const COMPARE: Record<string, string> = {
  lt: "f32x4.lt",
  le: "f32x4.le",
  gt: "f32x4.gt",
  ge: "f32x4.ge",
  eq: "f32x4.eq",
};
const FN: Record<string, (f: Func, x: Local) => void> = {
  exp: expF32,
  log: logF32,
  log1p: log1pF32,
  tanh: tanhF32,
  sign: signF32,
};

/** Whether the tree uses only operations this renderer has. */
function renderable(s: Scalar): boolean {
  if (s.k !== "op") return true;
  const known =
    s.op in UNARY || s.op in BINARY || s.op in COMPARE || s.op in FN || s.op === "select";
  return known && s.args.every(renderable);
}

const sameTree = (a: Scalar, b: Scalar): boolean => JSON.stringify(a) === JSON.stringify(b);

/** σ's stable form select(x ≥ 0, 1/(1 + e^−x), e^x/(1 + e^x)): its x, or null. */
function sigmoidArg(s: Scalar): Scalar | null {
  if (s.k !== "op" || s.op !== "select") return null;
  const [c, a, b] = s.args;
  if (c?.k !== "op" || c.op !== "ge" || !c.args[1] || c.args[1].k !== "const" || c.args[1].v !== 0)
    return null;
  const x = c.args[0]!;
  const one = { k: "const", v: 1 } as const;
  const ex = { k: "op", op: "exp", args: [x] } as const;
  const want = {
    k: "op",
    op: "select",
    args: [
      c,
      {
        k: "op",
        op: "div",
        args: [
          one,
          {
            k: "op",
            op: "add",
            args: [one, { k: "op", op: "exp", args: [{ k: "op", op: "neg", args: [x] }] }],
          },
        ],
      },
      { k: "op", op: "div", args: [ex, { k: "op", op: "add", args: [one, ex] }] },
    ],
  } as const;
  return a && b && sameTree(s, want as unknown as Scalar) ? x : null;
}

/** Renders trees over argument locals into v128 locals, each distinct subtree once. */
class TreeRenderer {
  private readonly memo = new Map<string, Local>();
  constructor(private readonly f: Func) {}
  value(s: Scalar, args: readonly Local[]): Local {
    const key = JSON.stringify(s, (k, v) => (k === "i" ? `a${args[v as number]!.index}` : v));
    let l = this.memo.get(key);
    if (!l) {
      l = this.compute(s, args);
      this.memo.set(key, l);
    }
    return l;
  }
  /** An all-ones/zeros lane mask for a condition (a comparison's own mask, else c ≠ 0). */
  private mask(c: Scalar, args: readonly Local[]): Local {
    const f = this.f;
    if (c.k === "op" && c.op in COMPARE) {
      const [x, y] = c.args.map((a) => this.value(a, args));
      return tmp(f, () => f.get(x!).get(y!).op(COMPARE[c.op]!));
    }
    const v = this.value(c, args);
    return tmp(f, () => f.get(v).f32x4(0).op("f32x4.ne"));
  }
  private compute(s: Scalar, args: readonly Local[]): Local {
    const f = this.f;
    if (s.k === "arg") return args[s.i]!;
    if (s.k === "const") return tmp(f, () => f.f32x4(s.v));
    const sx = sigmoidArg(s);
    if (sx) {
      const x = this.value(sx, args);
      return tmp(f, () => sigmoidF32(f, x));
    }
    if (s.op === "select") {
      const [c, a, b] = s.args;
      const m = this.mask(c!, args);
      const [va, vb] = [this.value(a!, args), this.value(b!, args)];
      return tmp(f, () => f.get(va).get(vb).get(m).op("v128.bitselect"));
    }
    const xs = s.args.map((a) => this.value(a, args));
    if (s.op in COMPARE) {
      const m = this.mask(s, args);
      return tmp(f, () => f.get(m).f32x4(1).op("v128.and"));
    }
    if (s.op in FN) return tmp(f, () => FN[s.op]!(f, xs[0]!));
    if (s.op in UNARY) return tmp(f, () => f.get(xs[0]!).op(UNARY[s.op]!));
    return tmp(f, () => f.get(xs[0]!).get(xs[1]!).op(BINARY[s.op]!));
  }
}

/** One location a map function addresses: a pointer parameter and its row stride in bytes. */
export interface MapLoc {
  readonly loc: Loc;
  readonly strideBytes: number;
}

/** Where a location of the map is: its pointer parameter and a constant byte offset from it. */
interface At {
  readonly param: number;
  readonly offset: number;
}

const locKey = (l: Loc) => `${l.buf}|${l.scope}|${l.col}|${l.shift}|${l.ld}`;
/** Locations that differ only in their column: their rows are a constant distance apart. */
const groupKey = (l: Loc) => `${l.buf}|${l.scope}|${l.shift}|${l.ld}`;

/**
 * The pointer parameters of a map (one per group of its locations that differ only in the
 * column: the one with the smallest column, the others at 4·Δcol bytes from it, as memarg
 * offsets) and where each location is; null if the map is not renderable.
 */
function mapLocs(s: MapStmt): { params: MapLoc[]; at: Map<string, At> } | null {
  const all: Loc[] = [];
  for (const l of s.lets) {
    if (!renderable(l.expr)) return null;
    for (const o of l.args) {
      if (o.kind !== "load") continue;
      if (o.index !== undefined || o.loc.scope === "cols") return null;
      all.push(o.loc);
    }
  }
  for (const st of s.stores) {
    if (st.to.scope === "cols") return null;
    all.push(st.to);
  }
  const base = new Map<string, Loc>();
  for (const l of all) {
    const b = base.get(groupKey(l));
    if (!b || l.col < b.col) base.set(groupKey(l), l);
  }
  const index = new Map<string, number>();
  const params: MapLoc[] = [];
  const at = new Map<string, At>();
  for (const l of all) {
    const g = groupKey(l);
    const b = base.get(g)!;
    if (!index.has(g)) {
      index.set(g, params.length);
      const stride = s.rows === "one" || b.scope === "static" ? 0 : 4 * b.ld;
      params.push({ loc: b, strideBytes: stride });
    }
    at.set(locKey(l), { param: index.get(g)!, offset: 4 * (l.col - b.col) });
  }
  return { params, at };
}

/** Column vectors per iteration of a map's loop (rendered let by let, see above). */
export const ZIP = 2;

/**
 * Whether `per` column vectors of the map may be interleaved: the loads of an iteration's later
 * vectors come before the stores of its earlier ones, so no location the map stores may write
 * what a later vector of the same iteration loads. In one buffer, that is a store of the same
 * rows (scope, shift, leading dimension) 1 to 4·per − 1 columns after a load, or any store
 * beside a broadcast load or a load of other rows' layout; other shifts are other rows (a
 * state history's t and t + 1).
 */
function zippable(s: MapStmt, per: number): boolean {
  const loads = s.lets.flatMap((l) =>
    l.args.flatMap((o) => (o.kind === "load" ? [{ loc: o.loc, width: o.width }] : [])),
  );
  return s.stores.every(({ to }) =>
    loads.every(({ loc, width }) => {
      if (loc.buf !== to.buf) return true;
      if (width === 1 || loc.scope !== to.scope || loc.ld !== to.ld) return false;
      if (loc.shift !== to.shift) return true;
      const d = to.col - loc.col;
      return d < 1 || d > 4 * per - 1;
    }),
  );
}

/**
 * Adds the map's function to the module; returns its locations (in parameter order), or null
 * when the map stays JavaScript. `vectors`: column vectors per iteration (the tests compare
 * ZIP with 1); a map that is not `zippable` runs one at a time.
 */
export function addMap(
  m: ModuleBuilder,
  s: MapStmt,
  name: string,
  vectors: number = ZIP,
): MapLoc[] | null {
  const plan = mapLocs(s);
  if (!plan) return null;
  const { params: locs, at } = plan;
  const f = new Func(["i32", ...locs.map(() => "i32" as const)]);
  const [R, ...ptrs] = f.params;
  const r = f.local("i32");
  // the element offset within the row, in bytes
  const jb = f.local("i32");
  const w4 = s.width & ~3;
  const rem = s.width - w4;
  /**
   * Pushes the address of location l at the row's current column plus `shift` bytes (a vector
   * of the iteration); returns its memarg offset.
   */
  const address = (l: Loc, splat: boolean, shift: number): number => {
    const a = at.get(locKey(l))!;
    f.get(ptrs[a.param]!);
    if (!splat) f.get(jb).op("i32.add");
    return a.offset + (splat ? 0 : shift);
  };
  /** One column vector at jb + shift bytes: its lets one at a time, then its stores. */
  const vector = (lanes: number, shift: number) => {
    // operand values: vector loads at p + 4j, broadcast scalars (width 1), literals
    const t = new TreeRenderer(f);
    const lets = new Map<string, Local>();
    const loads = new Map<string, Local>();
    const val = (o: Operand): Local => {
      if (o.kind === "let") return lets.get(o.name)!;
      if (o.kind === "lit") return tmp(f, () => f.f32x4(o.value));
      const id = `${locKey(o.loc)}|${o.width === 1}`;
      let l = loads.get(id);
      if (!l) {
        l = load(o);
        loads.set(id, l);
      }
      return l;
    };
    const load = (o: Extract<Operand, { kind: "load" }>): Local => {
      if (o.width === 1)
        return tmp(f, () => f.op("v128.load32_splat", address(o.loc, true, shift)));
      return tmp(f, () => {
        if (lanes === 4) f.op("v128.load", address(o.loc, false, shift));
        else {
          f.f32x4(0);
          for (let k = 0; k < lanes; k++) {
            f.op("f32.load", address(o.loc, false, shift) + 4 * k);
            f.op("f32x4.replace_lane", k);
          }
        }
      });
    };
    return {
      let: (l: MapStmt["lets"][number]) => lets.set(l.name, t.value(l.expr, l.args.map(val))),
      stores: () => {
        for (const st of s.stores) {
          const v = lets.get(st.from)!;
          if (lanes === 4) {
            const off = address(st.to, false, shift);
            f.get(v).op("v128.store", off);
          } else
            for (let k = 0; k < lanes; k++) {
              const off = address(st.to, false, shift);
              f.get(v)
                .op("f32x4.extract_lane", k)
                .op("f32.store", off + 4 * k);
            }
        }
      },
    };
  };
  /** `n` column vectors from jb, each let for every vector in turn, then their stores in order. */
  const body = (lanes: number, n = 1) => {
    const vs = Array.from({ length: n }, (_, v) => vector(lanes, 16 * v));
    for (const l of s.lets) for (const v of vs) v.let(l);
    for (const v of vs) v.stores();
  };
  const per = vectors > 1 && zippable(s, vectors) ? vectors : 1;
  // the columns the loop covers, `per` vectors an iteration; the vectors left, together
  const wz = w4 - (w4 % (4 * per));
  forRange(
    f,
    r,
    () => f.i32(0),
    () => f.get(R!),
    1,
    () => {
      if (wz > 0)
        forRange(
          f,
          jb,
          () => f.i32(0),
          () => f.i32(4 * wz),
          16 * per,
          () => body(4, per),
        );
      if (w4 > wz) {
        f.i32(4 * wz).set(jb);
        body(4, (w4 - wz) / 4);
      }
      if (rem > 0) {
        f.i32(4 * w4).set(jb);
        body(rem);
      }
      locs.forEach((l, i) => {
        if (l.strideBytes) f.get(ptrs[i]!).i32(l.strideBytes).op("i32.add").set(ptrs[i]!);
      });
    },
  );
  m.add(f, name);
  return locs;
}
