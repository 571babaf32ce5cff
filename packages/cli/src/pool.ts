/**
 * Runs of an experiment spread over worker threads (`--jobs N`): each worker is this same
 * bundle started with `workerData.gatedWorker`, takes (cell, seed) runs one at a time, and posts
 * throttled progress and its results back. Ctrl-C reaches the workers through a shared flag, so
 * each stops after its current step and checkpoints, as in a single-threaded run.
 */

import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { type CellEntry, resolveCell } from "./cells.js";
import { oversubscription } from "./cores.js";
import { UsageError } from "./errors.js";
import {
  type ExperimentOptions,
  type ExperimentResult,
  type RunResult,
  runOne,
} from "./experiment.js";
import { interrupted, shareInterrupt } from "./interrupt.js";
import { progress, runLine } from "./progress.js";
import { type RunConfig, resolveTask, type TaskEntry } from "./tasks.js";

interface WorkerInit {
  readonly gatedWorker: true;
  readonly flag: SharedArrayBuffer;
  readonly task: string;
  readonly config: RunConfig;
  readonly checkpointDir?: string;
  readonly resume?: boolean;
  readonly stopAfter?: number;
}

type ToWorker =
  | {
      readonly type: "run";
      readonly index: number;
      readonly spec: string;
      readonly seed: number;
      /** A run of its own task and configuration (a study), instead of the pool's. */
      readonly job?: PoolJob;
    }
  | { readonly type: "exit" };
type FromWorker =
  | {
      readonly type: "progress";
      readonly index: number;
      readonly done: number;
      readonly status: string;
    }
  | {
      readonly type: "result";
      readonly index: number;
      readonly result: RunResult;
      readonly stopped: boolean;
    }
  | { readonly type: "error"; readonly message: string; readonly usage: boolean };

/** What a pool run may set for itself (by name, so it crosses to a worker as plain data). */
interface PoolJob {
  readonly task: string;
  readonly config: RunConfig;
  readonly checkpointDir?: string;
  /** The name the run goes by (tables, checkpoint files), when not the spec. */
  readonly name?: string;
}

/** A pair of the pool; a study gives each its own task, configuration and checkpoint folder. */
export interface PoolPair {
  readonly cell: CellEntry;
  readonly seed: number;
  readonly task?: TaskEntry;
  readonly config?: RunConfig;
  readonly checkpointDir?: string;
}

/** Whether this thread is a pool worker (main.ts then serves instead of parsing argv). */
export function isPoolWorker(): boolean {
  return !isMainThread && (workerData as Partial<WorkerInit> | null)?.gatedWorker === true;
}

/** The worker side: serve runs until told to exit. */
export function serveWorker(): void {
  const init = workerData as WorkerInit;
  shareInterrupt(init.flag);
  const task = resolveTask(init.task);
  const port = parentPort!;
  const post = (m: FromWorker) => port.postMessage(m);
  port.on("message", (m: ToWorker) => {
    if (m.type === "exit") {
      port.close();
      return;
    }
    let last = 0;
    const job = m.job;
    const checkpointDir = job ? job.checkpointDir : init.checkpointDir;
    Promise.resolve()
      .then(() =>
        runOne(
          { ...resolveCell(m.spec), ...(job?.name !== undefined ? { name: job.name } : {}) },
          m.seed,
          {
            task: job ? resolveTask(job.task) : task,
            config: job ? job.config : init.config,
            ...(checkpointDir !== undefined ? { checkpointDir } : {}),
            ...(init.resume ? { resume: true } : {}),
            ...(init.stopAfter !== undefined ? { stopAfter: init.stopAfter } : {}),
          },
          (p) => {
            const now = Date.now();
            if (now - last < 250 && p.done < p.total) return;
            last = now;
            post({ type: "progress", index: m.index, done: p.done, status: p.status });
          },
        ),
      )
      .then(
        ({ result, stopped }) => post({ type: "result", index: m.index, result, stopped }),
        (e: unknown) =>
          post({
            type: "error",
            message: e instanceof Error ? e.message : String(e),
            usage: e instanceof UsageError,
          }),
      );
  });
}

/** The main side: `jobs` workers over the (cell, seed) pairs; results in the pairs' order. */
export function runPool(
  pairs: readonly PoolPair[],
  opts: ExperimentOptions & { readonly label?: string },
): Promise<ExperimentResult> {
  const jobs = Math.min(opts.jobs ?? 1, pairs.length);
  // the runs' kernels use one thread each (compileCell's default)
  const warning = oversubscription(jobs, 1);
  if (warning !== undefined) process.stderr.write(`${warning}\n`);
  const flag = new SharedArrayBuffer(4);
  const unshare = shareInterrupt(flag);
  const totalOf = (i: number) => (pairs[i]!.config ?? opts.config).steps;
  const bar = progress({
    label: opts.label ?? `${opts.task.name} (${jobs} workers)`,
    total: pairs.reduce((a, _, i) => a + totalOf(i), 0),
    force: opts.progress === true,
    quiet: opts.quiet === true,
  });
  const done = new Array<number>(pairs.length).fill(0);
  // steps a run had done before this invocation (its checkpoint): not part of the rate
  const before = new Array<number | undefined>(pairs.length);
  const fresh = () => done.reduce((a, d, i) => a + d - (before[i] ?? d), 0);
  const results: (RunResult | undefined)[] = new Array(pairs.length);
  const active = new Map<number, string>();
  let next = 0;
  let stoppedAny = false;
  const init: WorkerInit = {
    gatedWorker: true,
    flag,
    task: opts.task.name,
    config: opts.config,
    ...(opts.checkpointDir !== undefined ? { checkpointDir: opts.checkpointDir } : {}),
    ...(opts.resume ? { resume: true } : {}),
    ...(opts.stopAfter !== undefined ? { stopAfter: opts.stopAfter } : {}),
  };
  const status = () =>
    [...active].map(([i, s]) => `${pairs[i]!.cell.name}/${pairs[i]!.seed} ${s}`).join(" | ");
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      for (const w of workers) void w.terminate();
      unshare();
      if (err) return reject(err);
      const runs = results.filter((r): r is RunResult => r !== undefined);
      bar.done(
        stoppedAny ? "interrupted" : `${runs.length} runs`,
        done.reduce((a, b) => a + b, 0),
        fresh(),
      );
      resolve({ runs, interrupted: stoppedAny || runs.length < pairs.length });
    };
    let live = jobs;
    const feed = (w: Worker) => {
      if (next >= pairs.length || interrupted() || stoppedAny) {
        w.postMessage({ type: "exit" } satisfies ToWorker);
        if (--live === 0) finish();
        return;
      }
      const index = next++;
      const pair = pairs[index]!;
      active.set(index, "starting");
      w.postMessage({
        type: "run",
        index,
        spec: pair.cell.spec,
        seed: pair.seed,
        ...(pair.task || pair.config
          ? {
              job: {
                task: (pair.task ?? opts.task).name,
                config: pair.config ?? opts.config,
                ...(pair.checkpointDir !== undefined ? { checkpointDir: pair.checkpointDir } : {}),
                ...(pair.cell.name !== pair.cell.spec ? { name: pair.cell.name } : {}),
              },
            }
          : {}),
      } satisfies ToWorker);
    };
    for (let j = 0; j < jobs; j++) {
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: init });
      workers.push(w);
      w.on("message", (m: FromWorker) => {
        if (m.type === "progress") {
          done[m.index] = m.done;
          // a run's first report comes after its first step of this invocation
          before[m.index] ??= m.done - 1;
          active.set(m.index, `${Math.round((100 * m.done) / totalOf(m.index))}%`);
          bar.update(
            done.reduce((a, b) => a + b, 0),
            status(),
            fresh(),
          );
        } else if (m.type === "result") {
          results[m.index] = m.result;
          done[m.index] = m.result.steps;
          before[m.index] ??= m.result.steps;
          active.delete(m.index);
          bar.note(runLine(pairs[m.index]!.task ?? opts.task, m.result));
          opts.onRun?.(m.result, m.index);
          if (m.stopped) stoppedAny = true;
          feed(w);
        } else {
          finish(m.usage ? new UsageError(m.message) : new Error(m.message));
        }
      });
      w.on("error", (e) => finish(e));
      feed(w);
    }
  });
}
