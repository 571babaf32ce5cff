/**
 * Ctrl-C handling for long runs: the first SIGINT sets a flag that training loops poll between
 * steps (they yield to the event loop regularly so the signal is seen), so the command can write
 * a partial report and checkpoint and exit 130. A second SIGINT exits at once.
 */
let requested = false;
let installed = 0;
/** A flag shared with worker threads (see pool.ts): 1 once an interruption is requested. */
let shared: Int32Array | undefined;

const onSigint = () => {
  if (requested) process.exit(130);
  requested = true;
  if (shared) Atomics.store(shared, 0, 1);
  process.stderr.write(
    "\ninterrupted: finishing the current step and writing a partial report (Ctrl-C again to quit now)\n",
  );
};

/** Starts listening for SIGINT; returns a function that stops listening. */
export function watchInterrupt(): () => void {
  if (installed++ === 0) process.on("SIGINT", onSigint);
  return () => {
    if (--installed === 0) process.off("SIGINT", onSigint);
  };
}

export function interrupted(): boolean {
  return requested || (shared !== undefined && Atomics.load(shared, 0) === 1);
}

/** Shares the interruption flag through `buffer` (main thread: to signal; workers: to poll). */
export function shareInterrupt(buffer: SharedArrayBuffer): () => void {
  shared = new Int32Array(buffer);
  if (requested) Atomics.store(shared, 0, 1);
  return () => {
    shared = undefined;
  };
}

/** For tests and programmatic use: request (or clear) an interruption. */
export function requestInterrupt(value = true): void {
  requested = value;
}

/** Lets pending signals and I/O run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
