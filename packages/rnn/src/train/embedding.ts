/**
 * The embedding layer: a lookup table [V,E] indexed by token ids. Forward is a gather, so its
 * gradient is a scatter-add of the output cotangents into the rows that were read. Both are
 * plain numeric loops here, not graphs: a gather has no arithmetic to differentiate (the
 * graph form, a one-hot matvec Eᵀ·onehot(id), would cost O(V·E) per token for the same
 * numbers). The training tests check this gradient against finite differences.
 */
export interface Embedding {
  readonly vocab: number;
  readonly dim: number;
}

/** x [T][B][E] from ids [B] sequences (time-major output; padded steps are zero). */
export function embed(
  table: ArrayLike<number>,
  emb: Embedding,
  ids: readonly ArrayLike<number>[],
  T: number,
): Float64Array {
  const B = ids.length,
    E = emb.dim;
  const out = new Float64Array(T * B * E);
  ids.forEach((seq, b) => {
    for (let t = 0; t < seq.length; t++) {
      const id = seq[t]!;
      if (!Number.isInteger(id) || id < 0 || id >= emb.vocab) {
        throw new Error(
          `embedding: token ${id} at sequence ${b}, step ${t} is not an id in [0, ${emb.vocab})`,
        );
      }
      const o = (t * B + b) * E;
      for (let e = 0; e < E; e++) out[o + e] = table[id * E + e]!;
    }
  });
  return out;
}

/** Adds ∂L/∂table to `grad` (scatter-add of dx [T][B][E] into the rows read by `embed`). */
export function embedBackward(
  grad: Float64Array | Float32Array,
  offset: number,
  emb: Embedding,
  ids: readonly ArrayLike<number>[],
  dx: ArrayLike<number>,
): void {
  const B = ids.length,
    E = emb.dim;
  ids.forEach((seq, b) => {
    for (let t = 0; t < seq.length; t++) {
      const row = offset + seq[t]! * E;
      const o = (t * B + b) * E;
      for (let e = 0; e < E; e++) grad[row + e]! += dx[o + e]!;
    }
  });
}

/** N(0, 1) entries, as torch.nn.Embedding, from a seeded uniform stream (Box–Muller). */
export function initEmbedding(
  random: () => number,
  into: Float64Array | Float32Array,
  offset: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const u = 1 - random();
    into[offset + i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
}
