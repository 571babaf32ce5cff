/** Datasets for training: random access by index, seeded splits. */
import type { Sample } from "./model.js";
import { Rng } from "./rng.js";

/**
 * Samples by index. `ordered`: the order is already random (e.g. generated from a seed per
 * index), so the trainer reads it sequentially instead of shuffling each epoch.
 */
export interface Dataset {
  readonly size: number;
  get(i: number): Sample;
  readonly ordered?: boolean;
}

/** An array of samples as a dataset. */
export function fromArray(samples: readonly Sample[]): Dataset {
  return { size: samples.length, get: (i) => samples[i]! };
}

/** Accepts a dataset or an array. */
export function asDataset(d: Dataset | readonly Sample[]): Dataset {
  return Array.isArray(d) ? fromArray(d as readonly Sample[]) : (d as Dataset);
}

export interface Splits<T> {
  readonly train: T[];
  readonly validation: T[];
  readonly test: T[];
}

/**
 * Seeded train/validation/test split. With `label`, the split is stratified: each class is
 * shuffled and cut in the same proportions, so rare classes appear in every split.
 */
export function split<T>(
  items: readonly T[],
  opts: { seed: number; validation?: number; test?: number; label?: (t: T) => number },
): Splits<T> {
  const fv = opts.validation ?? 0.1;
  const ft = opts.test ?? 0.1;
  if (!(fv >= 0 && ft >= 0 && fv + ft < 1))
    throw new Error(`split: validation ${fv} and test ${ft} must be ≥ 0 and sum below 1`);
  const rng = new Rng(opts.seed);
  const groups = new Map<number, T[]>();
  for (const it of items) {
    const k = opts.label ? opts.label(it) : 0;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(it);
  }
  const out: Splits<T> = { train: [], validation: [], test: [] };
  for (const k of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(k)!;
    const perm = rng.permutation(g.length);
    const nt = Math.round(g.length * ft);
    const nv = Math.round(g.length * fv);
    perm.forEach((p, i) =>
      (i < nt ? out.test : i < nt + nv ? out.validation : out.train).push(g[p]!),
    );
  }
  // interleave classes: shuffle each split once more
  for (const part of [out.train, out.validation, out.test]) {
    const perm = rng.permutation(part.length);
    const copy = part.slice();
    perm.forEach((p, i) => (part[i] = copy[p]!));
  }
  return out;
}
