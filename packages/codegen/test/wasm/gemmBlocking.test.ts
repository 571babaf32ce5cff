/**
 * The blocked product's order of summation: every C element is formed the same way whatever
 * tile computes it (the MR-row tile, the tiles of the last rows, a partial panel through the
 * scratch tile) and however the rows are split between calls (threads, step() at B = 1). The
 * model (gemmModel.ts) is that order written out in scalars: for each slice of KC values of k, a sum
 * from zero over the slice in k order, stored (the first slice, not accumulating) or added to
 * C. The plain module must equal it bit for bit.
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
  rowPanels,
  SCRATCH_BYTES,
} from "../../src/backends/wasm/gemm.js";
import { gemmModel, plainMadd, round } from "./gemmModel.js";
import { instantiate } from "./instantiate.js";

type Fn = (...a: number[]) => void;
interface Wa {
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, unknown> };
}
interface Ex {
  [k: string]: Fn;
}

describe.skipIf(!simdSupported())("wasm gemm: blocking and the order of summation", () => {
  const m = new ModuleBuilder(1);
  addGemm(m, "f32");
  addGemm(m, "f64");
  const { mem, ex } = instantiate<Ex>(m.encode(), 256);
  // the relaxed-SIMD module on the same memory, where the engine runs it
  const WA = (globalThis as unknown as { WebAssembly: Wa }).WebAssembly;
  const fma = relaxedSimdSupported()
    ? (new WA.Instance(new WA.Module(fmaGemmModule()), { env: { mem } }).exports as Ex)
    : undefined;

  interface Case {
    t: Elem;
    M: number;
    N: number;
    K: number;
    pad: readonly [number, number, number];
    acc: boolean;
    seed: number;
  }

  /** Lays out A, P, packed P and C; returns helpers to run the product on row ranges. */
  function setup({ t, M, N, K, pad, acc, seed }: Case) {
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
    const at = { A: SCRATCH_BYTES + 16, P: 0, Pp: 0, C: 0 };
    at.P = at.A + a.length * es + 16;
    at.Pp = (at.P + p.length * es + 16) & -16;
    at.C = at.Pp + packedSize(t, N, K) * es + 16;
    const end = at.C + (c0.length + 1) * es;
    if (end > mem.buffer.byteLength) throw new Error("test memory too small");
    new V(mem.buffer, at.A, a.length).set(a);
    new V(mem.buffer, at.P, p.length).set(p);
    ex[`pack_${t}`]!(at.P, ldp, N, K, at.Pp);
    const c = () => new V(mem.buffer, at.C, c0.length + 1);
    /** C from c0, then the product over each row range [from, to) in turn; C's values. */
    const run = (ranges: readonly (readonly [number, number])[], e: Ex = ex) => {
      c().set(c0);
      c()[c0.length] = 12345; // a guard after C
      for (const [from, to] of ranges)
        e[`gemm_${t}`]!(
          to - from,
          N,
          K,
          at.A + from * lda * es,
          lda,
          at.Pp,
          at.C + from * ldc * es,
          ldc,
          acc ? 1 : 0,
        );
      expect(c()[c0.length]).toBe(12345);
      return Float64Array.from(c().subarray(0, c0.length));
    };
    const want = () => {
      const w = Float64Array.from(c0);
      gemmModel(plainMadd(t), round(t), M, N, K, a, lda, p, ldp, w, ldc, acc);
      // the padding of C is not touched
      for (let i = 0; i < M; i++) for (let n = N; n < ldc; n++) w[i * ldc + n] = c0[i * ldc + n]!;
      return w;
    };
    return { run, want };
  }

  /** Splits [0, M) at the given cut points. */
  const ranges = (M: number, cuts: readonly number[]): [number, number][] => {
    const pts = [...new Set([0, ...cuts.map((x) => x % (M + 1)), M])].sort((x, y) => x - y);
    return pts.slice(1).map((to, j) => [pts[j]!, to]);
  };

  const check = (c: Case, cuts: readonly number[]) => {
    const { run, want } = setup(c);
    const whole = run([[0, c.M]]);
    expect(whole).toEqual(want());
    // the same bits whatever the rows' split: any cuts, and one row per call (step() at B = 1)
    expect(run(ranges(c.M, cuts))).toEqual(whole);
    expect(run(Array.from({ length: c.M }, (_, i) => [i, i + 1] as const))).toEqual(whole);
    if (fma) {
      const fw = run([[0, c.M]], fma);
      expect(run(ranges(c.M, cuts), fma)).toEqual(fw);
      expect(
        run(
          Array.from({ length: c.M }, (_, i) => [i, i + 1] as const),
          fma,
        ),
      ).toEqual(fw);
    }
  };

  for (const t of ["f32", "f64"] as const) {
    const nr = panelWidth(t);
    it(`${t}: edge sizes (0, 1, 3, 4, 5, 7, 8, 9, MR ± 1, panel ± 1, KC ± 1), acc on and off`, () => {
      const ms = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, MR + 1, 2 * MR + 3, 2 * FMA_MR + 5];
      const ns = [0, 1, 3, 4, 5, 7, 8, 9, nr - 1, nr + 1, 4 * nr, 4 * nr + 3, 9 * nr + 1];
      const ks = [0, 1, 3, 4, 5, 7, 8, 9, KC - 1, KC, KC + 1];
      let seed = 1;
      for (const M of ms)
        for (const N of ns)
          for (const K of ks) {
            const acc = seed % 2 === 0;
            check({ t, M, N, K, pad: [seed % 3, (seed >> 1) % 3, seed % 4], acc, seed }, [
              seed % 7,
              3,
            ]);
            seed++;
          }
    });
    it(`${t}: several row blocks, every remainder of M mod MR (and FMA_MR), K over two slices`, () => {
      const mc = Math.max(blockRows(MR), blockRows(FMA_MR));
      for (let r = 0; r < Math.max(MR, FMA_MR); r++)
        check(
          {
            t,
            M: mc + MR * 3 + r,
            N: 5 * nr + 3,
            K: 2 * KC + 5,
            pad: [1, 2, 3],
            acc: r % 2 === 0,
            seed: r,
          },
          [7, mc + 1],
        );
    });
    it(`${t}: blocks of A packed (≥ PACK_A_PANELS panels) or read in place (fewer), several slices`, () => {
      // N of PACK_A_PANELS − 1 whole panels (A read in place), then one column more (a partial
      // panel: packed), then PACK_A_PANELS whole panels; full blocks of both modules' tiles
      const mc = Math.max(blockRows(MR), blockRows(FMA_MR));
      const p = PACK_A_PANELS;
      let seed = 40;
      for (const N of [(p - 1) * nr, (p - 1) * nr + 1, p * nr])
        for (const M of [MR, 2 * FMA_MR + 1, mc + 2 * MR + 3]) {
          const acc = seed % 2 === 1;
          check({ t, M, N, K: KC + 3 + (seed % 5), pad: [seed % 3, 1, 2], acc, seed }, [MR, mc]);
          seed++;
        }
    });
    it(`${t}: random shapes, leading dimensions and row splits (property)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 23 }),
          fc.integer({ min: 0, max: 6 * nr + 1 }),
          fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: KC - 2, max: KC + 9 })),
          fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4)),
          fc.boolean(),
          fc.array(fc.nat(30), { maxLength: 4 }),
          fc.nat(),
          (M, N, K, pad, acc, cuts, seed) => check({ t, M, N, K, pad, acc, seed }, cuts),
        ),
        { seed: 15, numRuns: 150 },
      );
    });
  }

  it("the last rows' tiles keep at least 6 accumulators", () => {
    for (let r = 1; r < FMA_MR; r++) expect(2 * r * rowPanels(r)).toBeGreaterThanOrEqual(6);
  });
});
