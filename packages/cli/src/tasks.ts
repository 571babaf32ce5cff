/**
 * Tasks as the CLI sees them: a name, a loss, a metric with its direction and default
 * threshold, default budgets, and seeded data. Training batch k of seed s is a pure function of
 * (s, k), which is what makes `--resume` exact. Validation and test sets are fixed (the same for
 * every cell and seed), so cells are compared on the same data.
 */
import { mulberry32 } from "@gated/codegen";
import { UsageError } from "./errors.js";

export interface Batch {
  readonly T: number;
  readonly B: number;
  /** [T][B][I], time-major. */
  readonly x: Float64Array;
  /** Per-sequence lengths (padded batches), absent when all are T. */
  readonly lengths?: Int32Array;
  /** mse: B·outputSize targets; ce: B class indices. */
  readonly target: Float64Array;
}

export interface TaskData {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly classes?: readonly string[];
  train(step: number, size: number): Batch;
  /** Fixed evaluation batches. */
  split(which: "val" | "test"): readonly Batch[];
}

export interface RunConfig {
  readonly steps: number;
  readonly batch: number;
  readonly hidden: number;
  readonly lr: number;
  readonly clip: number;
  readonly evalEvery: number;
  readonly checkpointEvery: number;
  readonly threshold: number;
  /** Sequence length for synthetic tasks. */
  readonly seqLen: number;
  readonly evalSize: number;
  readonly dtype: "float32" | "float64";
  readonly data?: string;
}

export interface TaskEntry {
  readonly name: string;
  readonly description: string;
  readonly loss: "mse" | "ce";
  readonly metricName: string;
  readonly higherIsBetter: boolean;
  readonly yScale: "linear" | "log";
  /** What a trivial predictor scores (for reading the table). */
  readonly baseline?: string;
  readonly defaults: Partial<RunConfig> & Pick<RunConfig, "steps" | "batch" | "hidden" | "lr" | "threshold">;
  /** Data for one run; training batches depend on the run's seed. */
  make(config: RunConfig, seed: number): TaskData;
}

/** Seed of training batch `step` for run seed `seed` (independent streams per step). */
export function batchSeed(seed: number, step: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): x_t = (u_t, m_t), u_t ~ U(0, 1), m_t marks
 * one step in the first half and one in the second; the target is the sum of the two marked
 * values. Predicting 1 always gives MSE ≈ 1/6 ≈ 0.167; "solved" is MSE < 0.01.
 */
function addingBatch(T: number, B: number, random: () => number): Batch {
  const x = new Float64Array(T * B * 2);
  const target = new Float64Array(B);
  const half = Math.max(1, Math.floor(T / 2));
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) x[(t * B + b) * 2] = random();
    const i = Math.floor(random() * half);
    const j = Math.min(T - 1, half + Math.floor(random() * (T - half)));
    x[(i * B + b) * 2 + 1] = 1;
    x[(j * B + b) * 2 + 1] = 1;
    target[b] = x[(i * B + b) * 2]! + x[(j * B + b) * 2]!;
  }
  return { T, B, x, target };
}

export const ADDING: TaskEntry = {
  name: "adding",
  description: "adding problem: sum of the two marked values in a sequence of T uniform numbers",
  loss: "mse",
  metricName: "mse",
  higherIsBetter: false,
  yScale: "log",
  baseline: "always predicting 1 gives MSE ≈ 0.167",
  defaults: { steps: 1000, batch: 32, hidden: 32, lr: 0.01, threshold: 0.01, seqLen: 100, evalSize: 512 },
  make(config, seed) {
    const T = config.seqLen;
    const fixed = (seed: number) => {
      const r = mulberry32(seed);
      const out: Batch[] = [];
      for (let n = 0; n < config.evalSize; n += 256) out.push(addingBatch(T, Math.min(256, config.evalSize - n), r));
      return out;
    };
    let val: Batch[] | undefined;
    let test: Batch[] | undefined;
    return {
      inputSize: 2,
      outputSize: 1,
      train: (step, size) => addingBatch(T, size, mulberry32(batchSeed(seed, step))),
      split: (which) => (which === "val" ? (val ??= fixed(1_000_001)) : (test ??= fixed(1_000_002))),
    };
  },
};

const TASKS: Readonly<Record<string, TaskEntry>> = { adding: ADDING };

export function taskNames(): string[] {
  return Object.keys(TASKS);
}

export function resolveTask(name: string): TaskEntry {
  const t = TASKS[name];
  if (!t) throw new UsageError(`unknown task "${name}" (tasks: ${taskNames().join(", ")})`);
  return t;
}
