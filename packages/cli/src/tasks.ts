/**
 * Tasks as the CLI sees them: a name, a loss, a metric with its direction and default
 * threshold, default budgets, and seeded data. Training batch k of seed s is a pure function of
 * (s, k), which is what makes `--resume` exact. Validation and test sets are fixed (the same for
 * every cell and seed), so cells are compared on the same data.
 */
import { mulberry32 } from "@gated/codegen";
import type { Dataset, Pooling, Sample } from "@gated/rnn";
import { UsageError } from "./errors.js";

/** What a task gives a run (the shape of @gated/rnn's `Task`). */
export interface TaskData {
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly test: Dataset;
  readonly input: { readonly kind: "dense"; readonly size: number } | { readonly kind: "tokens"; readonly vocab: number };
  readonly outputs: number;
  readonly loss: "mse" | "cross-entropy";
  readonly pool: Pooling;
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
  /** Embedding size for token inputs. */
  readonly embed: number;
  readonly dtype: "float32" | "float64";
  readonly data?: string;
}

export interface TaskEntry {
  readonly name: string;
  readonly description: string;
  readonly loss: "mse" | "cross-entropy";
  readonly metricName: string;
  readonly higherIsBetter: boolean;
  readonly yScale: "linear" | "log";
  /** What a trivial predictor scores (for reading the table). */
  readonly baseline?: string;
  readonly defaults: Partial<RunConfig> & Pick<RunConfig, "steps" | "batch" | "hidden" | "lr" | "threshold">;
  /** The data (the same for every cell and seed, so runs compare on the same examples). */
  make(config: RunConfig): TaskData;
}

/** Seed of sample `i` of stream `seed`. */
export function batchSeed(seed: number, i: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): x_t = (u_t, m_t), u_t ~ U(0, 1), m_t marks
 * one step in the first half and one in the second; the target is the sum of the two marked
 * values. Predicting 1 always gives MSE ≈ 1/6 ≈ 0.167; "solved" is MSE < 0.01.
 */
function addingSample(T: number, random: () => number): Sample {
  const x = new Float64Array(T * 2);
  for (let t = 0; t < T; t++) x[t * 2] = random();
  const half = Math.max(1, Math.floor(T / 2));
  const i = Math.floor(random() * half);
  const j = Math.min(T - 1, half + Math.floor(random() * (T - half)));
  x[i * 2 + 1] = 1;
  x[j * 2 + 1] = 1;
  return { x, y: [x[i * 2]! + x[j * 2]!] };
}

function stream(size: number, seed: number, T: number): Dataset {
  return { size, ordered: true, get: (i) => addingSample(T, mulberry32(batchSeed(seed, i))) };
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
  make(config) {
    const T = config.seqLen;
    return {
      train: stream((config.steps + 1) * config.batch, 1, T),
      validation: stream(config.evalSize, 2, T),
      test: stream(config.evalSize, 3, T),
      input: { kind: "dense", size: 2 },
      outputs: 1,
      loss: "mse",
      pool: "last",
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
