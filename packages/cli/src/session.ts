/**
 * One training run, on @gated/rnn's training stack: a `Model` (the cell over a kernel —
 * compiled when available — with the task's pooling, linear head and loss, all differentiated
 * through the graph autodiff) and a `Trainer` (Adam, global-norm clipping, resumable state).
 * The CLI drives it one step at a time so it can report progress, checkpoint and stop on Ctrl-C.
 */

import type { Kernel } from "@gated/codegen";
import {
  adam,
  asDataset,
  evaluateModel,
  Model,
  type StepRecord,
  stateFromTensors,
  stateToTensors,
  Trainer,
} from "@gated/rnn";
import type { CellEntry } from "./cells.js";
import { kernelFactory } from "./deps.js";
import { cellSizes } from "./dims.js";
import type { RunConfig, TaskData, TaskEntry } from "./tasks.js";

export interface Session {
  /** Whether the cell runs on compiled kernels (else the reference interpreter). */
  readonly compiled: boolean;
  /** One optimisation step (the next one); returns its training loss. */
  step(): number;
  evaluate(split: "val" | "test"): { loss: number; metric: number };
  snapshot(): { tensors: Record<string, Float64Array>; metadata: Record<string, string> };
  restore(
    tensors: Readonly<Record<string, ArrayLike<number>>>,
    metadata: Readonly<Record<string, string>>,
  ): void;
  /** Final parameters by name (embedding, cell, head). */
  params(): Record<string, Float64Array>;
}

const dataCache = new Map<string, TaskData>();

/** Task data for a configuration, shared by the runs of one experiment. */
export function taskData(task: TaskEntry, config: RunConfig): TaskData {
  const key = JSON.stringify([task.name, config.seqLen, config.evalSize, config.data ?? null]);
  let d = dataCache.get(key);
  if (!d) dataCache.set(key, (d = task.make(config)));
  return d;
}

/** The model a run trains (and `gated train --save` writes): the cell with the task's head. */
export function sessionModel(
  entry: CellEntry,
  task: TaskEntry,
  config: RunConfig,
  seed: number,
): Model {
  const data = taskData(task, config);
  const { factory } = kernelFactory();
  return new Model({
    cell: entry.cell,
    hidden: config.hidden,
    ...(data.input.kind === "dense"
      ? { inputSize: data.input.size }
      : { embedding: { vocab: data.input.vocab, dim: config.embed } }),
    pool: config.pool ?? data.pool,
    outputs: data.outputs,
    loss: data.loss,
    seed,
    dtype: config.dtype,
    ...(config.checkpoint !== undefined ? { checkpoint: config.checkpoint } : {}),
    sizes: cellSizes(
      "train",
      entry.cell,
      config.dims ?? {},
      config.hidden,
      data.input.kind === "dense" ? data.input.size : undefined,
    ),
    kernel: (rec, opts) => factory(rec, opts) as Kernel,
    task: {
      name: task.name,
      ...(data.classes ? { classes: data.classes } : {}),
      ...(data.text ? { text: data.text } : {}),
    },
  });
}

export function openSession(
  entry: CellEntry,
  task: TaskEntry,
  config: RunConfig,
  seed: number,
): Session {
  const data = taskData(task, config);
  const { compiled } = kernelFactory();
  const model = sessionModel(entry, task, config, seed);
  const trainer = new Trainer(model, {
    optimizer: adam({ lr: config.lr }),
    batchSize: config.batch,
    seed,
    steps: Number.MAX_SAFE_INTEGER,
    ...(config.clip > 0 ? { clipNorm: config.clip } : {}),
  });
  let it: Generator<StepRecord, void> | undefined;
  const metric = (e: { loss: number; accuracy?: number }) =>
    task.loss === "mse" ? e.loss : (e.accuracy ?? NaN);
  return {
    compiled,
    step() {
      it ??= trainer.iterate(asDataset(data.train));
      const r = it.next();
      if (r.done)
        throw new Error(`${task.name}: the training data ran out at step ${trainer.step}`);
      return r.value.loss;
    },
    evaluate(split) {
      const e = evaluateModel(model, split === "val" ? data.validation : data.test, 256);
      return { loss: e.loss, metric: metric(e) };
    },
    snapshot() {
      const s = trainer.state();
      // the per-step history is the CLI's to keep; checkpoints stay small
      return stateToTensors({ ...s, history: { steps: [], evals: [], epochs: [] } });
    },
    restore(tensors, metadata) {
      trainer.load(stateFromTensors(tensors, metadata));
      it = undefined;
    },
    params() {
      const out: Record<string, Float64Array> = {};
      for (const s of model.layout)
        out[s.name] = Float64Array.from(model.params.subarray(s.offset, s.offset + s.size));
      return out;
    },
  };
}
