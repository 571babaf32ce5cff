/** A model shaped for a task: its input (dense or tokens), outputs, loss and pooling filled in. */

import type { ModelTask } from "../model/predict.js";
import type { Pooling } from "../train/heads.js";
import { Model, type ModelSpec } from "../train/model.js";
import type { Task } from "./task.js";

export type TaskModelOptions = Omit<
  ModelSpec,
  "inputSize" | "embedding" | "outputs" | "loss" | "pool"
> & {
  /** Embedding width for token tasks (default 16). */
  readonly embed?: number;
  /** Override the task's pooling (e.g. "max" or `{ attention: 16 }` for classification). */
  readonly pool?: Pooling;
};

/**
 * `new Model(...)` for `task`: e.g. `taskModel(namesGender(), { cell: getCell("lstm"),
 * hidden: 32, layers: 2, bidirectional: true, pool: "max" })`.
 */
export function taskModel(task: Task, opts: TaskModelOptions): Model {
  const { embed = 16, pool = task.pool, ...rest } = opts;
  const input =
    task.input.kind === "dense"
      ? { inputSize: task.input.size }
      : { embedding: { vocab: task.input.vocab, dim: embed } };
  return new Model({
    ...rest,
    ...input,
    outputs: task.outputs,
    loss: task.loss,
    pool,
    task: taskInfo(task),
  });
}

/** What a model keeps of its task: the name, the class labels and the text vocabulary. */
export function taskInfo(task: Task): ModelTask {
  return {
    name: task.name,
    ...(task.classes ? { classes: task.classes } : {}),
    ...(task.text ? { text: task.text } : {}),
  };
}
