/**
 * Errors the command line reports as one line on stderr with exit code 2 (bad flags, unknown
 * cells or tasks, unreadable files). Anything else escaping a command is a bug and keeps its stack.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** The first line of an error's message, for one-line reports of user-facing failures. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0]!.trim();
}
