/**
 * The rearrangements (rearrange.ts) against their scalar definitions, bit for bit: transpose_<t>
 * (D[j, i] = S[i, j]) on random bit patterns (NaN payloads, subnormals, −0 included) and
 * colsum_<t>, colsum2_<t> (dst[j] += Σ_r src[r, j], added row by row in the dtype, into one or
 * two destinations), for sizes around the
 * vector squares and row groups (0, 1, 3, 4, 5, … rows and columns), odd leading dimensions,
 * addresses that are not 16-byte aligned, and guard values around the destination that must
 * survive.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ModuleBuilder, simdSupported } from "../../src/backends/wasm/encoder.js";
import { type Elem, elemBytes } from "../../src/backends/wasm/gemm.js";
import { addColsum, addTranspose } from "../../src/backends/wasm/rearrange.js";
import { instantiate } from "./instantiate.js";

type Exports = Record<string, (...a: number[]) => void>;

function instance() {
  const m = new ModuleBuilder(1);
  for (const t of ["f32", "f64"] as const) {
    addTranspose(m, t);
    addColsum(m, t);
  }
  return instantiate<Exports>(m.encode(), 256);
}

const dims = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 36),
  fc.integer({ min: 0, max: 70 }),
);

/** Random 32-bit words (every bit pattern of f32, and both halves of f64). */
function words(n: number, seed: number): Uint32Array {
  let s = seed >>> 0 || 1;
  return Uint32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0));
}

describe.skipIf(!simdSupported())("wasm rearrangements", () => {
  const { mem, ex } = instance();

  /** Transposes an M×N S (leading dim N + padS) into D (leading dim M + padD), in words. */
  const transpose = (
    t: Elem,
    M: number,
    N: number,
    padS: number,
    padD: number,
    skew: number,
    seed: number,
  ) => {
    const es = elemBytes(t);
    const w = es / 4; // 32-bit words per element
    const [lds, ldd] = [N + padS, M + padD];
    // S at a byte address skewed off 16-byte alignment by `skew` elements; D after it, skewed too
    const sAt = 1024 + skew * es;
    const sWords = M * lds * w;
    const dAt = ((sAt + sWords * 4 + 15) & -16) + 64 + ((skew + 1) % (16 / es)) * es;
    const dWords = (N * ldd + 8) * w;
    const src = words(sWords, seed);
    const guard = words(dWords + 16 * w, seed ^ 0x9e3779b9);
    const u32 = new Uint32Array(mem.buffer);
    u32.set(src, sAt / 4);
    u32.set(guard, dAt / 4 - 8 * w);
    ex[`transpose_${t}`]!(M, N, sAt, lds, dAt, ldd);
    const got = new Uint32Array(mem.buffer, dAt - 8 * es, dWords + 16 * w);
    const want = Uint32Array.from(guard);
    const base = 8 * w; // D's first word in `want`
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++)
        for (let q = 0; q < w; q++)
          want[base + (j * ldd + i) * w + q] = src[(i * lds + j) * w + q]!;
    // compare word for word (first difference reported)
    for (let k = 0; k < want.length; k++)
      if (got[k] !== want[k])
        expect({ t, M, N, lds, ldd, skew, word: k - base, got: got[k] }).toEqual({
          t,
          M,
          N,
          lds,
          ldd,
          skew,
          word: k - base,
          got: want[k],
        });
    // S unchanged
    const after = new Uint32Array(mem.buffer, sAt, sWords);
    expect(after.findIndex((x, k) => x !== src[k])).toBe(-1);
  };

  /** dst[j] += Σ_r src[r·ld + j], against the same additions in the dtype, one row at a time. */
  const colsum = (
    t: Elem,
    R: number,
    W: number,
    pad: number,
    skew: number,
    special: boolean,
    seed: number,
  ) => {
    const es = elemBytes(t);
    const V = t === "f32" ? Float32Array : Float64Array;
    const round = t === "f32" ? Math.fround : (x: number) => x;
    const ld = W + pad;
    let s = seed >>> 0 || 1;
    const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1e-40, -1e-45, 3e38, -3e38, 1e300, 5e-324];
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      if (special && s % 7 === 0) return SPECIAL[(s >>> 8) % SPECIAL.length]!;
      // magnitudes over many exponents, so the order of the additions shows in the bits
      return ((s / 2 ** 32) * 2 - 1) * 2 ** ((s % 61) - 30);
    };
    const src = V.from(Array.from({ length: R > 0 ? (R - 1) * ld + W : 0 }, rnd));
    const d0 = V.from(Array.from({ length: W }, rnd));
    const sAt = 1024 + skew * es;
    const dAt = ((sAt + src.length * es + 15) & -16) + 64 + ((skew + 1) % (16 / es)) * es;
    new V(mem.buffer, sAt, src.length).set(src);
    // a second destination (colsum2) after the first, with its own values
    const d1 = V.from(Array.from({ length: W }, rnd));
    const d2At = dAt + (W + 8) * es;
    const dst = new V(mem.buffer, dAt - 2 * es, W + 4);
    const dst2 = new V(mem.buffer, d2At - 2 * es, W + 4);
    const want = [7, 8, ...Array.from(d0), 9, 10];
    const want2 = [7, 8, ...Array.from(d1), 9, 10];
    for (const w of [want, want2])
      for (let r = 0; r < R; r++)
        for (let j = 0; j < W; j++) w[2 + j] = round(w[2 + j]! + src[r * ld + j]!);
    dst.set([7, 8, ...d0, 9, 10]);
    dst2.set([7, 8, ...d1, 9, 10]);
    ex[`colsum_${t}`]!(R, W, sAt, ld, dAt);
    expect(Array.from(dst)).toEqual(want);
    dst.set([7, 8, ...d0, 9, 10]);
    ex[`colsum2_${t}`]!(R, W, sAt, ld, dAt, d2At);
    expect(Array.from(dst)).toEqual(want);
    expect(Array.from(dst2)).toEqual(want2);
  };

  for (const t of ["f32", "f64"] as const) {
    it(`transpose_${t}: D = Sᵀ bit for bit (sizes, odd leading dims, unaligned, guards)`, () => {
      fc.assert(
        fc.property(
          dims,
          dims,
          fc.nat(3),
          fc.nat(3),
          fc.nat(3),
          fc.nat(),
          (M, N, padS, padD, skew, seed) => {
            transpose(t, M, N, padS, padD, skew, seed);
          },
        ),
        { seed: 15, numRuns: 300 },
      );
    });
    it(`transpose_${t}: the kernels' shapes (T·B × 4H, a leading dim of T·B)`, () => {
      transpose(t, 2048, 128, 0, 0, 0, 1);
      transpose(t, 3200, 20, 0, 0, 0, 2);
      transpose(t, 512, 128, 0, 0, 0, 3);
      transpose(t, 97, 515, 1, 3, 1, 4);
    });
    it(`colsum_${t}, colsum2_${t}: the row-by-row sums bit for bit (sizes, row groups, tails, specials)`, () => {
      fc.assert(
        fc.property(
          dims,
          dims,
          fc.nat(3),
          fc.nat(3),
          fc.boolean(),
          fc.nat(),
          (R, W, pad, skew, special, seed) => {
            colsum(t, R, W, pad, skew, special, seed);
          },
        ),
        { seed: 16, numRuns: 300 },
      );
    });
    it(`colsum_${t}: a static source (ld = 0: the same row R times) and long columns`, () => {
      // ld = 0 through pad = −W
      colsum(t, 6, 9, -9, 1, false, 5);
      colsum(t, 2051, 130, 0, 0, false, 6);
    });
  }
});
