/**
 * Plain-JS dense kernels for the hand-written yardstick (bench/handLstm.ts).
 *
 * Everything lives inside `denseKernels()`, which closes over nothing, so `instantiate()` can
 * re-evaluate its source once per dtype: each copy then only ever sees one typed-array kind and
 * V8 optimises it monomorphically (what a code generator gets for free by emitting one source per
 * dtype).
 */

/** The kernels `denseKernels` returns. Arrays are flat row-major, addressed by offset and row stride. */
export interface DenseKernels {
  /**
   * C[M,N] (+)= A[M,K] · B[N,K]ᵀ: both operands contiguous along K (dot-product form), a 2×4
   * register block, B tiled in 128-row panels and K in 256-long slices so panels stay in cache.
   */
  gemmNT(
    M: number,
    N: number,
    K: number,
    A: Float64Array | Float32Array,
    aOff: number,
    lda: number,
    B: Float64Array | Float32Array,
    bOff: number,
    ldb: number,
    C: Float64Array | Float32Array,
    cOff: number,
    ldc: number,
    accumulate: boolean,
  ): void;
  /** dst[cols, rows] = src[rows, cols]ᵀ (src at `sOff` with row stride `lds`), blocked. */
  transpose(
    rows: number,
    cols: number,
    src: Float64Array | Float32Array,
    sOff: number,
    lds: number,
    dst: Float64Array | Float32Array,
  ): void;
}

/** Self-contained: must reference nothing outside its own body (see `instantiate`). */
export function denseKernels(): DenseKernels {
  type F = Float64Array | Float32Array;
  const KB = 256;
  const NB = 128;

  // one K-slice [k0, k1) of C[i0..i1, j0..j1] (+)= A·Bᵀ
  function block(
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    k0: number,
    k1: number,
    A: F,
    aOff: number,
    lda: number,
    B: F,
    bOff: number,
    ldb: number,
    C: F,
    cOff: number,
    ldc: number,
    acc: boolean,
  ): void {
    let i = i0;
    for (; i + 1 < i1; i += 2) {
      const a0 = aOff + i * lda;
      const a1 = a0 + lda;
      const c0 = cOff + i * ldc;
      const c1 = c0 + ldc;
      let j = j0;
      for (; j + 3 < j1; j += 4) {
        const b0 = bOff + j * ldb;
        const b1 = b0 + ldb;
        const b2 = b1 + ldb;
        const b3 = b2 + ldb;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0,
          t0 = 0,
          t1 = 0,
          t2 = 0,
          t3 = 0;
        for (let k = k0; k < k1; k++) {
          const x = A[a0 + k]!;
          const y = A[a1 + k]!;
          const w0 = B[b0 + k]!;
          const w1 = B[b1 + k]!;
          const w2 = B[b2 + k]!;
          const w3 = B[b3 + k]!;
          s0 += x * w0;
          s1 += x * w1;
          s2 += x * w2;
          s3 += x * w3;
          t0 += y * w0;
          t1 += y * w1;
          t2 += y * w2;
          t3 += y * w3;
        }
        if (acc) {
          C[c0 + j] += s0;
          C[c0 + j + 1] += s1;
          C[c0 + j + 2] += s2;
          C[c0 + j + 3] += s3;
          C[c1 + j] += t0;
          C[c1 + j + 1] += t1;
          C[c1 + j + 2] += t2;
          C[c1 + j + 3] += t3;
        } else {
          C[c0 + j] = s0;
          C[c0 + j + 1] = s1;
          C[c0 + j + 2] = s2;
          C[c0 + j + 3] = s3;
          C[c1 + j] = t0;
          C[c1 + j + 1] = t1;
          C[c1 + j + 2] = t2;
          C[c1 + j + 3] = t3;
        }
      }
      for (; j < j1; j++) {
        const b0 = bOff + j * ldb;
        let s = 0,
          t = 0;
        for (let k = k0; k < k1; k++) {
          const w = B[b0 + k]!;
          s += A[a0 + k]! * w;
          t += A[a1 + k]! * w;
        }
        if (acc) {
          C[c0 + j] += s;
          C[c1 + j] += t;
        } else {
          C[c0 + j] = s;
          C[c1 + j] = t;
        }
      }
    }
    if (i < i1) {
      const a0 = aOff + i * lda;
      const c0 = cOff + i * ldc;
      let j = j0;
      for (; j + 3 < j1; j += 4) {
        const b0 = bOff + j * ldb;
        const b1 = b0 + ldb;
        const b2 = b1 + ldb;
        const b3 = b2 + ldb;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        for (let k = k0; k < k1; k++) {
          const x = A[a0 + k]!;
          s0 += x * B[b0 + k]!;
          s1 += x * B[b1 + k]!;
          s2 += x * B[b2 + k]!;
          s3 += x * B[b3 + k]!;
        }
        if (acc) {
          C[c0 + j] += s0;
          C[c0 + j + 1] += s1;
          C[c0 + j + 2] += s2;
          C[c0 + j + 3] += s3;
        } else {
          C[c0 + j] = s0;
          C[c0 + j + 1] = s1;
          C[c0 + j + 2] = s2;
          C[c0 + j + 3] = s3;
        }
      }
      for (; j < j1; j++) {
        const b0 = bOff + j * ldb;
        let s = 0;
        for (let k = k0; k < k1; k++) s += A[a0 + k]! * B[b0 + k]!;
        if (acc) C[c0 + j] += s;
        else C[c0 + j] = s;
      }
    }
  }

  function gemmNT(
    M: number,
    N: number,
    K: number,
    A: F,
    aOff: number,
    lda: number,
    B: F,
    bOff: number,
    ldb: number,
    C: F,
    cOff: number,
    ldc: number,
    accumulate: boolean,
  ): void {
    if (M <= 4 && K <= KB) {
      block(0, M, 0, N, 0, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate);
      return;
    }
    for (let k0 = 0; k0 < K; k0 += KB) {
      const k1 = Math.min(K, k0 + KB);
      const acc = accumulate || k0 > 0;
      for (let j0 = 0; j0 < N; j0 += NB)
        block(
          0,
          M,
          j0,
          Math.min(N, j0 + NB),
          k0,
          k1,
          A,
          aOff,
          lda,
          B,
          bOff,
          ldb,
          C,
          cOff,
          ldc,
          acc,
        );
    }
  }

  function transpose(rows: number, cols: number, src: F, sOff: number, lds: number, dst: F): void {
    const TB = 32;
    for (let r0 = 0; r0 < rows; r0 += TB) {
      const r1 = Math.min(rows, r0 + TB);
      for (let c0 = 0; c0 < cols; c0 += TB) {
        const c1 = Math.min(cols, c0 + TB);
        for (let r = r0; r < r1; r++) {
          const s = sOff + r * lds;
          for (let c = c0; c < c1; c++) dst[c * rows + r] = src[s + c]!;
        }
      }
    }
  }

  return { gemmNT, transpose };
}

/**
 * A fresh copy of a self-contained factory (re-evaluated from its source text), so copies used
 * with different typed-array kinds do not share type feedback.
 */
export function instantiate<T>(factory: () => T): T {
  // indirect eval: global scope, the factory's own source only (our code, never user input)
  const fresh = (0, eval)(`(${factory.toString()})`) as () => T;
  return fresh();
}
