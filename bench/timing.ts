/**
 * Timing: warm-up runs, then repetitions sized to a time budget; medians are reported.
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
  /** Warm-up runs (default 2). */
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
  readonly samplesMs: number[];
  readonly wallSamplesMs: number[];
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
 * Times one run; a contender timed elsewhere (another process) returns its own sample.
 *
 * gc(), then wait until the helper threads are idle (the gc()'s concurrent sweeping, the
 * previous run's compiles): untimed. The clock runs over `fn`; then wait again until the
 * helpers are idle and add their CPU time since the clock stopped (`tail`: this run's own
 * concurrent marking, sweeping and compiles) to the run's CPU time.
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
  /** One run; returns its own sample when it is timed elsewhere (PyTorch in its process). */
  readonly fn: () => void | Sample;
  readonly opts: TimingOptions;
}

/**
 * Measures several implementations of the same job interleaved, so load changes on a shared
 * machine hit all of them alike: each is warmed up (`warmups` runs, default 2), given a
 * repetition count from its budget (clamped to [minReps, maxReps]), then runs happen
 * round-robin, one per contender per round. A contender slower than `slowMs` gets its first run
 * as its only sample (it was warmed up at the smaller configs before).
 */
export function measureGroup(cs: readonly Contender[]): Map<string, Timing> {
  const st = cs.map((c) => ({ c, samples: [] as Run[], reps: 0, warmup: 0 }));
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
  return new Map(st.map((s) => [s.c.name, summarize(s.samples, s.warmup)]));
}

/** The medians (and samples) of one contender's timed runs. */
export function summarize(samples: readonly Run[], warmup: number): Timing {
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
    samplesMs: samples.map((x) => x.cpu),
    wallSamplesMs: samples.map((x) => x.wall),
  };
}
