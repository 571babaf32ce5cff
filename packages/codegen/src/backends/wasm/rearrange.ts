/**
 * Rearrangements beside the products: `transpose_<t>` (D = Sᵀ, the columns a deferred
 * parameter-gradient product reads) and `colsum_<t>` (bias gradients, Σ over rows), f32 and f64.
 */
import { Func, type ModuleBuilder } from "./encoder.js";
import { type Elem, elemBytes, forRange, vt } from "./gemm.js";

/**
 * D[j, i] = S[i, j] for i < M, j < N: (M, N, S, lds, D, ldd), addresses in bytes, leading
 * dimensions in elements. Blocks of 32 rows: each column of the block is one contiguous run of D.
 */
function transposeFn(t: Elem): Func {
  const es = elemBytes(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32", "i32"]);
  const [M, N, S, lds, D, ldd] = f.params;
  const i0 = f.local("i32");
  const i1 = f.local("i32");
  const i = f.local("i32");
  const j = f.local("i32");
  const src = f.local("i32");
  const dst = f.local("i32");
  const ldsb = f.local("i32");
  f.get(lds!).i32(es).op("i32.mul").set(ldsb);
  forRange(
    f,
    i0,
    () => f.i32(0),
    () => f.get(M!),
    32,
    () => {
      // i1 = min(i0 + 32, M)
      f.get(i0).i32(32).op("i32.add").tee(i1).get(M!).op("i32.gt_s").op("if");
      f.get(M!).set(i1).op("end");
      forRange(
        f,
        j,
        () => f.i32(0),
        () => f.get(N!),
        1,
        () => {
          f.get(S!).get(i0).get(ldsb).op("i32.mul").op("i32.add").get(j).i32(es);
          f.op("i32.mul").op("i32.add").set(src);
          f.get(D!).get(j).get(ldd!).op("i32.mul").get(i0).op("i32.add").i32(es);
          f.op("i32.mul").op("i32.add").set(dst);
          forRange(
            f,
            i,
            () => f.get(i0),
            () => f.get(i1),
            1,
            () => {
              f.get(dst).get(src).op(`${t}.load`).op(`${t}.store`);
              f.get(src).get(ldsb).op("i32.add").set(src);
              f.get(dst).i32(es).op("i32.add").set(dst);
            },
          );
        },
      );
    },
  );
  return f;
}

/** Adds transpose_<t> to a module. */
export function addTranspose(m: ModuleBuilder, t: Elem): void {
  m.add(transposeFn(t), `transpose_${t}`);
}

/**
 * dst[j] += Σ_{r < R} src[r·ld + j] for j < W: (R, W, src, ld, dst), addresses in bytes, ld in
 * elements. Row by row, so src streams once; dst (one row) stays in L1. Two-lane f64 or four-lane
 * f32 vectors, then a scalar tail.
 */
function colsumFn(t: Elem): Func {
  const es = elemBytes(t);
  const lanes = 16 / es;
  const V = vt(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32"]);
  const [R, W, src, ld, dst] = f.params;
  const r = f.local("i32");
  const j = f.local("i32");
  const wv = f.local("i32");
  const row = f.local("i32");
  const at = f.local("i32");
  f.get(W!).i32(-lanes).op("i32.and").set(wv);
  forRange(
    f,
    r,
    () => f.i32(0),
    () => f.get(R!),
    1,
    () => {
      f.get(src!).get(r).get(ld!).op("i32.mul").i32(es).op("i32.mul").op("i32.add").set(row);
      forRange(
        f,
        j,
        () => f.i32(0),
        () => f.get(wv),
        lanes,
        () => {
          f.get(dst!).get(j).i32(es).op("i32.mul").op("i32.add").tee(at);
          f.get(at).op("v128.load", 0);
          f.get(row).get(j).i32(es).op("i32.mul").op("i32.add").op("v128.load", 0);
          f.op(`${V}.add`).op("v128.store", 0);
        },
      );
      forRange(
        f,
        j,
        () => f.get(wv),
        () => f.get(W!),
        1,
        () => {
          f.get(dst!).get(j).i32(es).op("i32.mul").op("i32.add").tee(at);
          f.get(at).op(`${t}.load`);
          f.get(row).get(j).i32(es).op("i32.mul").op("i32.add").op(`${t}.load`);
          f.op(`${t}.add`).op(`${t}.store`);
        },
      );
    },
  );
  return f;
}

/** Adds colsum_<t> to a module. */
export function addColsum(m: ModuleBuilder, t: Elem): void {
  m.add(colsumFn(t), `colsum_${t}`);
}
