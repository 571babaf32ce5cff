/**
 * Progress on stderr: a redrawn bar when stderr is a TTY (or `--progress` forces it), plain
 * periodic lines otherwise, so logs stay readable. Nothing goes to stdout. The ETA comes from a
 * smoothed rate measured from the first update on (see eta.ts): compilation before the first
 * step and the steps a resumed run had already done never count, and there is no ETA until the
 * rate has been measured.
 */
import { formatDuration, formatRate, RateEstimator } from "./eta.js";

export { formatDuration, formatRate, RateEstimator } from "./eta.js";

export interface Progress {
  /**
   * Reports `done` of `total` units with a short status text. `fresh`: the units done by this
   * invocation (default `done`; only its increments count for the rate), for a bar over several
   * runs some of which resumed from checkpoints.
   */
  update(done: number, status?: string, fresh?: number): void;
  /** Prints a line of its own (above the bar on a terminal), e.g. a finished run. */
  note(line: string): void;
  /** Finishes the bar (newline) with a final status; `count` when it stopped short of the total. */
  done(status?: string, count?: number, fresh?: number): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  /** Force the redrawn bar even when stderr is not a TTY. */
  readonly force?: boolean;
  /** Suppress all output. */
  readonly quiet?: boolean;
  /** Seconds between plain lines when not drawing a bar (default 10). */
  readonly every?: number;
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Clock in milliseconds (tests). */
  readonly now?: () => number;
}

/** The text after the bar: `12/200 3.1s 16.2 steps/s eta 11s status`. */
export function progressTail(
  done: number,
  total: number,
  elapsed: number,
  rate: RateEstimator,
  status = "",
  final = false,
): string {
  const r = final ? rate.meanRate() : rate.rate();
  const now = rate.rate();
  const eta = final || done >= total || now === undefined ? undefined : (total - done) / now;
  return [
    `${done}/${total}`,
    formatDuration(elapsed),
    ...(r !== undefined ? [formatRate(r)] : []),
    ...(eta !== undefined ? [`eta ${formatDuration(eta)}`] : []),
    ...(status ? [status] : []),
  ].join(" ");
}

export function progress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const tty = opts.force === true || stream.isTTY === true;
  const start = now();
  const rate = new RateEstimator();
  let lastLine = start;
  let lastDraw = -Infinity;
  let drawn = "";
  const frac = (done: number) => (opts.total > 0 ? Math.min(1, done / opts.total) : 1);
  const tail = (done: number, status: string, final = false) =>
    progressTail(done, opts.total, (now() - start) / 1000, rate, status, final);
  return {
    update(done, status = "", fresh = done) {
      if (opts.quiet) return;
      const t = now();
      rate.observe(fresh, t / 1000);
      if (tty) {
        if (t - lastDraw < 100 && done < opts.total) return;
        lastDraw = t;
        const f = frac(done);
        const width = 24;
        const fill = Math.round(f * width);
        const line = `${opts.label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)}% ${tail(done, status)}`;
        const cols = stream.columns ?? 120;
        drawn = `\r${line.slice(0, cols - 1)}\x1b[K`;
        stream.write(drawn);
      } else if (t - lastLine >= (opts.every ?? 10) * 1000) {
        lastLine = t;
        stream.write(`${opts.label} ${(frac(done) * 100).toFixed(0)}% ${tail(done, status)}\n`);
      }
    },
    note(line) {
      if (opts.quiet) return;
      stream.write(tty ? `\r${line}\x1b[K\n${drawn}` : `${line}\n`);
    },
    done(status = "", count = opts.total, fresh = count) {
      if (opts.quiet) return;
      rate.observe(fresh, now() / 1000);
      const word = count >= opts.total ? "done" : "stopped";
      const text = `${opts.label} ${word} ${tail(count, status, true)}`;
      stream.write(tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}

/** One line for a finished run: `adding lstm seed 1 done 200 steps in 12s (16.2 steps/s) mse 0.0123`. */
export function runLine(
  task: { readonly name: string; readonly metricName: string },
  r: {
    readonly cell: string;
    readonly seed: number;
    readonly steps: number;
    readonly seconds: number;
    readonly completed: boolean;
    readonly history: readonly { readonly metric: number }[];
  },
): string {
  const metric = r.history.at(-1)?.metric;
  return [
    `${task.name} ${r.cell} seed ${r.seed} ${r.completed ? "done" : "stopped"} ${r.steps} steps in ${formatDuration(r.seconds)}`,
    `(${formatRate(r.seconds > 0 ? r.steps / r.seconds : NaN)})`,
    ...(metric !== undefined ? [`${task.metricName} ${metric.toPrecision(3)}`] : []),
  ].join(" ");
}
