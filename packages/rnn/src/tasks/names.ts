/**
 * Character-level name classification: the shared machinery of names → gender and
 * names → language. Labelled names are de-duplicated, names that carry more than one label
 * are handled by an explicit policy (never silently), and the split is seeded and stratified.
 */
import { fromArray, split } from "../train/data.js";
import type { Sample } from "../train/model.js";
import { charVocab } from "./chars.js";
import type { Task, TextNormalize } from "./task.js";

/**
 * What to do with a name listed under several classes:
 * - "drop": remove it: no sample has two right answers (can empty a class: Scottish surnames
 *   are nearly all English ones too);
 * - "first": keep it once, under its first class in class order;
 * - "keep": keep one sample per class, all in the same split (some accuracy is then out of
 *   reach: `info.ceiling`).
 */
export type AmbiguousPolicy = "drop" | "first" | "keep";

export interface NamesOptions {
  readonly seed?: number;
  readonly validation?: number;
  readonly test?: number;
  readonly ambiguous?: AmbiguousPolicy;
}

/** Builds a task from names per class (classes in the given order). */
export function namesTask(
  name: string,
  byClass: ReadonlyMap<string, readonly string[]>,
  opts: NamesOptions,
  extra: Record<string, number | string> = {},
  normalize: TextNormalize = "none",
): Task {
  const classes = [...byClass.keys()];
  const policy = opts.ambiguous ?? "drop";
  const labels = new Map<string, number[]>();
  let listed = 0;
  classes.forEach((c, k) => {
    for (const n of byClass.get(c)!) {
      listed++;
      const l = labels.get(n) ?? [];
      if (!l.includes(k)) l.push(k);
      labels.set(n, l);
    }
  });
  const items: { name: string; label: number }[] = [];
  let ambiguous = 0;
  for (const [n, ls] of labels) {
    if (ls.length > 1) ambiguous++;
    if (ls.length > 1 && policy === "drop") continue;
    for (const l of policy === "keep" ? ls : [ls[0]!]) items.push({ name: n, label: l });
  }
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.label - b.label));
  const vocab = charVocab(items.map((i) => i.name));
  // split by distinct name, so a name kept under two labels never straddles train and test
  const names = [...new Set(items.map((i) => i.name))];
  const firstLabel = new Map<string, number>();
  for (const it of items) if (!firstLabel.has(it.name)) firstLabel.set(it.name, it.label);
  const parts = split(names, {
    seed: opts.seed ?? 0,
    validation: opts.validation ?? 0.1,
    test: opts.test ?? 0.1,
    label: (n) => firstLabel.get(n)!,
  });
  const byName = new Map<string, number[]>();
  for (const it of items) byName.set(it.name, [...(byName.get(it.name) ?? []), it.label]);
  const samples = (ns: readonly string[]): Sample[] =>
    ns.flatMap((n) => byName.get(n)!.map((y) => ({ x: vocab.encode(n), y })));
  const train = samples(parts.train);
  const counts = classes.map((_, k) => train.filter((s) => s.y === k).length);
  const major = counts.indexOf(Math.max(...counts));
  const test = samples(parts.test);
  const prior = counts.map((c) => c / train.length);
  return {
    name,
    train: fromArray(train),
    validation: fromArray(samples(parts.validation)),
    test: fromArray(test),
    input: { kind: "tokens", vocab: vocab.chars.length },
    outputs: classes.length,
    loss: "cross-entropy",
    pool: "mean",
    classes,
    text: { chars: vocab.chars.join(""), normalize },
    baseline: {
      loss: -prior.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0),
      accuracy: test.filter((s) => s.y === major).length / Math.max(1, test.length),
      what: `always "${classes[major]}" (accuracy on test); loss: the training class prior's entropy`,
    },
    info: {
      ...extra,
      listed,
      distinct: labels.size,
      ambiguous,
      policy,
      samples: items.length,
      train: train.length,
      validation: parts.validation.length,
      test: test.length,
      // with "keep", a name under k labels can be right at most once: the best test accuracy
      ceiling: parts.test.length / Math.max(1, test.length),
      vocab: vocab.chars.join(""),
    },
  };
}
