/**
 * Progress on stderr: a redrawn bar when stderr is a TTY (or `--progress` forces it), plain
 * periodic lines otherwise, so logs stay readable. Nothing goes to stdout.
 */
export interface Progress {
  /** Reports `done` of `total` units with a short status text. */
  update(done: number, status?: string): void;
  /** Finishes the bar (newline) with a final status; `count` when it stopped short of the total. */
  done(status?: string, count?: number): void;
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
}

export function progress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.force === true || stream.isTTY === true;
  const start = Date.now();
  let lastLine = 0;
  let lastDraw = 0;
  const fmt = (done: number, status: string) => {
    const frac = opts.total > 0 ? Math.min(1, done / opts.total) : 1;
    const elapsed = (Date.now() - start) / 1000;
    const eta = frac > 0 && frac < 1 ? ` eta ${formatSeconds((elapsed * (1 - frac)) / frac)}` : "";
    return {
      frac,
      tail: `${done}/${opts.total} ${formatSeconds(elapsed)}${eta}${status ? ` ${status}` : ""}`,
    };
  };
  return {
    update(done, status = "") {
      if (opts.quiet) return;
      const now = Date.now();
      if (tty) {
        if (now - lastDraw < 100 && done < opts.total) return;
        lastDraw = now;
        const { frac, tail } = fmt(done, status);
        const width = 24;
        const fill = Math.round(frac * width);
        const line = `${opts.label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${tail}`;
        const cols = stream.columns ?? 120;
        stream.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
      } else if (now - lastLine >= (opts.every ?? 10) * 1000) {
        lastLine = now;
        const { frac, tail } = fmt(done, status);
        stream.write(`${opts.label} ${(frac * 100).toFixed(0)}% ${tail}\n`);
      }
    },
    done(status = "", count = opts.total) {
      if (opts.quiet) return;
      const { tail } = fmt(count, status);
      const word = count >= opts.total ? "done" : "stopped";
      stream.write(
        tty ? `\r${opts.label} ${word} ${tail}\x1b[K\n` : `${opts.label} ${word} ${tail}\n`,
      );
    },
  };
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, "0")}s`;
}
