/** Optional tools the interop suites need, detected once; absent tools make suites skip loudly. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PYTHON = "/usr/bin/python3";

let torch: boolean | undefined;
/** True when Debian's python3 imports torch. */
export function hasTorch(): boolean {
  if (torch === undefined)
    torch =
      existsSync(PYTHON) &&
      spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 }).status === 0;
  return torch;
}

/** Warns (once per suite) that a suite is skipped and why. */
export function warnSkip(suite: string, missing: string): void {
  console.warn(`SKIPPED ${suite}: ${missing} is not available`);
}
