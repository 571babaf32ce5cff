/**
 * The products' order of summation written out in scalars (gemm.ts): for each slice of KC values
 * of k, a sum from zero over the slice in k order, stored (the first slice, not accumulating) or
 * added to C. `madd(a, b, s)` forms s + a·b: `plainMadd` rounds the product and the sum apart (the
 * plain module), a fused form models the relaxed-SIMD module.
 */
import { type Elem, KC } from "../../src/backends/wasm/gemm.js";

export const round = (t: Elem): ((x: number) => number) =>
  t === "f32" ? Math.fround : (x: number) => x;

export const plainMadd = (t: Elem): ((a: number, b: number, s: number) => number) => {
  const r = round(t);
  return (a, b, s) => r(s + r(a * b));
};

export function gemmModel(
  madd: (a: number, b: number, s: number) => number,
  rnd: (x: number) => number,
  M: number,
  N: number,
  K: number,
  A: ArrayLike<number>,
  lda: number,
  P: ArrayLike<number>,
  ldp: number,
  C: Float64Array,
  ldc: number,
  acc: boolean,
): void {
  for (let i = 0; i < M; i++)
    for (let n = 0; n < N; n++) {
      if (K === 0 && !acc) C[i * ldc + n] = 0;
      for (let k0 = 0; k0 < K; k0 += KC) {
        let s = 0;
        for (let k = k0; k < Math.min(K, k0 + KC); k++)
          s = madd(A[i * lda + k]!, P[n * ldp + k]!, s);
        C[i * ldc + n] = acc || k0 > 0 ? rnd(C[i * ldc + n]! + s) : s;
      }
    }
}
