/**
 * The product's packed blocks of A (packA, ≥ PACK_A_PANELS panels) at the shapes where packing
 * and blocking meet, against scalar models of the product's order of summation, bit for bit:
 *
 * - rows around the block boundaries (blockRows(MR) = 160, blockRows(FMA_MR) = 192, twice
 *   those) and every remainder mod MR and FMA_MR, so blocks end in whole tiles and in the last
 *   rows' tiles; columns around the PACK_A_PANELS threshold (A read in place below, packed from
 *   there, a partial last panel); k around the slices (KC − 1, KC, KC + 1, 2·KC ± 1);
 * - A and C at element offsets that are not 16-byte aligned, leading dimensions past K and N,
 *   acc on and off;
 * - the scratch (the partial-panel tile and the packed block) filled with NaN before every call,
 *   so a value packA did not write, or a tile that read past its micro-panel, shows; a guard
 *   right after SCRATCH_BYTES, so a packed block larger than the scratch shows; A and the
 *   packed P left as they were.
 *
 * The plain module equals the model of gemmBlocking.test.ts (per slice a sum from zero over the
 * slice's k in order, each product and sum rounded, then stored or added to C). The fused
 * multiply-add module (where the engine runs relaxed SIMD) equals the same order with each
 * product and add one `relaxed_madd`: fused (one rounding, where the CPU has FMA) or not (two),
 * whichever this engine does — a probe decides once, and then every case must be that model.
 * Node 20 runs relaxed SIMD behind a flag, which vitest's forks do not inherit; the FMA cases run
 * with `node --experimental-wasm-relaxed-simd node_modules/vitest/vitest.mjs run --pool=threads
 * --project codegen test/wasm/gemmPackA.prop.test.ts` (and skip without it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ModuleBuilder, simdSupported } from "../../src/backends/wasm/encoder.js";
import {
  addGemm,
  blockRows,
  type Elem,
  elemBytes,
  FMA_MR,
  fmaGemmModule,
  KC,
  MR,
  PACK_A_PANELS,
  packedSize,
  panelWidth,
  relaxedSimdSupported,
  SCRATCH_BYTES,
} from "../../src/backends/wasm/gemm.js";
import { gemmModel, plainMadd, round } from "./gemmModel.js";
import { instantiate } from "./instantiate.js";

type Fn = (...a: number[]) => void;
type Ex = Record<string, Fn>;
interface Wa {
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, unknown> };
}

/** x = m·2^e exactly (finite x). */
function parts(x: number): [bigint, number] {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  const hi = v.getUint32(0);
  const E = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(v.getUint32(4));
  if (E !== 0) m |= 1n << 52n;
  if (hi >>> 31) m = -m;
  return [m, E === 0 ? -1074 : E - 1075];
}

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);

/** a·b + c rounded once to `prec` bits (ties to even), exponent ≥ `minExp`: a fused multiply-add. */
function fusedMadd(a: number, b: number, c: number, prec: number, minExp: number): number {
  const [ma, ea] = parts(a);
  const [mb, eb] = parts(b);
  const [mc, ec] = parts(c);
  const e0 = Math.min(ea + eb, ec);
  const s = ((ma * mb) << BigInt(ea + eb - e0)) + (mc << BigInt(ec - e0));
  const neg0 = (x: number) => x < 0 || Object.is(x, -0);
  if (s === 0n) return neg0(c) && neg0(a) !== neg0(b) ? -0 : 0;
  const neg = s < 0n;
  let m = neg ? -s : s;
  const q = Math.max(bitLength(m) - prec + e0, minExp);
  let e = e0;
  if (q > e0) {
    const sh = BigInt(q - e0);
    const rest = m & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    m >>= sh;
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
    e = q;
  }
  const r = Number(m) * 2 ** e;
  return neg ? -r : r;
}

const bits64 = new Float64Array(1);
const int64 = new BigInt64Array(bits64.buffer);
/**
 * The same for float32 operands without BigInt: a·b is exact in float64, the sum is rounded to
 * float64 by odd (the float64 sum, moved one unit toward the exact one where it was rounded to
 * an even last bit), and rounding that to float32 is then the one correct rounding (53 ≥ 24 + 2).
 */
function fusedMaddF32(a: number, b: number, c: number): number {
  const p = a * b;
  let hi = p + c;
  const bb = hi - p;
  const e = p - (hi - bb) + (c - bb);
  if (e !== 0) {
    bits64[0] = hi;
    if ((int64[0]! & 1n) === 0n) {
      int64[0] = int64[0]! + (e > 0 === hi > 0 ? 1n : -1n);
      hi = bits64[0]!;
    }
  }
  return Math.fround(hi);
}

const fusedOf = (t: Elem) =>
  t === "f32" ? fusedMaddF32 : (a: number, b: number, s: number) => fusedMadd(a, b, s, 53, -1074);

describe.skipIf(!simdSupported())("wasm gemm: packed blocks of A at the block edges", () => {
  const m = new ModuleBuilder(1);
  addGemm(m, "f32");
  addGemm(m, "f64");
  const { mem, ex } = instantiate<Ex>(m.encode(), 400);
  const WA = (globalThis as unknown as { WebAssembly: Wa }).WebAssembly;
  const fma = relaxedSimdSupported()
    ? (new WA.Instance(new WA.Module(fmaGemmModule()), { env: { mem } }).exports as Ex)
    : undefined;
  const GUARD = 64;

  interface Case {
    t: Elem;
    M: number;
    N: number;
    K: number;
    /** lda − K, ldp − K, ldc − N */
    pad: readonly [number, number, number];
    /** elements past a 16-byte boundary where A and C start */
    skew: readonly [number, number];
    acc: boolean;
    seed: number;
  }

  /** Runs one product (plain or fma) on fresh memory; C's values after it. */
  function run(c: Case, e: Ex) {
    const { t, M, N, K, pad, skew, acc, seed } = c;
    const es = elemBytes(t);
    const V = t === "f32" ? Float32Array : Float64Array;
    const [lda, ldp, ldc] = [K + pad[0], K + pad[1], N + pad[2]];
    let s = seed >>> 0;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const gen = (n: number) => {
      const x = new V(n);
      for (let q = 0; q < n; q++) x[q] = rnd();
      return x;
    };
    const a = gen(M * lda);
    const p = gen(N * ldp);
    const c0 = gen(M * ldc);
    const up = (x: number) => (x + 15) & -16;
    const at = { A: SCRATCH_BYTES + GUARD + skew[0] * es, P: 0, Pp: 0, C: 0 };
    at.P = up(at.A + a.length * es);
    at.Pp = up(at.P + p.length * es);
    at.C = up(at.Pp + packedSize(t, N, K) * es) + skew[1] * es;
    const end = at.C + (c0.length + 1) * es;
    if (end > mem.buffer.byteLength) throw new Error("test memory too small");
    const bytes = new Uint8Array(mem.buffer);
    // NaN (all ones) all over the scratch, a guard after it
    bytes.fill(0xff, 0, SCRATCH_BYTES);
    bytes.fill(0xa5, SCRATCH_BYTES, SCRATCH_BYTES + GUARD);
    new V(mem.buffer, at.A, a.length).set(a);
    new V(mem.buffer, at.P, p.length).set(p);
    ex[`pack_${t}`]!(at.P, ldp, N, K, at.Pp);
    const pp = new V(mem.buffer, at.Pp, packedSize(t, N, K)).slice();
    const cv = new V(mem.buffer, at.C, c0.length + 1);
    cv.set(c0);
    cv[c0.length] = 12345;
    e[`gemm_${t}`]!(M, N, K, at.A, lda, at.Pp, at.C, ldc, acc ? 1 : 0);
    const what = JSON.stringify(c);
    expect(cv[c0.length], `${what}: past C`).toBe(12345);
    const g = bytes.subarray(SCRATCH_BYTES, SCRATCH_BYTES + GUARD);
    expect(
      g.every((x) => x === 0xa5),
      `${what}: the guard after the scratch`,
    ).toBe(true);
    const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
      x.length === y.length &&
      Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));
    expect(same(new V(mem.buffer, at.A, a.length), a), `${what}: A untouched`).toBe(true);
    expect(same(new V(mem.buffer, at.Pp, pp.length), pp), `${what}: packed P untouched`).toBe(true);
    const got = Float64Array.from(cv.subarray(0, c0.length));
    const want = (madd: (a: number, b: number, s: number) => number) => {
      const w = Float64Array.from(c0);
      gemmModel(madd, round(t), M, N, K, a, lda, p, ldp, w, ldc, acc);
      // the padding of C is not touched
      for (let i = 0; i < M; i++) for (let n = N; n < ldc; n++) w[i * ldc + n] = c0[i * ldc + n]!;
      return w;
    };
    return { got, want, what };
  }

  /** The plain module against the model, bit for bit. */
  const checkPlain = (c: Case) => {
    const { got, want, what } = run(c, ex);
    const w = want(plainMadd(c.t));
    const k = got.findIndex((g, i) => !Object.is(g, w[i]));
    expect(k < 0 ? "same" : `${what}: C[${k}] = ${got[k]}, model ${w[k]}`).toBe("same");
  };

  /** Whether this engine's relaxed_madd fuses (decided once, on a case where the two differ). */
  let fused: boolean | undefined;
  const checkFma = (c: Case) => {
    if (!fma) return;
    const { got, want, what } = run(c, fma);
    if (fused === undefined) {
      // a probe: K = 2 products whose fused and two-rounding sums differ
      const t = c.t;
      const V = t === "f32" ? Float32Array : Float64Array;
      const es = elemBytes(t);
      const u = t === "f32" ? 2 ** -12 : 2 ** -27;
      const A = V.of(-1, 1 + u);
      const P = V.of(1, 1 + u);
      const base = SCRATCH_BYTES + GUARD;
      new V(mem.buffer, base, 2).set(A);
      new V(mem.buffer, base + 16, 2).set(P);
      ex[`pack_${t}`]!(base + 16, 2, 1, 2, base + 32);
      fma[`gemm_${t}`]!(1, 1, 2, base, 2, base + 32, base + 32 + 16 * es * 2, 1, 0);
      const y = new V(mem.buffer, base + 32 + 16 * es * 2, 1)[0]!;
      const f = fusedOf(t)(A[1]!, P[1]!, fusedOf(t)(A[0]!, P[0]!, 0));
      const pl = plainMadd(t)(A[1]!, P[1]!, plainMadd(t)(A[0]!, P[0]!, 0));
      expect(f).not.toBe(pl);
      expect([f, pl]).toContain(y);
      fused = y === f;
    }
    const w = want(fused ? fusedOf(c.t) : plainMadd(c.t));
    const k = got.findIndex((g, i) => !Object.is(g, w[i]));
    expect(k < 0 ? "same" : `${what} (fused: ${fused}): C[${k}] = ${got[k]}, model ${w[k]}`).toBe(
      "same",
    );
  };

  for (const t of ["f32", "f64"] as const) {
    const nr = panelWidth(t);
    const pk = PACK_A_PANELS;
    // columns: in place (pk − 1 panels, whole or partial), packed (a partial pk-th panel, pk
    // whole, pk whole and a partial one, many)
    const Ns = [(pk - 1) * nr, (pk - 1) * nr + 1, pk * nr - 1, pk * nr, pk * nr + 1, 9 * nr + 3];
    const Ks = [1, 3, 4, 5, KC - 1, KC, KC + 1, 2 * KC - 1, 2 * KC + 1];
    const edges = (mc: number) => [mc - 1, mc, mc + 1, mc + 4, 2 * mc + 3];

    it(`${t}: rows around the blocks (${blockRows(MR)}, ${blockRows(FMA_MR)}), columns around PACK_A_PANELS, k around the slices`, () => {
      let seed = 1;
      // each M with three of the columns' cases, each N with five of the M, k cycling
      const Ms = [...edges(blockRows(MR)), ...edges(blockRows(FMA_MR))];
      for (const [j, M] of Ms.entries())
        for (const N of [0, 2, 4].map((q) => Ns[(j + q) % Ns.length]!)) {
          // k cycles through the slices' edges; every case a different pad, skew and acc
          const K = Ks[seed % Ks.length]!;
          const c: Case = {
            t,
            M,
            N,
            K,
            pad: [seed % 3, (seed >> 1) % 2, seed % 5],
            skew: [seed % (16 / elemBytes(t)), (seed >> 2) % (16 / elemBytes(t))],
            acc: seed % 2 === 0,
            seed,
          };
          checkPlain(c);
          seed++;
        }
    });

    it.skipIf(!fma)(
      `${t}: the fused multiply-add module against its model at the block edges`,
      () => {
        const mc = blockRows(FMA_MR);
        let seed = 100;
        // (float64's fused model is BigInt arithmetic: fewer products)
        const cases: [number, number][] =
          t === "f32"
            ? [
                [FMA_MR, KC + 1],
                [mc - 1, 9],
                [mc + 1, KC + 2],
                [mc + FMA_MR + 5, 7],
              ]
            : [
                [FMA_MR, KC + 1],
                [2 * FMA_MR + 1, 2 * KC + 1],
                [mc + 1, 5],
              ];
        for (const [M, K] of cases)
          for (const N of [(pk - 1) * nr + 1, pk * nr + 1]) {
            checkFma({ t, M, N, K, pad: [1, 0, 2], skew: [1, 1], acc: seed % 2 === 1, seed });
            seed++;
          }
        // the largest packed block (FMA_MR·32 rows × KC): it fills the scratch, and the guard
        // after it stays (run checks it; the model is left out here)
        run({ t, M: mc, N: pk * nr, K: KC, pad: [0, 0, 0], skew: [0, 0], acc: false, seed }, fma!);
      },
    );

    it(`${t}: random shapes up to 2 blocks × 40 panels × 3 slices (property)`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.integer({ min: 1, max: 2 * blockRows(FMA_MR) + 9 }),
            fc.integer({ min: 1, max: 13 }),
          ),
          fc.oneof(
            fc.integer({ min: 1, max: 40 * nr }),
            fc.integer({ min: (pk - 1) * nr - 1, max: pk * nr + 1 }),
          ),
          fc.oneof(
            fc.integer({ min: 1, max: 3 * KC + 7 }),
            fc.integer({ min: KC - 3, max: KC + 3 }),
          ),
          fc.tuple(fc.nat(9), fc.nat(9), fc.nat(9)),
          fc.tuple(fc.nat(16 / elemBytes(t) - 1), fc.nat(16 / elemBytes(t) - 1)),
          fc.boolean(),
          fc.nat(),
          (M, N, K0, pad, skew, acc, seed) => {
            // the scalar model's time: at most ~4M products a case (fewer k where M·N is large)
            const K = Math.max(1, Math.min(K0, Math.floor(4e6 / (M * N))));
            checkPlain({ t, M, N, K, pad, skew, acc, seed });
          },
        ),
        { seed: 61, numRuns: 40 },
      );
    });
  }

  it("the fused model rounds once (and the plain one twice)", () => {
    // 1 + 2^-12 squared in float32 is 1 + 2^-11 + 2^-24: plain rounds it (a tie) to 1 + 2^-11
    const x = Math.fround(1 + 2 ** -12);
    expect(fusedMadd(x, x, -1, 24, -149)).toBe(2 ** -11 + 2 ** -24);
    expect(plainMadd("f32")(x, x, -1)).toBe(2 ** -11);
    const y = 1 + 2 ** -27;
    expect(fusedMadd(y, y, -1, 53, -1074)).toBe(2 ** -26 + 2 ** -54);
    expect(plainMadd("f64")(y, y, -1)).toBe(2 ** -26);
    // subnormal results, signed zeros
    expect(fusedMadd(2 ** -100, 2 ** -49, 0, 24, -149)).toBe(2 ** -149);
    expect(fusedMadd(2 ** -100, 2 ** -50, 0, 24, -149)).toBe(0);
    expect(Object.is(fusedMadd(-1, 0, -0, 53, -1074), -0)).toBe(true);
    expect(Object.is(fusedMadd(1, 1, -1, 53, -1074), 0)).toBe(true);
    // the float32 model without BigInt: the same as the exact one, including ties and far
    // exponents
    let s = 7;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
    for (let i = 0; i < 20000; i++) {
      const sc = 2 ** Math.floor(rnd() * 60);
      const a = Math.fround(rnd());
      const b = Math.fround(i % 3 ? rnd() : a);
      const c = Math.fround(i % 5 ? rnd() * sc : -a * b);
      expect([a, b, c, fusedMaddF32(a, b, c)]).toEqual([a, b, c, fusedMadd(a, b, c, 24, -149)]);
    }
    expect(fusedMaddF32(x, x, -1)).toBe(2 ** -11 + 2 ** -24);
  });
});
