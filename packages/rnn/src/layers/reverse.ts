/**
 * Time reversal within each sequence's own length (PyTorch packed-sequence semantics): for a
 * sequence of length L, step t < L goes to L−1−t; padded steps t ≥ L stay where they are.
 */

/** Reverses `x` ([T][B][W], time-major) within each sequence's length; returns a new array. */
export function reverseWithin(
  x: ArrayLike<number>,
  T: number,
  B: number,
  W: number,
  lengths: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(T * B * W);
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    for (let t = 0; t < T; t++) {
      const src = t < L ? L - 1 - t : t;
      const o = (t * B + b) * W;
      const s = (src * B + b) * W;
      for (let i = 0; i < W; i++) out[o + i] = x[s + i]!;
    }
  }
  return out;
}

/** Sets the padded steps (t ≥ lengths[b]) of `x` ([T][B][W]) to zero, in place. */
export function zeroPadded(
  x: Float64Array,
  T: number,
  B: number,
  W: number,
  lengths: ArrayLike<number>,
): Float64Array {
  for (let b = 0; b < B; b++)
    for (let t = lengths[b]!; t < T; t++) x.fill(0, (t * B + b) * W, (t * B + b + 1) * W);
  return x;
}
