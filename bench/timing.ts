/**
 * Timing: warm-up samples, then timed samples sized to a time budget; medians are reported.
 *
 * Each run is timed by the wall clock and by the process's CPU time (user + system of all its
 * threads, `process.cpuUsage`). On a shared machine (this one runs ~8 agents on 2 cores) the
 * wall clock mostly measures waiting for a core, so CPU time is the compared number. The rule,
 * the same for every contender (bench/README.md, "Time"), is that a run is charged for its own
 * work, including what V8 does for it on helper threads, and for nobody else's:
 *
 * 1. `gc()` (a full GC), then wait until the process's other threads are idle: untimed. V8's
 *    gc() returns while helper threads still sweep and free what it found dead (measured: ~19 ms
 *    of helper CPU after a 14 ms gc() of a 200k-object heap), and TurboFan jobs queued by the
 *    previous run may still be compiling; without the wait that work landed in the next run.
 * 2. The clock runs over the run: CPU time of all threads, and wall time.
 * 3. Wait again until the helper threads are idle and add their CPU time since the clock stopped
 *    (the run's own concurrent marking, sweeping, background compiles: its "tail") to the run's
 *    CPU time, not to its wall time.
 *
 * The waits poll /proc/self/task/<tid>/stat (no thread in state R twice in a row, 0.2 ms apart,
 * at most SETTLE_MAX_MS) and the helper CPU comes from /proc/self/task/<tid>/schedstat; off
 * Linux there is neither and runs are timed as in step 2 only. `helperMs` reports the helper
 * CPU of a run (during it and its tail, included in its CPU time). The garbage a run leaves is
 * collected by the next gc(), outside every timed region: that favours contenders that allocate;
 * `leftMB` (JS heap + ArrayBuffer bytes grown during the run; a lower bound when a GC ran inside
 * it) says how much each one leaves. V8's flags stay its defaults.
 *
 * What steps 1–3 time is a sample: k runs back to back in step 2's timed region, and a run's
 * times (CPU, wall, helper CPU, leftMB) are the sample's / k: the gc() of step 1 leaves the caches cold, which a run of a
 * fraction of a millisecond would pay for several times over. k comes from the warm-up samples
 * (`Sizer`: k = 1 first, then the largest k any asked for, so that a sample takes at least
 * SAMPLE_MS of CPU time; 1 for runs that long; more warm-ups while the runs still get faster),
 * per contender, by the same rule in both `measureGroup` (forward and forward+backward) and
 * bench/inference.ts's `timeInterleaved`.
 */
import { readdirSync, readFileSync } from "node:fs";
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
  /** Warm-up samples (default 2), the fewest: `Sizer` may add some while runs get faster. */
  readonly warmups?: number;
}

export interface Timing {
  /** Median CPU time per run (ms): the primary number. */
  readonly medianMs: number;
  /** Median wall-clock time per run (ms). */
  readonly wallMedianMs: number;
  /** Median and largest CPU time of this process's other threads during a run (null: unknown). */
  readonly helperMs: number | null;
  readonly helperMaxMs: number | null;
  readonly helperSamplesMs: (number | null)[];
  /** Median MB of JS heap + ArrayBuffers a run leaves for the next gc() (untimed). */
  readonly leftMB: number;
  readonly reps: number;
  readonly warmup: number;
  /** Runs per timed sample (k): every per-run figure here is its sample's / k. */
  readonly runsPerSample: number;
  /** CPU and wall ms per run of each timed sample (the sample's / k). */
  readonly samplesMs: number[];
  readonly wallSamplesMs: number[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The shortest timed sample (CPU ms) the warm-ups size k for: k runs back to back. */
export const SAMPLE_MS = 5;

/**
 * Runs per sample that a warm-up sample asks for, from its CPU ms per run: enough runs back to
 * back for SAMPLE_MS of CPU time (at most 1000). `Sizer` keeps the largest k any warm-up asked
 * for: a first sample's compile tail would otherwise make k 1.
 */
export function runsPerSample(cpuMsPerRun: number): number {
  return Math.min(1000, Math.ceil(SAMPLE_MS / Math.max(cpuMsPerRun, 1e-3)));
}

/** The most warm-up samples a contender gets while its runs still get faster (`Sizer`). */
export const MAX_WARMUPS = 5;
/** The fewest warm-up samples of a contender whose runs are short (`Sizer`). */
export const SHORT_WARMUPS = 3;
/** Runs longer than this (ms) take no warm-ups beyond the configured ones (`Sizer`). */
export const WARMING_MS = 100;

/**
 * Sizes k from a contender's warm-up samples, the same way for `measureGroup` and
 * bench/inference.ts's `timeInterleaved`: the first warm-up is one run, each next one has `k`,
 * the largest number of runs any before asked for (`runsPerSample`). It takes `minWarmups`,
 * then more, up to MAX_WARMUPS, while the last one's time per run was more than 10% below every
 * earlier one's and under WARMING_MS, and at least SHORT_WARMUPS while it is under 4·SAMPLE_MS:
 * the contender is still warming up (caches that a larger k keeps warm, a JIT tiering its code
 * up, compiles on helper threads whose CPU the sample is charged) and k sized on those runs
 * would be too small. A contender whose warm-ups take over WARMING_MS a run, or that is no
 * longer getting faster, takes only the configured ones.
 */
export class Sizer {
  /** Runs per sample: of the next warm-up, and, once `add` says stop, of the timed samples. */
  k = 1;
  /** Warm-up samples taken. */
  warmups = 0;
  private best = Number.POSITIVE_INFINITY;
  constructor(private readonly minWarmups: number) {}
  /** Takes a warm-up sample of `k` runs (its times per run, `perRun`); whether to take another. */
  add(r: Run): boolean {
    this.warmups++;
    const faster = r.cpu < 0.9 * this.best; // never on the first: nothing before it
    this.best = Math.min(this.best, r.cpu);
    this.k = Math.max(this.k, runsPerSample(r.cpu));
    if (this.warmups < this.minWarmups) return true;
    if (this.warmups >= MAX_WARMUPS) return false;
    return (
      (faster && r.cpu < WARMING_MS) || (this.warmups < SHORT_WARMUPS && r.cpu < 4 * SAMPLE_MS)
    );
  }
}

/** A sample of k runs as one run's share: every time (and leftMB) divided by k. */
export function perRun(r: Run, k: number): Run {
  return {
    cpu: r.cpu / k,
    wall: r.wall / k,
    helper: r.helper === null ? null : r.helper / k,
    leftMB: r.leftMB / k,
  };
}

/** One run's CPU and wall time (ms). */
export interface Sample {
  readonly cpu: number;
  readonly wall: number;
}
/** One timed run: what `once` / `onceAsync` return, and what `summarize` takes. */
export interface Run extends Sample {
  /** CPU ms of this process's other threads during the run and its tail (null off Linux). */
  readonly helper: number | null;
  readonly leftMB: number;
}

/**
 * The threads of process `pid` (default: this one) other than its main thread (empty off
 * Linux). Another pid: a child process timed by the same rule (bench/relaxed.ts).
 */
function helperTids(pid = process.pid): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`).filter((t) => t !== String(pid));
  } catch {
    return [];
  }
}
const onLinux = helperTids().length > 0;
/** CPU time (ms) so far of process `pid`'s threads other than its main one; null off Linux. */
export function helperCpuMs(pid = process.pid): number | null {
  if (!onLinux) return null;
  let ns = 0;
  for (const t of helperTids(pid)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}
/** Whether some other thread of process `pid` is running or runnable (state R). */
function helpersBusy(pid: number): boolean {
  for (const t of helperTids(pid)) {
    try {
      const st = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
      if (st[st.lastIndexOf(")") + 2] === "R") return true;
    } catch {
      // ended
    }
  }
  return false;
}
const nap = new Int32Array(new SharedArrayBuffer(4));
/** Longest wait for the helper threads to go idle (ms); `settleInfo().capped` counts hits. */
export const SETTLE_MAX_MS = 2000;
let settleEnabled = true;
const settled = { waits: 0, capped: 0, waitedMs: 0 };
/** `--no-settle`: the old timing (no waiting for helper threads, their tail not charged). */
export function setSettle(on: boolean): void {
  settleEnabled = on;
}
/** How the waits went: on or off, on Linux, how many, how many hit SETTLE_MAX_MS, total ms. */
export function settleInfo(): {
  enabled: boolean;
  linux: boolean;
  maxMs: number;
  waits: number;
  capped: number;
  waitedMs: number;
} {
  return {
    enabled: settleEnabled,
    linux: onLinux,
    maxMs: SETTLE_MAX_MS,
    ...settled,
    waitedMs: +settled.waitedMs.toFixed(1),
  };
}
/**
 * Sleeps (leaving the cores to them) until no helper thread of process `pid` (default: this
 * one) is running or runnable in two polls in a row, at most SETTLE_MAX_MS. A no-op with
 * `--no-settle` or off Linux.
 */
export function settle(pid = process.pid): void {
  if (!settleEnabled || !onLinux) return;
  const t0 = performance.now();
  settled.waits++;
  let idle = 0;
  while (idle < 2) {
    if (performance.now() - t0 > SETTLE_MAX_MS) {
      settled.capped++;
      break;
    }
    idle = helpersBusy(pid) ? 0 : idle + 1;
    if (idle < 2) Atomics.wait(nap, 0, 0, 0.2);
  }
  settled.waitedMs += performance.now() - t0;
}
/** Whether `settle` waits (on, and on Linux): whether a run's tail is charged to it. */
export function settling(): boolean {
  return settleEnabled && onLinux;
}
function heldBytes(): number {
  return v8.getHeapStatistics().used_heap_size + process.memoryUsage().arrayBuffers;
}

/**
 * Times one sample (`fn`: one run, or k back to back); a contender timed elsewhere (another
 * process) returns its own sample.
 *
 * gc(), then wait until the helper threads are idle (the gc()'s concurrent sweeping, the
 * previous run's compiles): untimed. The clock runs over `fn`; then wait again until the
 * helpers are idle and add their CPU time since the clock stopped (`tail`: this sample's own
 * concurrent marking, sweeping and compiles) to the sample's CPU time.
 */
function once(fn: () => void | Partial<Run>): Run {
  const open = begin();
  return end(open, fn(), performance.now());
}

/**
 * `once` for a run that returns a promise (ONNX Runtime's `session.run`, a child process's
 * reply): the same gc(), waits and tail; the clock stops when the promise settles.
 */
export async function onceAsync(fn: () => Promise<void | Partial<Run>>): Promise<Run> {
  const open = begin();
  const own = await fn();
  return end(open, own, performance.now());
}

interface Open {
  readonly m0: number;
  readonly h0: number | null;
  readonly c0: NodeJS.CpuUsage;
  readonly t0: number;
}
/** Steps 1 and 2: gc(), wait for the helpers (untimed), start the clocks. */
function begin(): Open {
  gc();
  settle();
  const m0 = heldBytes();
  const h0 = helperCpuMs();
  const c0 = process.cpuUsage();
  return { m0, h0, c0, t0: performance.now() };
}
/**
 * Steps 2 and 3: stop the clocks (`t1`: the wall clock already read), wait for the helpers and
 * charge their tail. `own`: the run's own sample where it was timed elsewhere (its fields win).
 */
function end({ m0, h0, c0, t0 }: Open, own: void | Partial<Run>, t1: number): Run {
  const wall = t1 - t0;
  const c = process.cpuUsage(c0);
  const h1 = helperCpuMs();
  const leftMB = Math.max(0, heldBytes() - m0) / 2 ** 20;
  settle();
  const h2 = settleEnabled ? helperCpuMs() : h1;
  const tail = h1 === null || h2 === null ? 0 : h2 - h1;
  const helper = h0 === null || h2 === null ? null : h2 - h0;
  // its own process's time (ours was idle), with its own helper time and leftMB where it has them
  if (own) return { cpu: Number.NaN, wall, helper, leftMB, ...own };
  return { cpu: (c.user + c.system) / 1000 + tail, wall, helper, leftMB };
}

/** One contender of an interleaved measurement. */
export interface Contender {
  readonly name: string;
  /**
   * k runs back to back (one sample); returns the sample's own times (totals over the k runs)
   * when it is timed elsewhere (PyTorch in its process).
   */
  readonly fn: (k: number) => void | Sample;
  readonly opts: TimingOptions;
}

/**
 * Measures several implementations of the same job interleaved, so load changes on a shared
 * machine hit all of them alike: each is warmed up (`Sizer`: `warmups` samples, default 2, and
 * more up to MAX_WARMUPS while its runs still get faster; the first of one run, each next of the
 * largest k any before asked for), given that k and a sample count from its budget (budgetMs /
 * a sample's CPU ms by the last warm-up, clamped to [minReps, maxReps]),
 * then samples happen round-robin, one per contender per round. A contender slower than `slowMs`
 * gets its first run as its only sample, k = 1 (it was warmed up at the smaller configs before).
 * Each sample is timed by the rule above (`once`) and its times divided by k (`perRun`).
 */
export function measureGroup(cs: readonly Contender[]): Map<string, Timing> {
  const st = cs.map((c) => ({ c, samples: [] as Run[], reps: 0, warmup: 0, k: 1 }));
  const sample = (c: Contender, k: number) =>
    perRun(
      once(() => c.fn(k)),
      k,
    );
  for (const s of st) {
    const first = sample(s.c, 1);
    if (first.cpu >= s.c.opts.slowMs) {
      s.samples.push(first);
      s.reps = 1;
      continue;
    }
    const o = s.c.opts;
    const z = new Sizer(o.warmups ?? 2);
    let last = first;
    while (z.add(last)) last = sample(s.c, z.k);
    s.k = z.k;
    s.warmup = z.warmups;
    const t = Math.max(last.cpu * s.k, 1e-3);
    s.reps = Math.min(o.maxReps, Math.max(o.minReps, Math.round(o.budgetMs / t)));
  }
  const rounds = Math.max(0, ...st.map((s) => s.reps));
  for (let r = 0; r < rounds; r++)
    for (const s of st) if (s.samples.length < s.reps) s.samples.push(sample(s.c, s.k));
  return new Map(st.map((s) => [s.c.name, summarize(s.samples, s.warmup, s.k)]));
}

/** The medians (and samples) of one contender's timed samples, per run (`perRun` ones). */
export function summarize(samples: readonly Run[], warmup: number, runsPerSample = 1): Timing {
  const helpers = samples.map((x) => x.helper);
  const known = helpers.every((h) => h !== null) ? (helpers as number[]) : null;
  return {
    medianMs: median(samples.map((x) => x.cpu)),
    wallMedianMs: median(samples.map((x) => x.wall)),
    helperMs: known && median(known),
    helperMaxMs: known && Math.max(...known),
    helperSamplesMs: helpers,
    leftMB: median(samples.map((x) => x.leftMB)),
    reps: samples.length,
    warmup,
    runsPerSample,
    samplesMs: samples.map((x) => x.cpu),
    wallSamplesMs: samples.map((x) => x.wall),
  };
}
