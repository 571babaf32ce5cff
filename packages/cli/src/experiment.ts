/**
 * Runs training experiments: each (cell, seed) pair is one run of a `Session` (see lab.ts),
 * with periodic evaluation, atomic checkpoints, `--resume`, progress and Ctrl-C handling.
 * The trainer's whole state (parameters, optimizer moments, batch order) is in the checkpoint,
 * so a resumed run ends with exactly the parameters of an uninterrupted one.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CellEntry } from "./cells.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { UsageError } from "./errors.js";
import { interrupted, yieldToEventLoop } from "./interrupt.js";
import { progress } from "./progress.js";
import { checkResume } from "./resume.js";
import { openSession } from "./session.js";
import type { RunConfig, TaskEntry } from "./tasks.js";

export interface EvalPoint {
  readonly step: number;
  readonly trainLoss: number;
  readonly loss: number;
  readonly metric: number;
}

export interface RunResult {
  readonly cell: string;
  readonly seed: number;
  readonly history: readonly EvalPoint[];
  /** Steps completed (equals the budget unless interrupted). */
  readonly steps: number;
  readonly completed: boolean;
  /** First evaluated step whose metric reached the threshold, else null. */
  readonly stepsToThreshold: number | null;
  /** Training wall time in seconds (summed over resumed segments). */
  readonly seconds: number;
  /** Final test-split evaluation (completed runs only). */
  readonly test?: { readonly loss: number; readonly metric: number };
  /** Final parameters by name. */
  readonly params: Readonly<Record<string, Float64Array>>;
  /** The step at which the loss or a parameter became non-finite (the run stopped there). */
  readonly diverged?: number;
}

export interface ExperimentOptions {
  readonly cells: readonly CellEntry[];
  readonly task: TaskEntry;
  readonly seeds: readonly number[];
  readonly config: RunConfig;
  /** Directory for checkpoints; none when absent. */
  readonly checkpointDir?: string;
  readonly resume?: boolean;
  readonly progress?: boolean;
  readonly quiet?: boolean;
  /** Called after each finished (or interrupted) run, with its index in the (cell, seed) order. */
  readonly onRun?: (r: RunResult, index: number) => void;
  /** Worker threads to spread runs over (default 1: in this thread). */
  readonly jobs?: number;
  /** Test hook: stop (as if Ctrl-C) once this many steps of a run are done. */
  readonly stopAfter?: number;
}

export interface ExperimentResult {
  readonly runs: readonly RunResult[];
  readonly interrupted: boolean;
}

export function checkpointPath(dir: string, task: string, cell: string, seed: number): string {
  const safe = (s: string) => s.replace(/[^\w.-]+/g, "_");
  return join(dir, `${safe(task)}-${safe(cell)}-seed${seed}.safetensors`);
}

/** Whether `metric` reaches `threshold` in the task's direction. */
export function reached(task: TaskEntry, metric: number, threshold: number): boolean {
  return task.higherIsBetter ? metric >= threshold : metric <= threshold;
}

/** Progress of one run, as reported by `runOne`. */
export interface RunProgress {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  readonly status: string;
}

/** Runs every (cell, seed) pair, in order, or in `jobs` worker threads. */
export async function runExperiment(opts: ExperimentOptions): Promise<ExperimentResult> {
  if (opts.checkpointDir) mkdirSync(opts.checkpointDir, { recursive: true });
  const pairs = opts.cells.flatMap((cell) => opts.seeds.map((seed) => ({ cell, seed })));
  if ((opts.jobs ?? 1) > 1 && pairs.length > 1) {
    const { runPool } = await import("./pool.js");
    return runPool(pairs, opts);
  }
  const runs: RunResult[] = [];
  for (const [index, { cell, seed }] of pairs.entries()) {
    if (interrupted()) return { runs, interrupted: true };
    const bar = progress({
      label: `${opts.task.name} ${cell.name} seed ${seed}`,
      total: opts.config.steps,
      force: opts.progress === true,
      quiet: opts.quiet === true,
    });
    const { result, stopped } = await runOne(cell, seed, opts, (p) => bar.update(p.done, p.status));
    bar.done(
      result.completed
        ? `${opts.task.metricName} ${result.history.at(-1)!.metric.toPrecision(3)}`
        : "interrupted",
      result.steps,
    );
    runs.push(result);
    opts.onRun?.(result, index);
    if (stopped) return { runs, interrupted: true };
  }
  return { runs, interrupted: false };
}

/** One (cell, seed) run: resume from its checkpoint if asked, train, evaluate, checkpoint. */
export async function runOne(
  cell: CellEntry,
  seed: number,
  opts: Omit<ExperimentOptions, "cells" | "seeds">,
  report: (p: RunProgress) => void,
): Promise<{ result: RunResult; stopped: boolean }> {
  const { config, task } = opts;
  const total = config.steps;
  const session = openSession(cell, task, config, seed);
  // the step budget and checkpoint spacing may change between segments: a longer budget
  // continues the same trajectory (the trainer's batch order depends on the seed only)
  const { steps: _steps, checkpointEvery: _every, ...rest } = config;
  const fingerprint = JSON.stringify({
    cell: cell.name,
    source: cell.fingerprint,
    task: task.name,
    seed,
    ...rest,
  });
  const ckFile = opts.checkpointDir
    ? checkpointPath(opts.checkpointDir, task.name, cell.name, seed)
    : undefined;
  let start = 0;
  let history: EvalPoint[] = [];
  let seconds = 0;
  let lossSum = 0;
  let lossCount = 0;
  if (ckFile && opts.resume && existsSync(ckFile)) {
    const ck = loadCheckpoint(ckFile);
    if (ck.metadata["fingerprint"] !== fingerprint) {
      throw new UsageError(
        `${ckFile} was written by a run with a different configuration; delete it or change --checkpoint-dir`,
      );
    }
    // every field is checked against what this configuration writes before anything is loaded
    const at = checkResume(ckFile, ck, session.snapshot(), total);
    session.restore(ck.tensors, ck.metadata);
    ({ step: start, history, seconds, lossSum, lossCount } = at);
  }
  const save = (step: number) => {
    if (!ckFile) return;
    const snap = session.snapshot();
    saveCheckpoint(ckFile, {
      tensors: snap.tensors,
      metadata: {
        ...snap.metadata,
        fingerprint,
        step: String(step),
        history: JSON.stringify(history),
        seconds: String(seconds),
        lossSum: String(lossSum),
        lossCount: String(lossCount),
      },
    });
  };
  const label = `${task.name} ${cell.name} seed ${seed}`;
  let step = start;
  let segmentStart = performance.now();
  let lastYield = segmentStart;
  let stopped = false;
  if (step === 0 && history.length === 0) {
    const e = session.evaluate("val");
    history.push({ step: 0, trainLoss: e.loss, loss: e.loss, metric: e.metric });
  }
  let diverged: number | undefined;
  while (step < total) {
    let loss: number;
    try {
      loss = session.step();
    } catch (e) {
      if (!/diverged|not finite|non-finite/i.test((e as Error).message)) throw e;
      loss = Number.NaN;
    }
    if (!Number.isFinite(loss)) {
      // the last checkpoint (a finite state) is kept; the partial report says where it stopped
      diverged = step + 1;
      stopped = true;
      break;
    }
    step++;
    lossSum += loss;
    lossCount++;
    const evalNow = step % config.evalEvery === 0 || step === total;
    if (evalNow) {
      const e = session.evaluate("val");
      history.push({ step, trainLoss: lossSum / lossCount, loss: e.loss, metric: e.metric });
      lossSum = 0;
      lossCount = 0;
    }
    const last = history.at(-1)!;
    report({
      label,
      done: step,
      total,
      status: `loss ${last.trainLoss.toPrecision(3)} ${task.metricName} ${last.metric.toPrecision(3)}`,
    });
    if (evalNow && (step % config.checkpointEvery === 0 || step === total)) {
      seconds += (performance.now() - segmentStart) / 1000;
      segmentStart = performance.now();
      save(step);
    }
    if (performance.now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    if (
      interrupted() ||
      (opts.stopAfter !== undefined && step - start >= opts.stopAfter && step < total)
    ) {
      stopped = true;
      break;
    }
  }
  seconds += (performance.now() - segmentStart) / 1000;
  if (stopped && diverged === undefined) save(step);
  const completed = step >= total;
  const hit = history.find((p) => reached(task, p.metric, config.threshold));
  const result: RunResult = {
    cell: cell.name,
    seed,
    history,
    steps: step,
    completed,
    stepsToThreshold: hit ? hit.step : null,
    seconds,
    ...(completed ? { test: session.evaluate("test") } : {}),
    params: session.params(),
    ...(diverged !== undefined ? { diverged } : {}),
  };
  return { result, stopped };
}
