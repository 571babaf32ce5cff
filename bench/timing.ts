/**
 * Timing: warm-up runs, then repetitions sized to a time budget; medians are reported.
 *
 * Each run is timed twice: by the wall clock and by the process's CPU time (user + system,
 * `process.cpuUsage`). Every implementation here is single-threaded, so on an idle machine the
 * two agree; on a shared machine (this one runs ~8 agents on 2 cores) the wall clock mostly
 * measures waiting for a core, and CPU time is the number to compare. CPU time also counts V8's
 * helper threads (concurrent GC, compiler), which slightly favours allocation-free code.
 * Every run starts after a full GC (outside the timed region).
 */
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";

// A full garbage collection before every timed run, so one implementation's garbage is not
// collected (and paid for) during the next one's run when runs are interleaved.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

export interface TimingOptions {
  /** Target time for the timed repetitions of one measurement (ms). */
  readonly budgetMs: number;
  readonly minReps: number;
  readonly maxReps: number;
  /** A first run slower than this counts as a sample (no separate warm-up): slow baselines. */
  readonly slowMs: number;
  /** Warm-up runs (default 2). */
  readonly warmups?: number;
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

/** One run's CPU and wall time (ms). */
export interface Sample {
  readonly cpu: number;
  readonly wall: number;
}

/** Times one run; a contender timed elsewhere (another process) returns its own sample. */
function once(fn: () => void | Sample): Sample {
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const own = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return own ?? { cpu: (c.user + c.system) / 1000, wall };
}

/** One contender of an interleaved measurement. */
export interface Contender {
  readonly name: string;
  /** One run; returns its own sample when it is timed elsewhere (PyTorch in its process). */
  readonly fn: () => void | Sample;
  readonly opts: TimingOptions;
}

/**
 * Measures several implementations of the same job interleaved, so load changes on a shared
 * machine hit all of them alike: each is warmed up (`warmups` runs, default 2), given a
 * repetition count from its budget (clamped to [minReps, maxReps]), then runs happen round-robin, one per contender per round. A contender slower than `slowMs` gets
 * its first run as its only sample (it was warmed up at the smaller configs before).
 */
export function measureGroup(cs: readonly Contender[]): Map<string, Timing> {
  const st = cs.map((c) => ({ c, samples: [] as Sample[], reps: 0, warmup: 0 }));
  for (const s of st) {
    const first = once(s.c.fn);
    if (first.cpu >= s.c.opts.slowMs) {
      s.samples.push(first);
      s.reps = 1;
      continue;
    }
    const o = s.c.opts;
    let last = first;
    for (let w = 1; w < (o.warmups ?? 2); w++) last = once(s.c.fn);
    s.warmup = Math.max(1, o.warmups ?? 2);
    const t = Math.max(last.cpu, 1e-3);
    s.reps = Math.min(o.maxReps, Math.max(o.minReps, Math.round(o.budgetMs / t)));
  }
  const rounds = Math.max(0, ...st.map((s) => s.reps));
  for (let r = 0; r < rounds; r++)
    for (const s of st) if (s.samples.length < s.reps) s.samples.push(once(s.c.fn));
  return new Map(
    st.map((s) => [
      s.c.name,
      {
        medianMs: median(s.samples.map((x) => x.cpu)),
        wallMedianMs: median(s.samples.map((x) => x.wall)),
        reps: s.samples.length,
        warmup: s.warmup,
        samplesMs: s.samples.map((x) => x.cpu),
      },
    ]),
  );
}
