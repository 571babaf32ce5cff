/**
 * Rearrangements beside the products: `transpose_<t>` (D = Sᵀ, the columns a deferred
 * parameter-gradient product reads) and `colsum_<t>`, `colsum2_<t>` (bias gradients, Σ over rows,
 * into one or two destinations), f32 and f64.
 * Both move values only in vectors where they can (f32x4, f64x2) and are exact: a transpose
 * copies bits, a column sum adds in the same order (row by row) as the scalar definition.
 */
import { Func, type Local, type ModuleBuilder } from "./encoder.js";
import { type Elem, elemBytes, forRange, lanesOf, vt } from "./gemm.js";

/** Rows of S per cache block of the transpose: each column of a block is a 32-element run of D. */
const BLOCK_ROWS = 32;

/**
 * D[j, i] = S[i, j] for i < M, j < N: (M, N, S, lds, D, ldd), addresses in bytes, leading
 * dimensions in elements. Blocks of 32 rows of S; inside a block, squares of lanes × lanes
 * (4×4 f32, 2×2 f64) are loaded as `lanes` row vectors, transposed in registers (unpack
 * shuffles) and stored as `lanes` column vectors. The rows of a block past its last full square
 * (M mod lanes) and the columns past the last full square (N mod lanes) go one value at a time.
 */
function transposeFn(t: Elem): Func {
  const es = elemBytes(t);
  const L = 16 / es;
  const f = new Func(["i32", "i32", "i32", "i32", "i32", "i32"]);
  const [M, N, S, lds, D, ldd] = f.params as [Local, Local, Local, Local, Local, Local];
  const i0 = f.local("i32");
  const i1 = f.local("i32");
  const iv = f.local("i32");
  const nv = f.local("i32");
  const i = f.local("i32");
  const j = f.local("i32");
  const src = f.local("i32");
  const dst = f.local("i32");
  const ldsb = f.local("i32");
  const lddb = f.local("i32");
  const a = Array.from({ length: L }, () => f.local("v128"));
  const w = Array.from({ length: L }, () => f.local("v128"));
  f.get(lds).i32(es).op("i32.mul").set(ldsb);
  f.get(ldd).i32(es).op("i32.mul").set(lddb);
  f.get(N).i32(-L).op("i32.and").set(nv);
  const shuffle = (x: Local, y: Local, ls: number[]) =>
    f.get(x).get(y).op("i8x16.shuffle", lanesOf(t, ls));
  /** src = S + (i·lds + j)·es, dst = D + (j·ldd + i)·es for the locals i, j. */
  const addresses = (ii: Local) => {
    f.get(S).get(ii).get(ldsb).op("i32.mul").op("i32.add").get(j).i32(es).op("i32.mul");
    f.op("i32.add").set(src);
    f.get(D).get(j).get(lddb).op("i32.mul").op("i32.add").get(ii).i32(es).op("i32.mul");
    f.op("i32.add").set(dst);
  };
  /** One value at a time: rows [from, to) of columns [j0, j1). */
  const scalar = (from: Local, to: Local, j0: () => void, j1: () => void) =>
    forRange(f, j, j0, j1, 1, () => {
      addresses(from);
      forRange(
        f,
        i,
        () => f.get(from),
        () => f.get(to),
        1,
        () => {
          f.get(dst).get(src).op(`${t}.load`).op(`${t}.store`);
          f.get(src).get(ldsb).op("i32.add").set(src);
          f.get(dst).i32(es).op("i32.add").set(dst);
        },
      );
    });
  forRange(
    f,
    i0,
    () => f.i32(0),
    () => f.get(M),
    BLOCK_ROWS,
    () => {
      // i1 = min(i0 + BLOCK_ROWS, M); iv = i0 + (i1 − i0) rounded down to a square
      f.get(i0).i32(BLOCK_ROWS).op("i32.add").tee(i1).get(M).op("i32.gt_s").op("if");
      f.get(M).set(i1).op("end");
      f.get(i1).get(i0).op("i32.sub").i32(-L).op("i32.and").get(i0).op("i32.add").set(iv);
      forRange(
        f,
        j,
        () => f.i32(0),
        () => f.get(nv),
        L,
        () => {
          addresses(i0);
          forRange(
            f,
            i,
            () => f.get(i0),
            () => f.get(iv),
            L,
            () => {
              a.forEach((x, r) => {
                f.get(src);
                if (r > 0) f.get(ldsb).i32(r).op("i32.mul").op("i32.add");
                f.op("v128.load", 0).set(x);
              });
              let cols: Local[];
              if (t === "f32") {
                const [a0, a1, a2, a3] = a as [Local, Local, Local, Local];
                const [lo01, hi01, lo23, hi23] = w as [Local, Local, Local, Local];
                shuffle(a0, a1, [0, 4, 1, 5]).set(lo01); // s00 s10 s01 s11
                shuffle(a0, a1, [2, 6, 3, 7]).set(hi01); // s02 s12 s03 s13
                shuffle(a2, a3, [0, 4, 1, 5]).set(lo23);
                shuffle(a2, a3, [2, 6, 3, 7]).set(hi23);
                // column c: lanes of (lo|hi)01 and (lo|hi)23, into a's locals
                shuffle(lo01, lo23, [0, 1, 4, 5]).set(a0);
                shuffle(lo01, lo23, [2, 3, 6, 7]).set(a1);
                shuffle(hi01, hi23, [0, 1, 4, 5]).set(a2);
                shuffle(hi01, hi23, [2, 3, 6, 7]).set(a3);
                cols = a;
              } else {
                const [a0, a1] = a as [Local, Local];
                shuffle(a0, a1, [0, 2]).set(w[0]!);
                shuffle(a0, a1, [1, 3]).set(w[1]!);
                cols = w;
              }
              cols.forEach((x, c) => {
                f.get(dst);
                if (c > 0) f.get(lddb).i32(c).op("i32.mul").op("i32.add");
                f.get(x).op("v128.store", 0);
              });
              f.get(src).get(ldsb).i32(L).op("i32.mul").op("i32.add").set(src);
              f.get(dst)
                .i32(L * es)
                .op("i32.add")
                .set(dst);
            },
          );
        },
      );
      // the block's rows past its squares, every column; its squares' rows, the last columns
      scalar(
        iv,
        i1,
        () => f.i32(0),
        () => f.get(N),
      );
      scalar(
        i0,
        iv,
        () => f.get(nv),
        () => f.get(N),
      );
    },
  );
  return f;
}

/** Adds transpose_<t> to a module. */
export function addTranspose(m: ModuleBuilder, t: Elem): void {
  m.add(transposeFn(t), `transpose_${t}`);
}

/** Rows a column sum adds per pass over dst (each vector of dst loaded and stored once a pass). */
const SUM_ROWS = 4;

/**
 * dst[j] += Σ_{r < R} src[r·ld + j] for j < W: (R, W, src, ld, dst), addresses in bytes, ld in
 * elements; with two destinations (`colsum2_<t>`: R, W, src, ld, dst, dst2) each gets the sum
 * added to its own values, from one pass over src. Rows in groups of four: dst's vector is
 * loaded, the four rows added to it in row order, stored (the same additions, in the same
 * order, as one row at a time); then the rows past the last group one at a time. Two-lane f64
 * or four-lane f32 vectors, then a scalar tail of W mod lanes columns. src streams once; dst
 * (one row) stays in L1.
 */
function colsumFn(t: Elem, dsts: 1 | 2): Func {
  const es = elemBytes(t);
  const lanes = 16 / es;
  const V = vt(t);
  // (R, W, src, ld, dst[, dst2])
  const f = new Func(Array.from({ length: 4 + dsts }, () => "i32" as const));
  const [R, W, src, ld, ...dst] = f.params as Local[];
  const r = f.local("i32");
  const rg = f.local("i32");
  const j = f.local("i32");
  const wv = f.local("i32");
  const row = f.local("i32");
  const at = f.local("i32");
  const ldb = f.local("i32");
  const vrows = Array.from({ length: SUM_ROWS }, () => f.local("v128"));
  const srows = Array.from({ length: SUM_ROWS }, () => f.local(t));
  const acc = f.local("v128");
  const sacc = f.local(t);
  f.get(W!).i32(-lanes).op("i32.and").set(wv);
  f.get(ld!).i32(es).op("i32.mul").set(ldb);
  f.get(R!).i32(-SUM_ROWS).op("i32.and").set(rg);
  /** Adds `rows` rows from `row` on into each dst[0:W]. */
  const pass = (rows: number) => {
    const columns = (vector: boolean) => {
      const [load, add, store] = vector
        ? ["v128.load", `${V}.add`, "v128.store"]
        : [`${t}.load`, `${t}.add`, `${t}.store`];
      const [held, sum] = vector ? [vrows, acc] : [srows, sacc];
      // the rows' values at column j, loaded once for every destination
      for (let q = 0; q < rows; q++) {
        f.get(row).get(j).i32(es).op("i32.mul").op("i32.add");
        if (q > 0) f.get(ldb).i32(q).op("i32.mul").op("i32.add");
        f.op(load, 0).set(held[q]!);
      }
      for (const d of dst) {
        f.get(d).get(j).i32(es).op("i32.mul").op("i32.add").tee(at);
        f.op(load, 0);
        for (let q = 0; q < rows; q++) f.get(held[q]!).op(add);
        f.set(sum).get(at).get(sum).op(store, 0);
      }
    };
    forRange(
      f,
      j,
      () => f.i32(0),
      () => f.get(wv),
      lanes,
      () => columns(true),
    );
    forRange(
      f,
      j,
      () => f.get(wv),
      () => f.get(W!),
      1,
      () => columns(false),
    );
  };
  f.get(src!).set(row);
  forRange(
    f,
    r,
    () => f.i32(0),
    () => f.get(rg),
    SUM_ROWS,
    () => {
      pass(SUM_ROWS);
      f.get(row).get(ldb).i32(SUM_ROWS).op("i32.mul").op("i32.add").set(row);
    },
  );
  forRange(
    f,
    r,
    () => f.get(rg),
    () => f.get(R!),
    1,
    () => {
      pass(1);
      f.get(row).get(ldb).op("i32.add").set(row);
    },
  );
  return f;
}

/** Adds colsum_<t> (one destination) and colsum2_<t> (two, one pass over src) to a module. */
export function addColsum(m: ModuleBuilder, t: Elem): void {
  m.add(colsumFn(t, 1), `colsum_${t}`);
  m.add(colsumFn(t, 2), `colsum2_${t}`);
}
