import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ModuleBuilder, simdSupported } from "../../src/backends/wasm/encoder.js";
import {
  addGemm,
  type Elem,
  elemBytes,
  packedSize,
  SCRATCH_BYTES,
} from "../../src/backends/wasm/gemm.js";
import { instantiate } from "./instantiate.js";

interface GemmExports {
  [k: string]: (...a: number[]) => void;
}

function instance() {
  const m = new ModuleBuilder(1);
  addGemm(m, "f32");
  addGemm(m, "f64");
  return instantiate<GemmExports>(m.encode());
}

/** C[i, n] (+)= Σ_k A[i, k]·P[n, k] in float64, the contract's definition. */
function naive(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  lda: number,
  P: Float64Array,
  ldp: number,
  C: Float64Array,
  ldc: number,
  acc: boolean,
): void {
  for (let i = 0; i < M; i++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[i * lda + k]! * P[n * ldp + k]!;
      C[i * ldc + n] = (acc ? C[i * ldc + n]! : 0) + s;
    }
}

const dims = fc.oneof(fc.constantFrom(0, 1, 3, 4, 5, 8, 9, 17), fc.integer({ min: 0, max: 40 }));

describe.skipIf(!simdSupported())("wasm SIMD gemm", () => {
  const { mem, ex } = instance();
  const run = (
    t: Elem,
    M: number,
    N: number,
    K: number,
    pad: [number, number, number],
    acc: boolean,
    seed: number,
  ) => {
    const es = elemBytes(t);
    const [lda, ldp, ldc] = [K + pad[0], K + pad[1], N + pad[2]];
    let s = seed >>> 0;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const A = Float64Array.from({ length: Math.max(0, M * lda) }, rnd);
    const P = Float64Array.from({ length: Math.max(0, N * ldp) }, rnd);
    const C0 = Float64Array.from({ length: Math.max(0, M * ldc) }, rnd);
    const V = t === "f32" ? Float32Array : Float64Array;
    // round inputs to the dtype so the float64 truth sees what the kernel sees
    const [a, p, c0] = [V.from(A), V.from(P), V.from(C0)];
    const at = { A: SCRATCH_BYTES + 64, P: 0, Pp: 0, C: 0 };
    at.P = at.A + a.length * es + 32;
    at.Pp = at.P + p.length * es + 16;
    at.C = at.Pp + packedSize(t, N, K) * es + 8;
    new V(mem.buffer, at.A, a.length).set(a);
    new V(mem.buffer, at.P, p.length).set(p);
    new V(mem.buffer, at.C, c0.length).set(c0);
    // a guard value after C must survive
    new V(mem.buffer, at.C + c0.length * es, 1)[0] = 12345;
    ex[`pack_${t}`]!(at.P, ldp, N, K, at.Pp);
    ex[`gemm_${t}`]!(M, N, K, at.A, lda, at.Pp, at.C, ldc, acc ? 1 : 0);
    const got = Float64Array.from(new V(mem.buffer, at.C, c0.length));
    const want = Float64Array.from(c0);
    naive(M, N, K, Float64Array.from(a), lda, Float64Array.from(p), ldp, want, ldc, acc);
    for (let i = 0; i < M; i++)
      for (let n = ldc - pad[2]; n < ldc; n++) want[i * ldc + n] = c0[i * ldc + n]!; // padding untouched
    const tol = (t === "f32" ? 4e-7 : 1e-15) * (K + 2);
    for (let q = 0; q < want.length; q++)
      expect(Math.abs(got[q]! - want[q]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(want[q]!)));
    expect(new V(mem.buffer, at.C + c0.length * es, 1)[0]).toBe(12345);
  };

  for (const t of ["f32", "f64"] as const) {
    it(`${t}: equals the naive product on random sizes (edges, leading dims, accumulate or not)`, () => {
      fc.assert(
        fc.property(
          dims,
          dims,
          dims,
          fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)),
          fc.boolean(),
          fc.nat(),
          (M, N, K, pad, acc, seed) => {
            run(t, M, N, K, pad, acc, seed);
          },
        ),
        { seed: 8, numRuns: 300 },
      );
    });
    it(`${t}: K beyond one slice (K = 600) and the LSTM shapes`, () => {
      run(t, 9, 13, 600, [1, 2, 3], true, 1);
      run(t, 32, 512, 128, [0, 0, 0], false, 2);
      run(t, 5, 17, 513, [0, 0, 0], false, 3);
    });
  }
});
