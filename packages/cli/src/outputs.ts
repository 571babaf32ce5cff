/**
 * Output paths are checked before any work: a report or module may not overwrite a cell's own
 * source file or a run's checkpoint, an output path may not be a directory, and a checkpoint
 * directory may not be a file (each was found only after training, or as a stack trace).
 */
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./errors.js";

const kind = (p: string): "file" | "dir" | "other" | undefined => {
  try {
    const s = statSync(p);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : "other";
  } catch {
    return undefined;
  }
};

/** The nearest existing ancestor of `p` must be a directory (else mkdir fails mid-run). */
function checkParent(command: string, flag: string, p: string): void {
  let d = dirname(resolve(p));
  for (;;) {
    const k = kind(d);
    if (k === "dir") return;
    if (k !== undefined)
      throw new UsageError(`gated ${command}: ${flag} ${p}: ${d} is not a directory`);
    const up = dirname(d);
    if (up === d) return;
    d = up;
  }
}

/**
 * Checks that each output file can be written and overwrites none of `protect` (files the run
 * reads or keeps: cell sources, checkpoints), naming the flag.
 */
export function checkOutputFiles(
  command: string,
  outputs: readonly { flag: string; path: string }[],
  protect: readonly { what: string; path: string }[],
): void {
  for (const { flag, path } of outputs) {
    if (kind(path) === "dir")
      throw new UsageError(
        `gated ${command}: ${flag} ${path} is a directory, expected a file path`,
      );
    checkParent(command, flag, path);
    const target = resolve(path);
    const hit = protect.find((p) => resolve(p.path) === target);
    if (hit)
      throw new UsageError(
        `gated ${command}: ${flag} ${path} would overwrite ${hit.what}; choose another path`,
      );
  }
}

/** A checkpoint directory must be a directory (or not exist yet, under a directory). */
export function checkOutputDir(command: string, flag: string, dir: string): void {
  const k = kind(dir);
  if (k !== undefined && k !== "dir")
    throw new UsageError(`gated ${command}: ${flag} ${dir} is not a directory`);
  checkParent(command, flag, `${dir}/x`);
}
