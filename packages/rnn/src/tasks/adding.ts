/**
 * The adding problem (Hochreiter & Schmidhuber 1997; the form of Arjovsky et al. 2016): each
 * step carries two channels, a value uniform in [0, 1] and a 0/1 marker; exactly two steps are
 * marked, one in each half of the sequence. The target is the sum of the two marked values, so
 * the network must hold information across up to T steps. MSE; predicting the mean 1 gives
 * Var(u₁ + u₂) = 2/12 ≈ 0.1667.
 */

import type { Sample } from "../train/model.js";
import { mixSeed, Rng } from "../train/rng.js";
import { generated, type Task } from "./task.js";

/** One sample: x [T·2] (value, marker per step), y [1]. */
export function addingSample(T: number, rng: Rng): Sample {
  if (!(Number.isInteger(T) && T >= 2))
    throw new Error(`adding problem: T must be an integer ≥ 2, got ${T}`);
  const x = new Float64Array(T * 2);
  for (let t = 0; t < T; t++) x[t * 2] = rng.next();
  const half = Math.floor(T / 2);
  const a = rng.int(half);
  const b = half + rng.int(T - half);
  x[a * 2 + 1] = 1;
  x[b * 2 + 1] = 1;
  return { x, y: [x[a * 2]! + x[b * 2]!] };
}

export interface AddingOptions {
  readonly T: number;
  readonly seed?: number;
  /** Sizes of the held-out sets (default 1000 each). The training stream is unbounded. */
  readonly validationSize?: number;
  readonly testSize?: number;
}

/** The adding problem: a fresh training sample per index, fixed validation and test sets. */
export function addingProblem({
  T,
  seed = 0,
  validationSize = 1000,
  testSize = 1000,
}: AddingOptions): Task {
  const stream = (s: number) => (i: number) => addingSample(T, new Rng(mixSeed(s, i)));
  return {
    name: `adding(T=${T})`,
    train: generated(2 ** 31, stream(mixSeed(seed, 0x7a11))),
    validation: generated(validationSize, stream(mixSeed(seed, 0x7a12))),
    test: generated(testSize, stream(mixSeed(seed, 0x7a13))),
    input: { kind: "dense", size: 2 },
    outputs: 1,
    loss: "mse",
    pool: "last",
    baseline: { loss: 1 / 6, what: "predict 1 (the mean): MSE = Var(u₁ + u₂) = 1/6" },
    info: { T, seed },
  };
}
