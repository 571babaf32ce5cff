/**
 * Parallelism without oversubscription: `--jobs J` runs J training runs at once, and each run's
 * kernels use `threads` threads (1 in the CLI: `compileCell`'s default), so J × threads threads
 * compute at once. More than the cores here and they only take turns (slower, not faster).
 */
import { availableParallelism } from "node:os";

/** A one-line warning when J × threads exceeds the cores, else undefined. */
export function oversubscription(
  jobs: number,
  threads = 1,
  cores: number = availableParallelism(),
): string | undefined {
  if (jobs * threads <= cores) return undefined;
  const what = threads === 1 ? `--jobs ${jobs}` : `--jobs ${jobs} × ${threads} kernel threads`;
  const fix =
    threads > cores ? `at most ${cores} kernel threads` : `--jobs ${Math.floor(cores / threads)}`;
  return `gated: warning: ${what} = ${jobs * threads} threads on ${cores} cores; they will take turns (slower); use ${fix}`;
}
