/**
 * Runs a study: (1) a random hyperparameter search — the same trials (learning rate drawn
 * log-uniformly, hidden size from a list) for every variant on every task, one run each with
 * seed 0; (2) more seeds for each variant's best trial (by final validation metric); (3) the
 * statistics: test metric per seed, Welch's t-test of every variant against the reference with
 * Holm's correction, ranks, and the paper's findings decided per task.
 *
 * Resumable: every finished run is a JSON file under `<dir>/runs/` (written atomically), and a
 * run cut short keeps its training checkpoint under `<dir>/checkpoints/`, so a killed study
 * started again with the same settings continues where it stopped and ends with exactly the
 * numbers of an uninterrupted one. Different settings are refused, naming the field.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "@gated/codegen";
import { type CellEntry, resolveCell } from "../cells.js";
import { writeFileAtomic } from "../checkpoint.js";
import { UsageError } from "../errors.js";
import { type RunResult, runOne } from "../experiment.js";
import { interrupted } from "../interrupt.js";
import { type Progress, progress } from "../progress.js";
import type { RunConfig, TaskEntry } from "../tasks.js";
import type { Budget, FindingResult, StudyPlan, TaskOutcome, Variant } from "./plans.js";
import { holm, ranks, sample, welch } from "./stats.js";

/** One hyperparameter setting of the search. */
export interface Trial {
  readonly index: number;
  readonly lr: number;
  readonly hidden: number;
}

/** A finished run of the study (its parameters are not kept). */
export interface StudyRun {
  readonly task: string;
  readonly variant: string;
  readonly trial: number;
  readonly seed: number;
  readonly result: Omit<RunResult, "params">;
}

export interface StudyOptions {
  readonly plan: StudyPlan;
  readonly budget: Budget;
  /** Where runs, checkpoints and the state file live. */
  readonly dir: string;
  readonly data?: string;
  readonly dtype: RunConfig["dtype"];
  /** Worker threads running the runs of a stage in parallel (default 1: in this thread). */
  readonly jobs?: number;
  /** Only these variants / tasks (labels / task names): for tests and partial studies. */
  readonly variants?: readonly string[];
  readonly tasks?: readonly string[];
  /** Start over, deleting an earlier study in `dir`. */
  readonly fresh?: boolean;
  readonly progress?: boolean;
  readonly quiet?: boolean;
  /** Test hook: stop (as if killed) once this many runs have finished in this invocation. */
  readonly stopAfterRuns?: number;
  /** Test hook: stop a run (as if Ctrl-C) after this many of its steps. */
  readonly stopAfterSteps?: number;
}

export interface TaskSummary {
  readonly task: string;
  readonly metricName: string;
  readonly higherIsBetter: boolean;
  /** What the statistics are computed on. */
  readonly scoreName: string;
  readonly trials: readonly Trial[];
  /** Per variant label: the index of its best trial. */
  readonly best: Readonly<Record<string, number>>;
  /** Per variant label: test metric per seed of the best trial (raw, not log). */
  readonly test: Readonly<Record<string, readonly number[]>>;
  readonly outcome: TaskOutcome;
  /** Per variant label: Welch's t and raw two-sided p against the reference. */
  readonly welch: Readonly<Record<string, { t: number; df: number; p: number }>>;
}

export interface StudyResult {
  readonly plan: StudyPlan["name"];
  readonly budget: Budget["name"];
  readonly variants: readonly Variant[];
  readonly reference: string;
  readonly runs: readonly StudyRun[];
  readonly tasks: readonly TaskSummary[];
  readonly findings: readonly FindingResult[];
  /** All planned runs finished. */
  readonly complete: boolean;
  /** Runs finished in this invocation, and those found from earlier ones. */
  readonly ranNow: number;
  readonly resumed: number;
}

/** The search's trials: a fixed seeded stream, so every variant and every resume sees the same. */
export function sampleTrials(budget: Budget, task: string): Trial[] {
  let seed = 0;
  for (const c of `trials:${task}`) seed = (Math.imul(seed, 31) + c.charCodeAt(0)) | 0;
  const rand = mulberry32(seed);
  const [lo, hi] = budget.lr;
  return Array.from({ length: budget.trials }, (_, index) => {
    const lr = Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo)));
    const hidden = budget.hidden[Math.floor(rand() * budget.hidden.length)]!;
    return { index, lr: Number(lr.toPrecision(3)), hidden };
  });
}

/** The run configuration of a trial on a task. */
export function trialConfig(
  task: TaskEntry,
  trial: Trial,
  o: Pick<StudyOptions, "budget" | "dtype" | "data">,
): RunConfig {
  const d = task.defaults;
  const steps = o.budget.steps[task.name] ?? d.steps;
  const evalEvery = Math.min(steps, o.budget.evalEvery);
  return {
    steps,
    batch: d.batch,
    hidden: trial.hidden,
    lr: trial.lr,
    clip: 1,
    seqLen: d.seqLen ?? 100,
    threshold: d.threshold,
    evalEvery,
    checkpointEvery: evalEvery,
    evalSize: o.budget.evalSize,
    embed: d.embed ?? 16,
    dtype: o.dtype,
    ...(o.data !== undefined ? { data: o.data } : {}),
  };
}

const safe = (s: string) => s.replace(/[^\w.-]+/g, "_");
const runKey = (task: string, variant: string, trial: number, seed: number) =>
  `${safe(task)}-${safe(variant)}-t${trial}-s${seed}`;

/** The score statistics are computed on: log10 of an MSE (errors span decades), else the metric. */
export function score(task: TaskEntry, metric: number): number {
  return task.loss === "mse" ? Math.log10(metric) : metric;
}

/** Runs (or continues) a study and returns its results and statistics. */
export async function runStudy(o: StudyOptions): Promise<StudyResult> {
  const variants = o.variants
    ? o.plan.variants.filter((v) => o.variants!.includes(v.label))
    : o.plan.variants;
  if (!variants.some((v) => v.label === o.plan.reference))
    throw new UsageError(
      `gated study ${o.plan.name}: the reference ${o.plan.reference} must be one of the variants`,
    );
  const tasks = o.plan.tasks(o.data).filter((t) => !o.tasks || o.tasks.includes(t.name));
  const cells = new Map(
    variants.map((v) => [v.label, { ...resolveCell(v.spec), name: v.label } as CellEntry]),
  );
  const trials = new Map(tasks.map((t) => [t.name, sampleTrials(o.budget, t.name)]));
  openState(o, {
    plan: o.plan.name,
    budget: o.budget,
    variants: variants.map((v) => v.spec),
    tasks: tasks.map((t) => t.name),
    data: o.data ?? null,
    dtype: o.dtype,
  });
  const runsDir = join(o.dir, "runs");
  const runs = new Map<string, StudyRun>();
  for (const f of readdirSync(runsDir)) {
    if (f.endsWith(".json"))
      runs.set(f.slice(0, -5), JSON.parse(readFileSync(join(runsDir, f), "utf8")) as StudyRun);
  }
  const resumed = runs.size;
  const plannedRuns = tasks.length * variants.length * (o.budget.trials + o.budget.seeds - 1);
  const stepsOf = (t: TaskEntry) => o.budget.steps[t.name] ?? t.defaults.steps;
  const totalSteps = tasks.reduce(
    (a, t) => a + stepsOf(t) * variants.length * (o.budget.trials + o.budget.seeds - 1),
    0,
  );
  let doneSteps = [...runs.values()].reduce((a, r) => a + r.result.steps, 0);
  const bar: Progress = progress({
    label: `study ${o.plan.name} (${o.budget.name})`,
    total: totalSteps,
    force: o.progress === true,
    quiet: o.quiet === true,
  });
  if (resumed && !o.quiet)
    bar.note(`continuing study ${o.plan.name}: ${resumed} of ${plannedRuns} runs already done`);
  let ranNow = 0;
  let stopped = false;

  interface Job {
    readonly task: TaskEntry;
    readonly v: string;
    readonly trial: Trial;
    readonly seed: number;
  }
  const keyOf = (j: Job) => runKey(j.task.name, j.v, j.trial.index, j.seed);
  const checkpointDir = (j: Job) => {
    const dir = join(o.dir, "checkpoints", `${safe(j.task.name)}-t${j.trial.index}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const record = (j: Job, result: RunResult) => {
    const { params: _p, ...kept } = result;
    const run: StudyRun = {
      task: j.task.name,
      variant: j.v,
      trial: j.trial.index,
      seed: j.seed,
      result: kept,
    };
    writeFileAtomic(join(runsDir, `${keyOf(j)}.json`), JSON.stringify(run));
    runs.set(keyOf(j), run);
    doneSteps += result.steps;
    ranNow++;
  };
  // one run in this thread: trained (continuing its checkpoint, if any) and saved
  const runHere = async (j: Job) => {
    if (interrupted() || (o.stopAfterRuns !== undefined && ranNow >= o.stopAfterRuns)) {
      stopped = true;
      return;
    }
    const base = doneSteps;
    const { result, stopped: cut } = await runOne(
      cells.get(j.v)!,
      j.seed,
      {
        task: j.task,
        config: trialConfig(j.task, j.trial, o),
        checkpointDir: checkpointDir(j),
        resume: true,
        ...(o.stopAfterSteps !== undefined ? { stopAfter: o.stopAfterSteps } : {}),
      },
      (p) =>
        bar.update(
          base + p.done,
          `${j.task.name} ${j.v} trial ${j.trial.index} seed ${j.seed}: ${p.status}`,
        ),
    );
    if (cut || !result.completed) stopped = true;
    else record(j, result);
  };
  // the runs of a stage not on disk yet: in this thread, or spread over worker threads
  const execute = async (stage: string, all: readonly Job[]) => {
    const todo = all.filter((j) => !runs.has(keyOf(j)));
    if (stopped || todo.length === 0) return;
    if ((o.jobs ?? 1) > 1 && todo.length > 1 && o.stopAfterRuns === undefined) {
      const { runPool } = await import("../pool.js");
      const pairs = todo.map((j) => ({
        cell: cells.get(j.v)!,
        seed: j.seed,
        task: j.task,
        config: trialConfig(j.task, j.trial, o),
        checkpointDir: checkpointDir(j),
      }));
      const res = await runPool(pairs, {
        label: `study ${o.plan.name} ${stage} (${Math.min(o.jobs!, todo.length)} workers)`,
        cells: [],
        seeds: [],
        task: pairs[0]!.task,
        config: pairs[0]!.config,
        jobs: o.jobs!,
        resume: true,
        progress: o.progress === true,
        quiet: o.quiet === true,
        ...(o.stopAfterSteps !== undefined ? { stopAfter: o.stopAfterSteps } : {}),
        onRun: (r, i) => {
          if (r.completed) record(todo[i]!, r);
        },
      });
      if (res.interrupted) stopped = true;
      return;
    }
    for (const j of todo) if (!stopped) await runHere(j);
  };

  // 1. the search: every trial, every variant, seed 0
  await execute(
    "search",
    tasks.flatMap((task) =>
      trials
        .get(task.name)!
        .flatMap((trial) => variants.map((v) => ({ task, v: v.label, trial, seed: 0 }))),
    ),
  );
  // 2. more seeds for each variant's best trial
  const best = new Map<string, Record<string, number>>();
  for (const task of tasks) {
    const b = bestTrials(task, variants, trials.get(task.name)!, runs);
    if (b) best.set(task.name, b);
  }
  await execute(
    "seeds",
    tasks.flatMap((task) => {
      const b = best.get(task.name);
      if (!b) return [];
      return variants.flatMap((v) =>
        Array.from({ length: o.budget.seeds - 1 }, (_, k) => ({
          task,
          v: v.label,
          trial: trials.get(task.name)![b[v.label]!]!,
          seed: k + 1,
        })),
      );
    }),
  );
  bar.done(stopped ? "stopped" : `${runs.size} runs`, doneSteps);

  // 3. statistics, on the tasks whose runs are all there
  const summaries: TaskSummary[] = [];
  for (const task of tasks) {
    const b = best.get(task.name);
    if (!b) continue;
    const s = summarizeTask(
      task,
      variants,
      o.plan.reference,
      trials.get(task.name)!,
      b,
      o.budget.seeds,
      runs,
    );
    if (s) summaries.push(s);
  }
  const findings = o.plan.findings
    .filter(() => summaries.length > 0)
    .map((f) => ({
      claim: f.claim,
      perTask: summaries.map((s) => ({ task: s.task, ...decideSafely(f, s.outcome) })),
    }));
  return {
    plan: o.plan.name,
    budget: o.budget.name,
    variants,
    reference: o.plan.reference,
    runs: [...runs.values()].sort((a, b) =>
      runKey(a.task, a.variant, a.trial, a.seed) < runKey(b.task, b.variant, b.trial, b.seed)
        ? -1
        : 1,
    ),
    tasks: summaries,
    findings,
    complete: !stopped && summaries.length === tasks.length,
    ranNow,
    resumed,
  };
}

function decideSafely(
  f: StudyPlan["findings"][number],
  o: TaskOutcome,
): Omit<FindingResult["perTask"][number], "task"> {
  // a finding about variants left out of a partial study cannot be decided
  try {
    const d = f.decide(o);
    if (d.why.includes("undefined") || d.why.includes("NaN"))
      return { verdict: "undecided", why: d.why };
    return d;
  } catch {
    return { verdict: "undecided", why: "a variant it names was not part of this study" };
  }
}

/** Best trial per variant by final validation metric (ties: the earlier trial); null until all ran. */
function bestTrials(
  task: TaskEntry,
  variants: readonly Variant[],
  trials: readonly Trial[],
  runs: ReadonlyMap<string, StudyRun>,
): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const v of variants) {
    let bestIdx = -1;
    let bestVal = Number.NaN;
    for (const t of trials) {
      const r = runs.get(runKey(task.name, v.label, t.index, 0));
      if (!r) return null;
      const val = r.result.history.at(-1)!.metric;
      const better = Number.isNaN(bestVal) || (task.higherIsBetter ? val > bestVal : val < bestVal);
      if (bestIdx < 0 || (Number.isFinite(val) && better)) {
        bestIdx = t.index;
        bestVal = val;
      }
    }
    out[v.label] = bestIdx;
  }
  return out;
}

function summarizeTask(
  task: TaskEntry,
  variants: readonly Variant[],
  reference: string,
  trials: readonly Trial[],
  best: Readonly<Record<string, number>>,
  seeds: number,
  runs: ReadonlyMap<string, StudyRun>,
): TaskSummary | null {
  const test: Record<string, number[]> = {};
  for (const v of variants) {
    test[v.label] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const r = runs.get(runKey(task.name, v.label, best[v.label]!, seed));
      if (!r?.result.test) return null;
      test[v.label]!.push(r.result.test.metric);
    }
  }
  const scores = Object.fromEntries(
    variants.map((v) => [v.label, test[v.label]!.map((m) => score(task, m))]),
  );
  const means = Object.fromEntries(variants.map((v) => [v.label, sample(scores[v.label]!).mean]));
  const others = variants.filter((v) => v.label !== reference);
  const w = Object.fromEntries(
    others.map((v) => [v.label, welch(scores[v.label]!, scores[reference]!)]),
  );
  const adj = holm(others.map((v) => w[v.label]!.p));
  const adjustedP: Record<string, number> = { [reference]: Number.NaN };
  others.forEach((v, i) => {
    adjustedP[v.label] = adj[i]!;
  });
  const r = ranks(
    variants.map((v) => means[v.label]!),
    task.higherIsBetter,
  );
  const rank = Object.fromEntries(variants.map((v, i) => [v.label, r[i]!]));
  return {
    task: task.name,
    metricName: task.metricName,
    higherIsBetter: task.higherIsBetter,
    scoreName: task.loss === "mse" ? `log10 test ${task.metricName}` : `test ${task.metricName}`,
    trials,
    best,
    test,
    outcome: {
      task: task.name,
      higherIsBetter: task.higherIsBetter,
      scores,
      means,
      adjustedP,
      rank,
    },
    welch: w,
  };
}

/** Creates or checks `<dir>/study.json`: a continued study must have exactly the same settings. */
function openState(o: StudyOptions, settings: Record<string, unknown>): void {
  const file = join(o.dir, "study.json");
  if (o.fresh && existsSync(o.dir)) rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(join(o.dir, "runs"), { recursive: true });
  if (existsSync(file)) {
    const old = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    for (const k of Object.keys(settings)) {
      if (JSON.stringify(old[k]) !== JSON.stringify(settings[k]))
        throw new UsageError(
          `gated study: ${o.dir} holds a study with another ${k} (${JSON.stringify(old[k])}); pass --fresh to start over or use another --dir`,
        );
    }
    return;
  }
  writeFileAtomic(file, JSON.stringify(settings, null, 1));
}
