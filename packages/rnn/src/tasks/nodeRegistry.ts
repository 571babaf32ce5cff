/**
 * Tasks by name with the ones that read data (Node only): names-gender (the @stdlib name lists,
 * read from files) and names-language (a directory of <Language>.txt files), then the generated
 * tasks of the browser-safe registry.
 */
import { namesGender } from "./namesGender.js";
import { namesLanguage } from "./namesLanguage.js";
import { getTask as generatedTask, type TaskOptions } from "./registry.js";
import type { Task } from "./task.js";

export function getTask(name: string, opts: TaskOptions = {}): Task {
  const seed = opts.seed ?? 0;
  const ambiguous = opts.ambiguous ? { ambiguous: opts.ambiguous } : {};
  switch (name) {
    case "names-gender":
      return namesGender({ seed, ...ambiguous });
    case "names-language":
      if (!opts.data)
        throw new Error(
          "task names-language needs the data directory (--data DIR with <Language>.txt files)",
        );
      return namesLanguage(opts.data, { seed, ...ambiguous });
    default:
      return generatedTask(name, opts);
  }
}
