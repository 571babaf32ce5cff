/**
 * Matrix products for the schedule's `gemm` contract, C[i, n] (+)= Σ_k A[i, k]·P[n, k]
 * (i < M, n < N, k < K; leading dimensions lda, ldp, ldc in elements), as WebAssembly SIMD:
 *
 * - `pack_<t>(P, ldp, N, K, Pp)` lays P out in column panels of NR = 2 vectors:
 *   Pp[nb][k][r] = P[nb·NR + r, k], zero past N. A static P (a parameter) is packed once per
 *   call and reused by every step's product. Full panels are transposed a vector of k at a
 *   time in registers (shuffles), the edges one value at a time.
 * - `gemm_<t>(M, N, K, A, lda, Pp, C, ldc, acc)` multiplies by packed panels, blocked for the
 *   caches in the GotoBLAS manner: for each slice of KC values of k, for each block of MC rows
 *   (its MC × KC slice of A stays in L2), for each packed panel (its KC × NR slice stays in L1),
 *   every MR-row tile of the block. A tile of MR = 5 rows × NR columns is kept in 10 vector
 *   accumulators (with the panel's two vectors, the broadcast A value and the product's
 *   temporary: 14 of the 15 vector registers V8 allocates on x64; 6 rows spill). Where the
 *   product has at least PACK_A_PANELS panels, each block of A is first packed (packA) into
 *   k-major micro-panels of MR rows, Ap[k][r], in the scratch: a tile then reads its rows
 *   through one pointer with immediate offsets, so a step of k is the 27 vector operations and
 *   4 scalar ones (two pointer increments, the loop's compare-and-branch, V8's stack check)
 *   instead of 8 scalar ones and two zero-extending moves: on Zen 4 the tile was bound by
 *   dispatch (~37 macro-ops per k, 6 a cycle, against 5 cycles of multiplies and adds), and the
 *   packed block measured 8–15% faster, the FMA module's 5–20%; below PACK_A_PANELS the packing
 *   costs more than it saves and the tiles read A in place. Unrolling k (2 or 4) measured slower
 *   with and without packing: V8 hoists every unrolled step's loads ahead of the arithmetic and
 *   spills. The r < MR rows past the last whole tile (every row of a B = 1 step) go through
 *   tiles of r rows × 4/r panels, reading A in place, so they too keep ≥ 6 independent add
 *   chains. A partial last panel goes through a scratch tile at address 0. (The FMA module's
 *   tiles have FMA_MR = 6 rows.)
 *
 *   Every C element is formed the same way whichever tile computes it and however the rows are
 *   split between calls (threads, step() at B = 1): per slice, a sum from zero over the slice's
 *   k in order, then stored (the first slice, not accumulating) or added to C.
 *
 * (Transposes and column sums are in rearrange.ts.) Addresses are byte offsets into the imported
 * memory; bytes [0, SCRATCH_BYTES) are the scratch: the partial-panel tile at 0, the packed block
 * of A at PACKED_A_AT (384 KB, the largest block: FMA_MR·32 rows × KC float64 values). Each
 * instance has its own memory (every thread's kernel too), so the scratch is never shared.
 * f32x4 for float32 (NR = 8), f64x2 for float64 (NR = 4).
 *
 * `fmaGemmModule()` is a second, optional module with the same `gemm_<t>` whose tiles multiply
 * and add in one relaxed-SIMD `relaxed_madd` (fused multiply-add where the CPU has FMA): engines
 * without relaxed SIMD refuse it (`WebAssembly.validate`), and the kernel then runs the plain
 * tiles. Same packed panels, same memory.
 */
import { Func, type Local, ModuleBuilder } from "./encoder.js";

export type Elem = "f32" | "f64";
/** k values per slice. */
export const KC = 256;
/** Where a block of A is packed for the MR-row tiles (after the partial-panel tile at 0). */
export const PACKED_A_AT = 256;
/** Rows of the main tile (5: measured against 4 and 6, see above). */
export const MR = 5;
/**
 * Rows of the fused multiply-add module's tile: 6 (12 accumulators), as `relaxed_madd` needs
 * no temporary register for the product (7 spill).
 */
export const FMA_MR = 6;
/** Rows per block (32 tiles): the block's slice of A, 160 (FMA: 192) × KC values, stays in L2. */
export const blockRows = (mr: number): number => 32 * mr;
/** Panels of P from which a block of A is packed: below, the tiles read A itself. */
export const PACK_A_PANELS = 4;
/**
 * Bytes reserved at address 0: the partial-panel tile (up to FMA_MR = 6 rows × NR: 192 bytes),
 * then a packed block of A (up to blockRows(FMA_MR) × KC float64 values).
 */
export const SCRATCH_BYTES = PACKED_A_AT + blockRows(FMA_MR) * KC * 8;

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
export const lanesOf = (t: Elem, lanes: readonly number[]): number[] => {
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
 * A tile of `rows` rows × `panels` panels (panels·NR columns) over kc values of k:
 * (a, ldab, pp, pstride, kc, c, ldcb, acc) with ldab, ldcb leading dimensions in bytes and
 * pstride the bytes from one packed panel to the next. Each C element is one lane of one
 * accumulator, summed from zero over k in order and then stored (acc: added to C), whatever
 * the tile's shape: every tile forms the same sums.
 *
 * `packedA`: `a` points at the tile's micro-panel of a packed block (packA), Ap[k][r], and its
 * rows are read through that one pointer with immediate offsets (ldab unused).
 *
 * With one panel, its two vectors of each k are loaded once and multiplied by every row's value
 * (`rows` ≤ 6 on x64's 16 vector registers); with one row, its value is broadcast once and
 * multiplied by each panel's vectors, so a single row still has 2·panels independent chains.
 */
function tileFn(t: Elem, rows: number, panels: number, fma: boolean, packedA = false): Func {
  const es = elemBytes(t);
  const nr = panelWidth(t);
  const V = vt(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [a, ldab, pp, pstride, kc, c, ldcb, acc] = f.params;
  // the rows' pointers into A, or (packedA) one pointer into the tile's k-major micro-panel
  const pa = Array.from({ length: packedA ? 1 : rows }, () => f.local("i32"));
  const aStep = packedA ? rows * es : es;
  /** Pushes row r's pointer; its value of k + u is at the returned offset. */
  const rowAt = (r: number, u: number): number => {
    f.get(pa[packedA ? 0 : r]!);
    return packedA ? u * aStep + r * es : u * es;
  };
  const pw = Array.from({ length: panels - 1 }, () => f.local("i32"));
  const end = f.local("i32");
  const b0 = f.local("v128");
  const b1 = f.local("v128");
  const av = f.local("v128");
  // cs[r][w][h]: row r, panel w, vector h
  const cs = Array.from({ length: rows }, () =>
    Array.from({ length: panels }, () => [f.local("v128"), f.local("v128")] as const),
  );
  for (const x of cs.flat(2)) f.op("v128.const", new Array(16).fill(0)).set(x);
  pa.forEach((p, r) => {
    f.get(a!);
    if (r > 0) f.get(ldab!).i32(r).op("i32.mul").op("i32.add");
    f.set(p);
  });
  pw.forEach((p, w) => {
    f.get(pp!)
      .get(pstride!)
      .i32(w + 1)
      .op("i32.mul")
      .op("i32.add")
      .set(p);
  });
  const panelPtr = (w: number): Local => (w === 0 ? pp! : pw[w - 1]!);
  f.get(pp!)
    .get(kc!)
    .i32(nr * es)
    .op("i32.mul")
    .op("i32.add")
    .set(end);
  // The k loop's pointers start as results of 32-bit arithmetic, not as the parameters
  // themselves: V8 then knows their upper halves are zero and addresses memory with them
  // directly (a parameter costs a zero-extending move per pointer per k, 2 of ~33 operations).
  f.get(end)
    .get(kc!)
    .i32(nr * es)
    .op("i32.mul")
    .op("i32.sub")
    .set(pp!);
  f.get(a!).get(ldab!).op("i32.add").get(ldab!).op("i32.sub").set(pa[0]!);
  const madd = (accum: Local, x: () => void, y: () => void) => {
    if (fma) {
      x();
      y();
      f.get(accum).op(`${V}.relaxed_madd`).set(accum);
    } else {
      f.get(accum);
      x();
      y();
      f.op(`${V}.mul`).op(`${V}.add`).set(accum);
    }
  };
  const splat = t === "f32" ? "v128.load32_splat" : "v128.load64_splat";
  // one k, u values past the pointers
  const kStep = (u: number) => {
    if (panels === 1) {
      f.get(pp!)
        .op("v128.load", u * nr * es)
        .set(b0);
      f.get(pp!)
        .op("v128.load", u * nr * es + 16)
        .set(b1);
      cs.forEach((row, r) => {
        f.op(splat, rowAt(r, u)).set(av);
        const [x, y] = row[0]!;
        madd(
          x,
          () => f.get(av),
          () => f.get(b0),
        );
        madd(
          y,
          () => f.get(av),
          () => f.get(b1),
        );
      });
      return;
    }
    for (let r = 0; r < rows; r++) {
      f.op(splat, rowAt(r, u)).set(av);
      for (let w = 0; w < panels; w++)
        cs[r]![w]!.forEach((x, h) =>
          madd(
            x,
            () => f.get(av),
            () => f.get(panelPtr(w)).op("v128.load", u * nr * es + 16 * h),
          ),
        );
    }
  };
  // a loop over k while pp < stop, `u` values of k per turn
  const kLoop = (stop: Local, u: number) => {
    f.op("block").get(pp!).get(stop).op("i32.ge_u").op("br_if", 0).op("loop");
    for (let j = 0; j < u; j++) kStep(j);
    for (const p of pa)
      f.get(p)
        .i32(u * aStep)
        .op("i32.add")
        .set(p);
    for (const p of pw)
      f.get(p)
        .i32(u * nr * es)
        .op("i32.add")
        .set(p);
    f.get(pp!)
      .i32(u * nr * es)
      .op("i32.add")
      .tee(pp!)
      .get(stop)
      .op("i32.lt_u")
      .op("br_if", 0);
    f.op("end").op("end");
  };
  // one k a turn: unrolled, V8 hoists the loads of every k first and spills (measured slower)
  kLoop(end, 1);
  // store (acc: add to C)
  const store = (add: boolean) => {
    cs.forEach((row, r) => {
      const at = () => {
        f.get(c!);
        if (r > 0) f.get(ldcb!).i32(r).op("i32.mul").op("i32.add");
      };
      row.forEach((vs, w) =>
        vs.forEach((v, h) => {
          const off = (w * nr * es + 16 * h) as number;
          at();
          if (add) {
            at();
            f.op("v128.load", off).get(v).op(`${V}.add`);
          } else f.get(v);
          f.op("v128.store", off);
        }),
      );
    });
  };
  f.get(acc!).op("if");
  store(true);
  f.op("else");
  store(false);
  f.op("end");
  return f;
}

/**
 * Packs a block of A for the MR-row tiles, (a, ldab, rows, kc, dst) with rows a multiple of mr
 * and ldab in bytes: tile q's micro-panel at dst + q·mr·kc elements, k-major,
 * Ap[q][k][r] = A[q·mr + r, k] for k < kc, so one pointer (and immediate offsets) serves a
 * tile's rows. A vector of k values of each row at a time: the rows' vectors are transposed in
 * registers a square of rows at a time (as in packing P) and stored as one vector per k; the
 * rows past the squares (mr mod lanes) a lane at a time; the k past the vectors one value at a
 * time.
 */
function packAFn(t: Elem, mr: number): Func {
  const es = elemBytes(t);
  const lanes = 16 / es;
  const step = mr * es;
  const f = new Func(["i32", "i32", "i32", "i32", "i32"]);
  const [a, ldab, rows, kc, dst] = f.params;
  const i = f.local("i32");
  const d = f.local("i32");
  const dEnd = f.local("i32");
  const dVec = f.local("i32");
  const ps = Array.from({ length: mr }, () => f.local("i32"));
  const v = Array.from({ length: mr }, () => f.local("v128"));
  const w = Array.from({ length: lanes }, () => f.local("v128"));
  const shuffle = (x: Local, y: Local, ls: number[]) =>
    f.get(x).get(y).op("i8x16.shuffle", lanesOf(t, ls));
  const squares = Math.floor(mr / lanes);
  f.get(dst!).set(d);
  forRange(
    f,
    i,
    () => f.i32(0),
    () => f.get(rows!),
    mr,
    () => {
      ps.forEach((p, r) => {
        f.get(a!).get(i).i32(r).op("i32.add").get(ldab!).op("i32.mul").op("i32.add").set(p);
      });
      // dVec: past the k in whole vectors; dEnd: past the tile's micro-panel
      f.get(d).get(kc!).i32(-lanes).op("i32.and").i32(step).op("i32.mul").op("i32.add").set(dVec);
      f.get(d).get(kc!).i32(step).op("i32.mul").op("i32.add").set(dEnd);
      f.op("block").get(d).get(dVec).op("i32.ge_u").op("br_if", 0).op("loop");
      ps.forEach((p, r) => {
        f.get(p).op("v128.load", 0).set(v[r]!);
      });
      for (let g = 0; g < squares; g++) {
        const x = v.slice(g * lanes, (g + 1) * lanes);
        if (t === "f32") {
          const [r0, r1, r2, r3] = x as [Local, Local, Local, Local];
          // w0 = r0₀ r1₀ r0₁ r1₁, w1 = r0₂ r1₂ r0₃ r1₃, w2, w3 the same of r2, r3
          shuffle(r0, r1, [0, 4, 1, 5]).set(w[0]!);
          shuffle(r0, r1, [2, 6, 3, 7]).set(w[1]!);
          shuffle(r2, r3, [0, 4, 1, 5]).set(w[2]!);
          shuffle(r2, r3, [2, 6, 3, 7]).set(w[3]!);
          const pick = [
            [0, 2, [0, 1, 4, 5]],
            [0, 2, [2, 3, 6, 7]],
            [1, 3, [0, 1, 4, 5]],
            [1, 3, [2, 3, 6, 7]],
          ] as const;
          pick.forEach(([p, q, ls], j) => {
            f.get(d);
            shuffle(w[p]!, w[q]!, [...ls]);
            f.op("v128.store", j * step + g * lanes * es);
          });
        } else
          for (let j = 0; j < 2; j++) {
            f.get(d);
            shuffle(x[0]!, x[1]!, [j, 2 + j]);
            f.op("v128.store", j * step + g * lanes * es);
          }
      }
      for (let r = squares * lanes; r < mr; r++)
        for (let j = 0; j < lanes; j++) {
          f.get(d)
            .get(v[r]!)
            .op(`${vt(t)}.extract_lane`, j)
            .op(`${t}.store`, j * step + r * es);
        }
      for (const p of ps)
        f.get(p)
          .i32(lanes * es)
          .op("i32.add")
          .set(p);
      f.get(d)
        .i32(lanes * step)
        .op("i32.add")
        .tee(d)
        .get(dVec)
        .op("i32.lt_u")
        .op("br_if", 0);
      f.op("end").op("end");
      // the k past the vectors
      f.op("block").get(d).get(dEnd).op("i32.ge_u").op("br_if", 0).op("loop");
      ps.forEach((p, r) => {
        f.get(d)
          .get(p)
          .op(`${t}.load`, 0)
          .op(`${t}.store`, r * es);
        f.get(p).i32(es).op("i32.add").set(p);
      });
      f.get(d).i32(step).op("i32.add").tee(d).get(dEnd).op("i32.lt_u").op("br_if", 0);
      f.op("end").op("end");
    },
  );
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

/** Function indices of a product's tiles in its module. */
interface Tiles {
  /** MR rows × one panel, its rows from a packed block of A (packA), or from A itself. */
  readonly block: number;
  readonly blockA: number;
  readonly packA: number;
  /** For r = 1 … MR − 1 rows (index r − 1): r rows × rowPanels(r) panels, and r rows × one panel. */
  readonly wide: readonly number[];
  readonly one: readonly number[];
  /** Copies a scratch tile into C (partial panels). */
  readonly tail: number;
}

/**
 * Panels of the tile for the r < MR rows past the last whole MR-row tile: enough that the tile
 * keeps at least 8 accumulators (4 panels for one row, 2 for two), so even a single row (B = 1)
 * has independent add chains.
 */
export const rowPanels = (r: number): number => Math.max(1, Math.floor(4 / r));

/**
 * The packed product (M, N, K, A, lda, Pp, C, ldc, acc), calling tiles by function index:
 *
 *   for each slice of KC values of k:
 *     for each block of MC rows (of the rows in whole MR-row tiles):
 *       pack its kc-wide slice of A into MR-row micro-panels (with ≥ PACK_A_PANELS panels)
 *       for each packed panel (its kc × NR slice stays in L1):
 *         for each MR-row tile of the block (the block's slice of A, packed or not, stays in L2)
 *     the r < MR rows past the last whole tile: rowPanels(r) panels at a time, then one
 */
function gemmFn(t: Elem, tiles: Tiles, mr: number): Func {
  const mc = blockRows(mr);
  const es = elemBytes(t);
  const nr = panelWidth(t);
  const f = new Func(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [M, N, K, A, lda, Pp, C, ldc, acc] = f.params;
  const k0 = f.local("i32");
  const kc = f.local("i32");
  const i = f.local("i32");
  const i0 = f.local("i32");
  const iEnd = f.local("i32");
  const nb = f.local("i32");
  const nbs = f.local("i32");
  const nFull = f.local("i32");
  const nWide = f.local("i32");
  const rest = f.local("i32");
  const accf = f.local("i32");
  const ldab = f.local("i32");
  const ldcb = f.local("i32");
  const pstride = f.local("i32");
  const mMain = f.local("i32");
  const n = f.local("i32");
  const packed = f.local("i32");
  f.get(lda!).i32(es).op("i32.mul").set(ldab);
  f.get(ldc!).i32(es).op("i32.mul").set(ldcb);
  f.get(K!)
    .i32(nr * es)
    .op("i32.mul")
    .set(pstride);
  f.get(N!)
    .i32(nr - 1)
    .op("i32.add")
    .i32(nr)
    .op("i32.div_u")
    .set(nbs);
  f.get(N!).i32(nr).op("i32.div_u").set(nFull);
  f.get(M!).i32(mr).op("i32.rem_u").set(rest);
  f.get(M!).get(rest).op("i32.sub").set(mMain);
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
  // ap = A + (i·lda + k0)·es; pp = Pp + (nb·K + k0)·nr·es; cp = C + (i·ldc + nb·nr)·es
  const setAp = () => {
    f.get(A!).get(i).get(ldab).op("i32.mul").op("i32.add").get(k0).i32(es);
    f.op("i32.mul").op("i32.add").set(ap);
  };
  const setPp = () => {
    f.get(Pp!).get(nb).get(pstride).op("i32.mul").op("i32.add").get(k0);
    f.i32(nr * es)
      .op("i32.mul")
      .op("i32.add")
      .set(pp);
  };
  const setCp = () => {
    f.get(C!).get(i).get(ldcb).op("i32.mul").op("i32.add").get(nb);
    f.i32(nr * es)
      .op("i32.mul")
      .op("i32.add")
      .set(cp);
  };
  // one tile at (i, nb): straight into C, or (a partial panel) through the scratch tile
  const callTile = (idx: number, rows: number, partial: boolean, fromPacked = false) => {
    if (fromPacked) {
      f.i32(PACKED_A_AT).get(i).get(i0).op("i32.sub").get(kc).op("i32.mul").i32(es);
      f.op("i32.mul").op("i32.add").set(ap);
    } else setAp();
    setCp();
    if (!partial) {
      f.get(ap).get(ldab).get(pp).get(pstride).get(kc).get(cp).get(ldcb).get(accf);
      f.op("call", idx);
      return;
    }
    f.get(ap)
      .get(ldab)
      .get(pp)
      .get(pstride)
      .get(kc)
      .i32(0)
      .i32(nr * es)
      .i32(0)
      .op("call", idx);
    f.i32(rows).get(N!).get(nb).i32(nr).op("i32.mul").op("i32.sub");
    f.get(cp).get(ldcb).get(accf).op("call", tiles.tail);
  };
  // an MR-row tile of a block: from the packed block (its micro-panel (i − i0)·kc elements
  // from the start) where the block is packed, else from A
  const callBlock = (partial: boolean) => {
    f.get(packed).op("if");
    callTile(tiles.block, mr, partial, true);
    f.op("else");
    callTile(tiles.blockA, mr, partial);
    f.op("end");
  };
  f.get(nbs).i32(PACK_A_PANELS).op("i32.ge_u").set(packed);
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
        i0,
        () => f.i32(0),
        () => f.get(mMain),
        mc,
        () => {
          // iEnd = min(i0 + mc, mMain)
          f.get(i0).i32(mc).op("i32.add").tee(iEnd).get(mMain).op("i32.gt_s");
          f.op("if").get(mMain).set(iEnd).op("end");
          // the block's rows of A, packed for its tiles (if there are enough panels to repay it)
          f.get(packed).op("if");
          f.get(A!).get(i0).get(ldab).op("i32.mul").op("i32.add").get(k0).i32(es);
          f.op("i32.mul").op("i32.add").get(ldab).get(iEnd).get(i0).op("i32.sub").get(kc);
          f.i32(PACKED_A_AT).op("call", tiles.packA).op("end");
          forRange(
            f,
            nb,
            () => f.i32(0),
            () => f.get(nbs),
            1,
            () => {
              setPp();
              f.get(nb).get(nFull).op("i32.lt_s").op("if");
              forRange(
                f,
                i,
                () => f.get(i0),
                () => f.get(iEnd),
                mr,
                () => callBlock(false),
              );
              f.op("else");
              forRange(
                f,
                i,
                () => f.get(i0),
                () => f.get(iEnd),
                mr,
                () => callBlock(true),
              );
              f.op("end");
            },
          );
        },
      );
      // the last rest < mr rows: one tile of `rest` rows over rowPanels(rest) panels at a time,
      // then over one, then the partial one
      f.get(mMain).set(i);
      for (let r = 1; r < mr; r++) {
        const g = rowPanels(r);
        f.get(rest).i32(r).op("i32.eq").op("if");
        // nWide = nFull rounded down to g
        f.get(nFull).get(nFull).i32(g).op("i32.rem_u").op("i32.sub").set(nWide);
        forRange(
          f,
          nb,
          () => f.i32(0),
          () => f.get(nWide),
          g,
          () => {
            setPp();
            callTile(tiles.wide[r - 1]!, r, false);
          },
        );
        forRange(
          f,
          nb,
          () => f.get(nWide),
          () => f.get(nbs),
          1,
          () => {
            setPp();
            f.get(nb).get(nFull).op("i32.lt_s").op("if");
            callTile(tiles.one[r - 1]!, r, false);
            f.op("else");
            callTile(tiles.one[r - 1]!, r, true);
            f.op("end");
          },
        );
        f.op("end");
      }
    },
  );
  return f;
}

/** Adds gemm_<t> (its tiles multiplying and adding apart, or fused: `fma`) to a module. */
function addProduct(m: ModuleBuilder, t: Elem, fma: boolean): void {
  const mr = fma ? FMA_MR : MR;
  const block = m.add(tileFn(t, mr, 1, fma, true));
  const blockA = m.add(tileFn(t, mr, 1, fma));
  const packA = m.add(packAFn(t, mr));
  const one: number[] = [];
  const wide: number[] = [];
  for (let r = 1; r < mr; r++) {
    one.push(m.add(tileFn(t, r, 1, fma)));
    wide.push(rowPanels(r) > 1 ? m.add(tileFn(t, r, rowPanels(r), fma)) : one[r - 1]!);
  }
  const tail = m.add(tailFn(t));
  m.add(gemmFn(t, { block, blockA, packA, wide, one, tail }, mr), `gemm_${t}`);
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
