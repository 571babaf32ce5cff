/**
 * Tasks by name: adding, copy, names-gender, names-language. This registry is browser-safe and
 * builds the generated tasks; the names tasks read their data from files, so they come from the
 * Node entry's `getTask` (`@gated/rnn/node`, tasks/nodeRegistry.ts), which falls back to this one.
 */
import { addingProblem } from "./adding.js";
import { copyMemory } from "./copyMemory.js";
import type { AmbiguousPolicy } from "./names.js";
import type { Task } from "./task.js";

export const TASK_NAMES = ["adding", "copy", "names-gender", "names-language"] as const;

export interface TaskOptions {
  readonly seed?: number;
  /** Sequence length / delay of the synthetic tasks (default 100 for adding, 50 for copy). */
  readonly T?: number;
  /** Directory of the names → language data. */
  readonly data?: string;
  readonly ambiguous?: AmbiguousPolicy;
}

export function getTask(name: string, opts: TaskOptions = {}): Task {
  const seed = opts.seed ?? 0;
  switch (name) {
    case "adding":
      return addingProblem({ T: opts.T ?? 100, seed });
    case "copy":
      return copyMemory({ T: opts.T ?? 50, seed });
    case "names-gender":
    case "names-language":
      throw new Error(
        `task ${name} reads its data from files: use getTask from "@gated/rnn/node" (or "gated/node")`,
      );
    default:
      throw new Error(`unknown task "${name}" (tasks: ${TASK_NAMES.join(", ")})`);
  }
}
