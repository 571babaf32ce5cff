/**
 * A small seeded PRNG (mulberry32): deterministic parameter initialisation on every platform.
 * The state advances by `MULBERRY32_STEP`; `mulberry32Mix` turns a state into a value in [0, 1).
 * Both are exported so a generator with visible, saveable state (@gated/rnn's `Rng`) draws the
 * very same stream.
 */
export const MULBERRY32_STEP = 0x6d2b79f5;

export function mulberry32Mix(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => mulberry32Mix((a = (a + MULBERRY32_STEP) >>> 0));
}
