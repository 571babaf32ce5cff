/**
 * The dense helpers every module carries (fixed text, no user input): a register-blocked
 * dot-product matrix product (2 rows × 4 columns per register block; blocks of 32 rows, slices
 * of 256 along K and panels of 64 columns keep the operands in cache)
 * and a blocked transpose.
 */
export const HELPERS = `// C[i, j] (+)= Σ_k A[i, k]·W[j, k]  (i < M, j < N, k < K): blocks of 32 rows × 256 k × 64 columns
function $gemm(M0, N, K, A, ao0, lda, W, wo, ldw, C, co0, ldc, acc0) {
  if (K === 0 && !acc0) for (let i = 0; i < M0; i++) C.fill(0, co0 + i * ldc, co0 + i * ldc + N);
  for (let i0 = 0; i0 < M0; i0 += 32) {
    const M = Math.min(32, M0 - i0), ao = ao0 + i0 * lda, co = co0 + i0 * ldc;
    for (let k0 = 0; k0 < K; k0 += 256) {
      const k1 = Math.min(K, k0 + 256), acc = acc0 || k0 > 0;
      for (let j0 = 0; j0 < N; j0 += 64) {
        const j1 = Math.min(N, j0 + 64);
        let i = 0;
        for (; i + 1 < M; i += 2) {
          const a0 = ao + i * lda, a1 = a0 + lda, c0 = co + i * ldc, c1 = c0 + ldc;
          let j = j0;
          for (; j + 3 < j1; j += 4) {
            const w0 = wo + j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw;
            let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
            for (let k = k0; k < k1; k++) {
              const x = A[a0 + k], y = A[a1 + k];
              const p0 = W[w0 + k], p1 = W[w1 + k], p2 = W[w2 + k], p3 = W[w3 + k];
              s0 += x * p0; s1 += x * p1; s2 += x * p2; s3 += x * p3;
              t0 += y * p0; t1 += y * p1; t2 += y * p2; t3 += y * p3;
            }
            if (acc) {
              C[c0 + j] += s0; C[c0 + j + 1] += s1; C[c0 + j + 2] += s2; C[c0 + j + 3] += s3;
              C[c1 + j] += t0; C[c1 + j + 1] += t1; C[c1 + j + 2] += t2; C[c1 + j + 3] += t3;
            } else {
              C[c0 + j] = s0; C[c0 + j + 1] = s1; C[c0 + j + 2] = s2; C[c0 + j + 3] = s3;
              C[c1 + j] = t0; C[c1 + j + 1] = t1; C[c1 + j + 2] = t2; C[c1 + j + 3] = t3;
            }
          }
          for (; j < j1; j++) {
            const w0 = wo + j * ldw;
            let s0 = 0, t0 = 0;
            for (let k = k0; k < k1; k++) { const p0 = W[w0 + k]; s0 += A[a0 + k] * p0; t0 += A[a1 + k] * p0; }
            if (acc) { C[c0 + j] += s0; C[c1 + j] += t0; } else { C[c0 + j] = s0; C[c1 + j] = t0; }
          }
        }
        if (i < M) {
          const a0 = ao + i * lda, c0 = co + i * ldc;
          let j = j0;
          for (; j + 3 < j1; j += 4) {
            const w0 = wo + j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw;
            let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (let k = k0; k < k1; k++) { const x = A[a0 + k]; s0 += x * W[w0 + k]; s1 += x * W[w1 + k]; s2 += x * W[w2 + k]; s3 += x * W[w3 + k]; }
            if (acc) { C[c0 + j] += s0; C[c0 + j + 1] += s1; C[c0 + j + 2] += s2; C[c0 + j + 3] += s3; }
            else { C[c0 + j] = s0; C[c0 + j + 1] = s1; C[c0 + j + 2] = s2; C[c0 + j + 3] = s3; }
          }
          for (; j < j1; j++) {
            const w0 = wo + j * ldw;
            let s0 = 0;
            for (let k = k0; k < k1; k++) s0 += A[a0 + k] * W[w0 + k];
            if (acc) C[c0 + j] += s0; else C[c0 + j] = s0;
          }
        }
      }
    }
  }
}
// D[j, i] = S[i, j]  (i < M, j < N), in 32 × 32 tiles
function $transpose(M, N, S, so, lds, D, dOff, ldd) {
  for (let i0 = 0; i0 < M; i0 += 32) {
    const i1 = Math.min(M, i0 + 32);
    for (let j0 = 0; j0 < N; j0 += 32) {
      const j1 = Math.min(N, j0 + 32);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) D[dOff + j * ldd + i] = S[so + i * lds + j];
    }
  }
}
`;
