/**
 * Tasks as the CLI sees them: @gated/rnn's tasks plus what a comparison needs to read them — the
 * metric and its direction, a default threshold for "steps to reach", and default budgets.
 * The data are seeded and fixed (the same for every cell and seed), so cells compare on the
 * same examples; seeds vary initialisation and minibatch order.
 */
import { addingProblem, copyMemory, type Dataset, type Pooling, type Task } from "@gated/rnn";
import { namesGender, namesLanguage } from "@gated/rnn/node";
import { UsageError } from "./errors.js";

/** What a run uses of @gated/rnn's `Task` (the training stream capped to the budget). */
export type TaskData = Pick<
  Task,
  "train" | "validation" | "test" | "input" | "outputs" | "loss" | "pool" | "baseline"
> &
  Pick<Task, "classes" | "text">;

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
  /** `--dim NAME=N`: sizes of the cells' extra dims (e.g. a group count G). */
  readonly dims?: Readonly<Record<string, number>>;
  /** `--checkpoint K|auto`: checkpointed BPTT (the state every K steps; auto: K ≈ √T). */
  readonly checkpoint?: number | "auto";
  /** `--pool`: pooling over time in place of the task's own (pooled tasks only). */
  readonly pool?: Pooling;
}

export interface TaskEntry {
  readonly name: string;
  readonly description: string;
  readonly loss: "mse" | "cross-entropy";
  readonly metricName: string;
  readonly higherIsBetter: boolean;
  readonly yScale: "linear" | "log";
  readonly defaults: Partial<RunConfig> &
    Pick<RunConfig, "steps" | "batch" | "hidden" | "lr" | "threshold">;
  /** The data (the same for every cell and seed, so runs compare on the same examples). */
  make(config: RunConfig): TaskData;
}

/** Ordered (generated) training streams are capped to what the budget reads. */
function capped(d: Dataset, config: RunConfig): Dataset {
  if (!d.ordered) return d;
  const size = Math.min(d.size, (config.steps + 1) * config.batch);
  return { size, ordered: true, get: (i) => d.get(i) };
}

function fromTask(t: Task, config: RunConfig): TaskData {
  return {
    train: capped(t.train, config),
    validation: t.validation,
    test: t.test,
    input: t.input,
    outputs: t.outputs,
    loss: t.loss,
    pool: t.pool,
    baseline: t.baseline,
    ...(t.classes ? { classes: t.classes } : {}),
    ...(t.text ? { text: t.text } : {}),
  };
}

/** Task errors (a missing --data directory, unreadable files) are usage errors: one line. */
function guarded(f: () => Task): Task {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
}

export const ADDING: TaskEntry = {
  name: "adding",
  description:
    "adding problem (Hochreiter & Schmidhuber 1997): sum of the two marked values among T uniform numbers",
  loss: "mse",
  metricName: "mse",
  higherIsBetter: false,
  yScale: "log",
  defaults: {
    steps: 1000,
    batch: 32,
    hidden: 32,
    lr: 0.01,
    threshold: 0.01,
    seqLen: 100,
    evalSize: 256,
  },
  make: (c) =>
    fromTask(
      addingProblem({ T: c.seqLen, seed: 0, validationSize: c.evalSize, testSize: c.evalSize }),
      c,
    ),
};

export const COPY: TaskEntry = {
  name: "copy",
  description:
    "copy memory: reproduce 10 symbols (of 8) after a delay of T blanks; per-step cross-entropy",
  loss: "cross-entropy",
  metricName: "accuracy",
  higherIsBetter: true,
  yScale: "linear",
  defaults: {
    steps: 1000,
    batch: 32,
    hidden: 64,
    lr: 0.005,
    threshold: 0.99,
    seqLen: 50,
    evalSize: 256,
    embed: 8,
  },
  make: (c) =>
    fromTask(
      copyMemory({ T: c.seqLen, seed: 0, validationSize: c.evalSize, testSize: c.evalSize }),
      c,
    ),
};

export const GENDER: TaskEntry = {
  name: "names-gender",
  description:
    "names → gender: classify English first names (npm @stdlib first-name lists) from their characters",
  loss: "cross-entropy",
  metricName: "accuracy",
  higherIsBetter: true,
  yScale: "linear",
  defaults: { steps: 400, batch: 32, hidden: 32, lr: 0.01, threshold: 0.75, embed: 16 },
  make: (c) =>
    fromTask(
      guarded(() => namesGender({ seed: 0 })),
      c,
    ),
};

export const LANGUAGE: TaskEntry = {
  name: "names-language",
  description:
    "names → language: classify surnames into 18 languages (--data DIR of <Language>.txt files)",
  loss: "cross-entropy",
  metricName: "accuracy",
  higherIsBetter: true,
  yScale: "linear",
  defaults: { steps: 1000, batch: 32, hidden: 64, lr: 0.005, threshold: 0.7, embed: 16 },
  make(c) {
    if (c.data === undefined)
      throw new UsageError(
        "task names-language needs --data DIR (a directory of <Language>.txt files)",
      );
    return fromTask(
      guarded(() => namesLanguage(c.data!, { seed: 0 })),
      c,
    );
  },
};

const TASKS: Readonly<Record<string, TaskEntry>> = {
  adding: ADDING,
  copy: COPY,
  "names-gender": GENDER,
  "names-language": LANGUAGE,
};
const ALIASES: Readonly<Record<string, string>> = {
  gender: "names-gender",
  language: "names-language",
};

export function taskNames(): string[] {
  return Object.keys(TASKS);
}

export function resolveTask(name: string): TaskEntry {
  const t = TASKS[ALIASES[name] ?? name];
  if (!t) throw new UsageError(`unknown task "${name}" (tasks: ${taskNames().join(", ")})`);
  return t;
}
