/**
 * Timing: warm-up runs, then repetitions sized to a time budget; medians are reported.
 *
 * Each run is timed twice: by the wall clock and by the process's CPU time (user + system,
 * `process.cpuUsage`). Every implementation here is single-threaded, so on an idle machine the
 * two agree; on a shared machine (this one runs ~8 agents on 2 cores) the wall clock mostly
 * measures waiting for a core, and CPU time is the number to compare. CPU time also counts V8's
 * helper threads (concurrent GC, compiler), which slightly favours allocation-free code.
 */
import { performance } from "node:perf_hooks";

export interface TimingOptions {
  /** Target time for the timed repetitions of one measurement (ms). */
  readonly budgetMs: number;
  readonly minReps: number;
  readonly maxReps: number;
  /** A first run slower than this counts as a sample (no separate warm-up): slow baselines. */
  readonly slowMs: number;
}

export interface Timing {
  /** Median CPU time per run (ms): the primary number. */
  readonly medianMs: number;
  /** Median wall-clock time per run (ms). */
  readonly wallMedianMs: number;
  readonly reps: number;
  readonly warmup: number;
  readonly samplesMs: number[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Sample { cpu: number; wall: number }

function once(fn: () => void): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall };
}

/**
 * Runs `fn` twice as warm-up (JIT, buffer allocation), then as many timed repetitions as fit the
 * budget (clamped to [minReps, maxReps]). A run slower than `slowMs` ends the warm-up at one run
 * and counts it as a sample, with one more run after it (2 samples).
 */
export function measure(fn: () => void, o: TimingOptions): Timing {
  const first = once(fn);
  let samples: Sample[];
  let warmup: number;
  if (first.cpu >= o.slowMs) {
    samples = [first, once(fn)];
    warmup = 0;
  } else {
    const second = once(fn);
    warmup = 2;
    const t = Math.max(second.cpu, 1e-3);
    const reps = Math.min(o.maxReps, Math.max(t > o.budgetMs ? 1 : o.minReps, Math.round(o.budgetMs / t)));
    samples = [];
    for (let r = 0; r < reps; r++) samples.push(once(fn));
  }
  return {
    medianMs: median(samples.map((s) => s.cpu)),
    wallMedianMs: median(samples.map((s) => s.wall)),
    reps: samples.length,
    warmup,
    samplesMs: samples.map((s) => s.cpu),
  };
}
