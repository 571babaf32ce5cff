/**
 * Names → language, character level: the 18 files `<Language>.txt` (one surname per line) of
 * the PyTorch char-RNN tutorial, read from a directory the caller gives (never bundled).
 * Names are ASCII-folded as in the tutorial; exact (name, language) repeats are dropped (the
 * Arabic file is mostly repeats), and names under several languages are kept once per language
 * by default (`ambiguous: "keep"`: dropping them would erase Scottish, whose names are nearly
 * all English too), always in the same split, with the accuracy ceiling in `info.ceiling`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { foldAscii } from "./chars.js";
import { type NamesOptions, namesTask } from "./names.js";
import type { Task } from "./task.js";

export interface NamesLanguageOptions extends NamesOptions {
  /** Keep names as written (default: the tutorial's ASCII folding). */
  readonly raw?: boolean;
}

export function namesLanguage(dir: string, opts: NamesLanguageOptions = {}): Task {
  if (!existsSync(dir))
    throw new Error(`names data: directory ${dir} does not exist (expected <Language>.txt files)`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort();
  if (files.length === 0) throw new Error(`names data: no <Language>.txt files in ${dir}`);
  const byClass = new Map<string, string[]>();
  let lines = 0;
  for (const f of files) {
    const names = readFileSync(join(dir, f), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    lines += names.length;
    byClass.set(
      f.slice(0, -4),
      names.map((n) => (opts.raw ? n : foldAscii(n))).filter((n) => n.length > 0),
    );
  }
  return namesTask(
    "names-language",
    byClass,
    { ambiguous: "keep", ...opts },
    { source: dir, lines },
    opts.raw ? "none" : "fold-ascii",
  );
}
