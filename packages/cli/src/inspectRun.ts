/**
 * The look inside after `gated train` / `compare`: one finished run per cell (the first seed)
 * rebuilt with its final parameters and inspected on the task's validation examples.
 */
import type { Model } from "@gated/rnn";
import type { CellEntry } from "./cells.js";
import type { RunResult } from "./experiment.js";
import { type Inspection, inspectModel } from "./inspect.js";
import { sessionModel, taskData } from "./session.js";
import type { RunConfig, TaskEntry } from "./tasks.js";

/** The run's model with its final parameters. */
export function runModel(
  cell: CellEntry,
  task: TaskEntry,
  config: RunConfig,
  run: RunResult,
): Model {
  const m = sessionModel(cell, task, config, run.seed);
  const data = new Float64Array(m.size);
  for (const s of m.layout) {
    const v = run.params[s.name];
    if (!v || v.length !== s.size)
      throw new Error(`inspect: the run has no parameter ${s.name} of size ${s.size}`);
    data.set(v, s.offset);
  }
  m.setParams(data);
  return m;
}

/** Inspects one run of each cell (the lowest seed that has parameters). */
export function inspectRuns(
  cells: readonly CellEntry[],
  task: TaskEntry,
  config: RunConfig,
  runs: readonly RunResult[],
): Inspection[] {
  const data = taskData(task, config);
  const val = Array.from({ length: data.validation.size }, (_, i) => data.validation.get(i));
  return cells.flatMap((cell) => {
    const run = runs
      .filter((r) => r.cell === cell.name && Object.keys(r.params).length > 0)
      .sort((a, b) => a.seed - b.seed)[0];
    if (!run) return [];
    return [
      inspectModel(runModel(cell, task, config, run), val, {
        cell: cell.name,
        seed: run.seed,
        ...(data.classes ? { classes: data.classes } : {}),
        ...(data.text ? { chars: data.text.chars } : {}),
      }),
    ];
  });
}
