/**
 * The copy-memory task (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016): `length` random
 * symbols from {1..K}, then T − 1 blanks (0), a delimiter (K + 1), and `length` more blanks;
 * the target is blank everywhere except the last `length` steps, which must reproduce the
 * symbols. Per-step cross-entropy over K + 1 classes (blank and the symbols). The memoryless
 * baseline (blanks, then a uniform guess) scores length·log K / (T + 2·length).
 */

import type { Sample } from "../train/model.js";
import { mixSeed, Rng } from "../train/rng.js";
import { generated, type Task } from "./task.js";

export interface CopyOptions {
  /** The delay between the symbols and the delimiter. */
  readonly T: number;
  readonly seed?: number;
  /** Alphabet size K (default 8). */
  readonly symbols?: number;
  /** Symbols to copy (default 10). */
  readonly length?: number;
  readonly validationSize?: number;
  readonly testSize?: number;
}

/** One sample: x token ids [T + 2·length], y classes [T + 2·length]. */
export function copySample(T: number, K: number, n: number, rng: Rng): Sample {
  if (!(Number.isInteger(T) && T >= 1))
    throw new Error(`copy task: T must be an integer ≥ 1, got ${T}`);
  const len = T + 2 * n;
  const x = new Array<number>(len).fill(0);
  const y = new Array<number>(len).fill(0);
  for (let i = 0; i < n; i++) {
    const s = 1 + rng.int(K);
    x[i] = s;
    y[T + n + i] = s;
  }
  x[T + n - 1] = K + 1;
  return { x, y };
}

export function copyMemory({
  T,
  seed = 0,
  symbols = 8,
  length = 10,
  validationSize = 500,
  testSize = 500,
}: CopyOptions): Task {
  const stream = (s: number) => (i: number) =>
    copySample(T, symbols, length, new Rng(mixSeed(s, i)));
  return {
    name: `copy(T=${T})`,
    train: generated(2 ** 31, stream(mixSeed(seed, 0xc0b1))),
    validation: generated(validationSize, stream(mixSeed(seed, 0xc0b2))),
    test: generated(testSize, stream(mixSeed(seed, 0xc0b3))),
    input: { kind: "tokens", vocab: symbols + 2 },
    outputs: symbols + 1,
    loss: "cross-entropy",
    pool: "none",
    baseline: {
      loss: (length * Math.log(symbols)) / (T + 2 * length),
      what: "blanks, then a uniform guess of the symbols",
    },
    info: { T, seed, symbols, length },
  };
}
