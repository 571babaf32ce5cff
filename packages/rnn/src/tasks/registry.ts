/** Tasks by name, for the command line: adding, copy, names-gender, names-language. */
import { addingProblem } from "./adding.js";
import { copyMemory } from "./copyMemory.js";
import type { AmbiguousPolicy } from "./names.js";
import { namesGender } from "./namesGender.js";
import { namesLanguage } from "./namesLanguage.js";
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
      return namesGender({ seed, ...(opts.ambiguous ? { ambiguous: opts.ambiguous } : {}) });
    case "names-language":
      if (!opts.data)
        throw new Error(
          "task names-language needs the data directory (--data DIR with <Language>.txt files)",
        );
      return namesLanguage(opts.data, {
        seed,
        ...(opts.ambiguous ? { ambiguous: opts.ambiguous } : {}),
      });
    default:
      throw new Error(`unknown task "${name}" (tasks: ${TASK_NAMES.join(", ")})`);
  }
}
