/**
 * Matrix products for the schedule's `gemm` contract, C[i, n] (+)= Σ_k A[i, k]·P[n, k]
 * (i < M, n < N, k < K; leading dimensions lda, ldp, ldc in elements), as WebAssembly SIMD:
 *
 * - `pack_<t>(P, ldp, N, K, Pp)` lays P out in column panels of NR = 2 vectors:
 *   Pp[nb][k][r] = P[nb·NR + r, k], zero past N. A static P (a parameter) is packed once per
 *   call and reused by every step's product. Full panels are transposed a vector of k at a
 *   time in registers (shuffles), the edges one value at a time.
 * - `gemm_<t>(M, N, K, A, lda, Pp, C, ldc, acc)` multiplies by packed panels with register
 *   blocking: a tile of MR = 4 rows × NR columns is kept in 8 vector accumulators while k runs
 *   over a slice of KC values (the slice of a panel stays in L1). Rows past a multiple of 4 use
 *   a one-row tile; a partial last panel goes through a scratch tile at address 0.
 *
 * (Transposes and column sums are in rearrange.ts.) Addresses are byte offsets into the imported memory; bytes [0, SCRATCH_BYTES) are the scratch.
 * f32x4 for float32 (NR = 8), f64x2 for float64 (NR = 4).
 *
 * `fmaGemmModule()` is a second, optional module with the same `gemm_<t>` whose tiles multiply
 * and add in one relaxed-SIMD `relaxed_madd` (fused multiply-add where the CPU has FMA): engines
 * without relaxed SIMD refuse it (`WebAssembly.validate`), and the kernel then runs the plain
 * tiles. Same packed panels, same memory.
 */
import { Func, type Local, ModuleBuilder } from "./encoder.js";

export type Elem = "f32" | "f64";
/** Bytes reserved at address 0 for the partial-panel tile (4 rows × NR, float64). */
export const SCRATCH_BYTES = 256;
/** k values per slice. */
export const KC = 256;
export const MR = 4;

export const elemBytes = (t: Elem): number => (t === "f32" ? 4 : 8);
/** Columns per packed panel: two vectors. */
export const panelWidth = (t: Elem): number => (t === "f32" ? 8 : 4);
/** Elements of the packed form of an N × K operand. */
export const packedSize = (t: Elem, n: number, k: number): number =>
  Math.ceil(n / panelWidth(t)) * panelWidth(t) * k;

export const vt = (t: Elem): string => (t === "f32" ? "f32x4" : "f64x2");

/** `for (i = from; i < end; i += step) body()` with i, end locals (a block + loop pair). */
export function forRange(
  f: Func,
  i: Local,
  from: () => void,
  end: () => void,
  step: number | Local,
  body: () => void,
): void {
  from();
  f.set(i);
  f.op("block").op("loop");
  f.get(i);
  end();
  f.op("i32.ge_s").op("br_if", 1);
  body();
  f.get(i);
  if (typeof step === "number") f.i32(step);
  else f.get(step);
  f.op("i32.add").set(i).op("br", 0).op("end").op("end");
}

/** i8x16.shuffle's byte lanes for element lanes `lanes` of (a, b) (b's lanes numbered after a's). */
const lanesOf = (t: Elem, lanes: readonly number[]): number[] => {
  const es = elemBytes(t);
  return lanes.flatMap((l) => Array.from({ length: es }, (_, b) => l * es + b));
};

/**
 * The vector part of packing, for every full panel and k < K rounded down to a vector: the
 * panel's nr rows are loaded a vector of k values at a time and transposed in registers (4×4
 * blocks of f32 lanes, 2×2 of f64), so each k's nr values are stored as two vectors.
 */
function packPanelsSimd(
  f: Func,
  t: Elem,
  P: Local,
  ldp: Local,
  nFull: Local,
  K: Local,
  Pp: Local,
): void {
  const es = elemBytes(t);
  const nr = panelWidth(t);
  const lanes = 16 / es;
  const n = f.local("i32");
  const k = f.local("i32");
  const kv = f.local("i32");
  const ldpb = f.local("i32");
  const src = f.local("i32");
  const dst = f.local("i32");
  const v = Array.from({ length: nr }, () => f.local("v128"));
  const w = Array.from({ length: nr }, () => f.local("v128"));
  f.get(K).i32(-lanes).op("i32.and").set(kv);
  f.get(ldp).i32(es).op("i32.mul").set(ldpb);
  const shuffle = (a: Local, b: Local, ls: number[]) =>
    f.get(a).get(b).op("i8x16.shuffle", lanesOf(t, ls));
  forRange(
    f,
    n,
    () => f.i32(0),
    () => f.get(nFull),
    nr,
    () => {
      forRange(
        f,
        k,
        () => f.i32(0),
        () => f.get(kv),
        lanes,
        () => {
          // src = P + (n·ldp + k)·es; dst = Pp + (n·K + k·nr)·es (n is a multiple of nr)
          f.get(P).get(n).get(ldpb).op("i32.mul").op("i32.add").get(k).i32(es).op("i32.mul");
          f.op("i32.add").set(src);
          f.get(Pp).get(n).get(K).op("i32.mul").get(k).i32(nr).op("i32.mul").op("i32.add");
          f.i32(es).op("i32.mul").op("i32.add").set(dst);
          v.forEach((x, r) => {
            f.get(src);
            if (r > 0) f.get(ldpb).i32(r).op("i32.mul").op("i32.add");
            f.op("v128.load", 0).set(x);
          });
          // out[j][q] = lane j of row q·lanes… : the vector of k + j holding rows [h·lanes, (h+1)·lanes)
          const out: Local[][] = [];
          if (t === "f32") {
            for (let h = 0; h < 2; h++) {
              const [a, b, c, d] = v.slice(4 * h, 4 * h + 4) as [Local, Local, Local, Local];
              const [lo1, lo2, hi1, hi2] = w.slice(4 * h, 4 * h + 4) as [
                Local,
                Local,
                Local,
                Local,
              ];
              shuffle(a, b, [0, 4, 1, 5]).set(lo1);
              shuffle(c, d, [0, 4, 1, 5]).set(lo2);
              shuffle(a, b, [2, 6, 3, 7]).set(hi1);
              shuffle(c, d, [2, 6, 3, 7]).set(hi2);
              out.push([lo1, lo2, hi1, hi2]);
            }
            // k + j: rows 0–3 then rows 4–7
            const pick = [
              [0, 1, 4, 5],
              [2, 3, 6, 7],
            ];
            for (let j = 0; j < 4; j++)
              for (let h = 0; h < 2; h++) {
                const [lo1, lo2, hi1, hi2] = out[h]!;
                const [a, b] = j < 2 ? [lo1, lo2] : [hi1, hi2];
                f.get(dst);
                shuffle(a!, b!, pick[j % 2]!);
                f.op("v128.store", (j * nr + h * 4) * es);
              }
          } else {
            // f64: rows (0, 1) and (2, 3) for k and k + 1
            for (let j = 0; j < 2; j++)
              for (let h = 0; h < 2; h++) {
                f.get(dst);
                shuffle(v[2 * h]!, v[2 * h + 1]!, [j, 2 + j]);
                f.op("v128.store", (j * nr + h * 2) * es);
              }
          }
        },
      );
    },
  );
}

/** The pack function: (P, ldp, N, K, Pp). */
function packFn(t: Elem): Func {
  const es = elemBytes(t);
  const nr = panelWidth(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32"]);
  const [P, ldp, N, K, Pp] = f.params;
  const n = f.local("i32");
  const k = f.local("i32");
  const src = f.local("i32");
  const dst = f.local("i32");
  const nPad = f.local("i32");
  const nFull = f.local("i32");
  const k0 = f.local("i32");
  // nPad = ceil(N / nr) · nr; nFull = floor(N / nr) · nr
  f.get(N!)
    .i32(nr - 1)
    .op("i32.add")
    .i32(-nr)
    .op("i32.and")
    .set(nPad);
  f.get(N!).i32(-nr).op("i32.and").set(nFull);
  packPanelsSimd(f, t, P!, ldp!, nFull, K!, Pp!);
  // the rest one value at a time: k past the vectors in full panels, every k in a partial one
  forRange(
    f,
    n,
    () => f.i32(0),
    () => f.get(nPad),
    1,
    () => {
      // k0 = n < nFull ? K rounded down to a vector : 0
      f.get(K!)
        .i32(-(16 / es))
        .op("i32.and")
        .i32(0)
        .get(n)
        .get(nFull)
        .op("i32.lt_s");
      f.op("select").set(k0);
      // dst = Pp + ((n / nr)·K·nr + k0·nr + n % nr)·es; src = P + (n·ldp + k0)·es
      f.get(Pp!)
        .get(n)
        .i32(-nr)
        .op("i32.and")
        .get(K!)
        .op("i32.mul")
        .get(k0)
        .i32(nr)
        .op("i32.mul")
        .op("i32.add")
        .get(n)
        .i32(nr - 1)
        .op("i32.and")
        .op("i32.add")
        .i32(es)
        .op("i32.mul")
        .op("i32.add")
        .set(dst);
      f.get(P!).get(n).get(ldp!).op("i32.mul").get(k0).op("i32.add").i32(es).op("i32.mul");
      f.op("i32.add").set(src);
      forRange(
        f,
        k,
        () => f.get(k0),
        () => f.get(K!),
        1,
        () => {
          f.get(dst);
          // n < N ? P[n, k] : 0
          f.get(n).get(N!).op("i32.lt_s").op("if", t);
          f.get(src).op(`${t}.load`);
          f.op("else").op(`${t}.const`, 0).op("end");
          f.op(`${t}.store`);
          f.get(src).i32(es).op("i32.add").set(src);
          f.get(dst)
            .i32(nr * es)
            .op("i32.add")
            .set(dst);
        },
      );
    },
  );
  return f;
}

/**
 * A tile of `rows` rows × NR columns over kc values of k:
 * (a, ldab, pp, kc, c, ldcb, acc) with ldab, ldcb leading dimensions in bytes.
 */
function tileFn(t: Elem, rows: number, fma: boolean): Func {
  const es = elemBytes(t);
  const nr = panelWidth(t);
  const V = vt(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [a, ldab, pp, kc, c, ldcb, acc] = f.params;
  const pa = Array.from({ length: rows }, () => f.local("i32"));
  const end = f.local("i32");
  const b0 = f.local("v128");
  const b1 = f.local("v128");
  const av = f.local("v128");
  const cs = Array.from({ length: rows }, () => [f.local("v128"), f.local("v128")] as const);
  for (const [x, y] of cs) {
    f.op("v128.const", new Array(16).fill(0)).set(x);
    f.op("v128.const", new Array(16).fill(0)).set(y);
  }
  pa.forEach((p, r) => {
    f.get(a!);
    if (r > 0) f.get(ldab!).i32(r).op("i32.mul").op("i32.add");
    f.set(p);
  });
  f.get(pp!)
    .get(kc!)
    .i32(nr * es)
    .op("i32.mul")
    .op("i32.add")
    .set(end);
  f.op("block").get(pp!).get(end).op("i32.ge_u").op("br_if", 0).op("loop");
  f.get(pp!).op("v128.load", 0).set(b0);
  f.get(pp!).op("v128.load", 16).set(b1);
  pa.forEach((p, r) => {
    f.get(p)
      .op(t === "f32" ? "v128.load32_splat" : "v128.load64_splat", 0)
      .set(av);
    const [x, y] = cs[r]!;
    for (const [acc, b] of [
      [x, b0],
      [y, b1],
    ] as const) {
      if (fma) f.get(av).get(b).get(acc).op(`${V}.relaxed_madd`).set(acc);
      else f.get(acc).get(av).get(b).op(`${V}.mul`).op(`${V}.add`).set(acc);
    }
    f.get(p).i32(es).op("i32.add").set(p);
  });
  f.get(pp!)
    .i32(nr * es)
    .op("i32.add")
    .tee(pp!)
    .get(end)
    .op("i32.lt_u")
    .op("br_if", 0);
  f.op("end").op("end");
  // store (acc: add to C)
  const store = (add: boolean) => {
    cs.forEach(([x, y], r) => {
      const at = () => {
        f.get(c!);
        if (r > 0) f.get(ldcb!).i32(r).op("i32.mul").op("i32.add");
      };
      for (const [v, off] of [
        [x, 0],
        [y, 16],
      ] as const) {
        at();
        if (add) {
          at();
          f.op("v128.load", off).get(v).op(`${V}.add`);
        } else f.get(v);
        f.op("v128.store", off);
      }
    });
  };
  f.get(acc!).op("if");
  store(true);
  f.op("else");
  store(false);
  f.op("end");
  return f;
}

/** Copies a scratch tile (rows × nr, at address 0) into C for the first `ncols` columns. */
function tailFn(t: Elem): Func {
  const es = elemBytes(t);
  const nr = panelWidth(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32"]);
  const [rows, ncols, c, ldcb, acc] = f.params;
  const r = f.local("i32");
  const j = f.local("i32");
  const dst = f.local("i32");
  const src = f.local("i32");
  forRange(
    f,
    r,
    () => f.i32(0),
    () => f.get(rows!),
    1,
    () =>
      forRange(
        f,
        j,
        () => f.i32(0),
        () => f.get(ncols!),
        1,
        () => {
          f.get(c!).get(r).get(ldcb!).op("i32.mul").op("i32.add").get(j).i32(es);
          f.op("i32.mul").op("i32.add").set(dst);
          f.get(r).i32(nr).op("i32.mul").get(j).op("i32.add").i32(es).op("i32.mul").set(src);
          // C = scratch + (acc ? C : 0)
          f.get(dst).get(src).op(`${t}.load`);
          f.get(dst).op(`${t}.load`).op(`${t}.const`, 0).get(acc!).op("select");
          f.op(`${t}.add`).op(`${t}.store`);
        },
      ),
  );
  return f;
}

/** The packed product (M, N, K, A, lda, Pp, C, ldc, acc), calling tiles by function index. */
function gemmFn(t: Elem, tile4: number, tile1: number, tail: number): Func {
  const es = elemBytes(t);
  const nr = panelWidth(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [M, N, K, A, lda, Pp, C, ldc, acc] = f.params;
  const k0 = f.local("i32");
  const kc = f.local("i32");
  const i = f.local("i32");
  const nb = f.local("i32");
  const nbs = f.local("i32");
  const accf = f.local("i32");
  const ldab = f.local("i32");
  const ldcb = f.local("i32");
  const m4 = f.local("i32");
  const n = f.local("i32");
  f.get(lda!).i32(es).op("i32.mul").set(ldab);
  f.get(ldc!).i32(es).op("i32.mul").set(ldcb);
  f.get(N!)
    .i32(nr - 1)
    .op("i32.add")
    .i32(nr)
    .op("i32.div_u")
    .set(nbs);
  f.get(M!).i32(-MR).op("i32.and").set(m4);
  // K = 0: C = 0 unless accumulating
  f.get(K!).op("i32.eqz").get(acc!).op("i32.eqz").op("i32.and").op("if");
  forRange(
    f,
    i,
    () => f.i32(0),
    () => f.get(M!),
    1,
    () =>
      forRange(
        f,
        n,
        () => f.i32(0),
        () => f.get(N!),
        1,
        () => {
          f.get(C!).get(i).get(ldcb).op("i32.mul").op("i32.add").get(n).i32(es);
          f.op("i32.mul").op("i32.add").op(`${t}.const`, 0).op(`${t}.store`);
        },
      ),
  );
  f.op("end");
  const ap = f.local("i32");
  const pp = f.local("i32");
  const cp = f.local("i32");
  const rowBlock = (rows: number, tileIdx: number) => {
    // ap = A + (i·lda + k0)·es; for each panel: pp = Pp + (nb·K + k0)·nr·es, cp = C + (i·ldc + nb·nr)·es
    f.get(A!).get(i).get(ldab).op("i32.mul").op("i32.add").get(k0).i32(es);
    f.op("i32.mul").op("i32.add").set(ap);
    forRange(
      f,
      nb,
      () => f.i32(0),
      () => f.get(nbs),
      1,
      () => {
        f.get(Pp!).get(nb).get(K!).op("i32.mul").get(k0).op("i32.add");
        f.i32(nr * es)
          .op("i32.mul")
          .op("i32.add")
          .set(pp);
        f.get(C!).get(i).get(ldcb).op("i32.mul").op("i32.add").get(nb);
        f.i32(nr * es)
          .op("i32.mul")
          .op("i32.add")
          .set(cp);
        // a full panel straight into C, a partial one through the scratch tile
        f.get(nb).i32(nr).op("i32.mul").i32(nr).op("i32.add").get(N!).op("i32.le_s").op("if");
        f.get(ap).get(ldab).get(pp).get(kc).get(cp).get(ldcb).get(accf).op("call", tileIdx);
        f.op("else");
        f.get(ap)
          .get(ldab)
          .get(pp)
          .get(kc)
          .i32(0)
          .i32(nr * es)
          .i32(0)
          .op("call", tileIdx);
        f.i32(rows).get(N!).get(nb).i32(nr).op("i32.mul").op("i32.sub");
        f.get(cp).get(ldcb).get(accf).op("call", tail);
        f.op("end");
      },
    );
  };
  forRange(
    f,
    k0,
    () => f.i32(0),
    () => f.get(K!),
    KC,
    () => {
      // kc = min(KC, K - k0); accumulate into C after the first slice
      f.get(K!).get(k0).op("i32.sub").set(kc);
      f.get(kc).i32(KC).op("i32.gt_s").op("if").i32(KC).set(kc).op("end");
      f.get(acc!).get(k0).i32(0).op("i32.gt_s").op("i32.or").set(accf);
      forRange(
        f,
        i,
        () => f.i32(0),
        () => f.get(m4),
        MR,
        () => rowBlock(MR, tile4),
      );
      forRange(
        f,
        i,
        () => f.get(m4),
        () => f.get(M!),
        1,
        () => rowBlock(1, tile1),
      );
    },
  );
  return f;
}

/** Adds gemm_<t> (its tiles multiplying and adding apart, or fused: `fma`) to a module. */
function addProduct(m: ModuleBuilder, t: Elem, fma: boolean): void {
  const tile4 = m.add(tileFn(t, MR, fma));
  const tile1 = m.add(tileFn(t, 1, fma));
  const tail = m.add(tailFn(t));
  m.add(gemmFn(t, tile4, tile1, tail), `gemm_${t}`);
}

/** Adds pack_<t> and gemm_<t> (and their tiles) to a module. */
export function addGemm(m: ModuleBuilder, t: Elem): void {
  m.add(packFn(t), `pack_${t}`);
  addProduct(m, t, false);
}

let fmaBytes: Uint8Array | undefined;

/** The module of gemm_f32 and gemm_f64 with relaxed-SIMD fused multiply-adds (built once). */
export function fmaGemmModule(): Uint8Array {
  if (!fmaBytes) {
    const m = new ModuleBuilder(1);
    addProduct(m, "f32", true);
    addProduct(m, "f64", true);
    fmaBytes = m.encode();
  }
  return fmaBytes;
}

/** Whether this engine runs relaxed SIMD (validates the FMA product module). */
export function relaxedSimdSupported(): boolean {
  const wa = (globalThis as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly;
  try {
    return wa !== undefined && wa.validate(fmaGemmModule());
  } catch {
    return false;
  }
}
