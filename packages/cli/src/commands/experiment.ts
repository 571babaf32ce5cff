/**
 * `gated train` and `gated compare`: train cells on a task (one seed or several), print the table
 * of final metrics, and write the HTML report (and the raw results as JSON beside it).
 * Ctrl-C stops after the current step, writes a partial report and exits 130.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import {
  type FlagSpecs,
  getBool,
  getDims,
  getInt,
  getList,
  getNum,
  getStr,
  helpText,
  type Parsed,
  parseArgs,
} from "../args.js";
import { type CellEntry, reportWarnings, resolveCell } from "../cells.js";
import { writeFileAtomic } from "../checkpoint.js";
import { kernelBackend } from "../deps.js";
import { cellSizes, checkDimsUsed, DIM_FLAG } from "../dims.js";
import { EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { checkpointPath, type RunResult, runExperiment } from "../experiment.js";
import { inspectRuns } from "../inspectRun.js";
import { watchInterrupt } from "../interrupt.js";
import { checkOutputDir, checkOutputFiles } from "../outputs.js";
import { reportHtml } from "../report/html.js";
import { taskData } from "../session.js";
import { fmt, summarize, tableRows, textTable } from "../summary.js";
import { type RunConfig, resolveTask, type TaskEntry, taskNames } from "../tasks.js";
import { saveRun } from "./model.js";

const COMMON: FlagSpecs = {
  task: { kind: "string", help: `task: ${taskNames().join(", ")}` },
  steps: { kind: "int", min: 1, max: 1e9, help: "training steps per run (task default)" },
  batch: { kind: "int", min: 1, max: 65_536, help: "batch size (task default)" },
  hidden: { kind: "int", min: 1, max: 4096, help: "hidden size H (task default)" },
  lr: { kind: "number", min: 0, help: "Adam learning rate (task default)" },
  clip: { kind: "number", min: 0, help: "clip gradients to this global norm, 0 = off", default: 1 },
  "seq-len": {
    kind: "int",
    min: 2,
    max: 100_000,
    help: "sequence length T of synthetic tasks (task default)",
  },
  threshold: { kind: "number", help: "metric threshold for 'steps to reach' (task default)" },
  "eval-every": {
    kind: "int",
    min: 1,
    help: "evaluate on the validation set every N steps",
    default: 50,
  },
  "eval-size": {
    kind: "int",
    min: 1,
    max: 1_000_000,
    help: "validation/test examples (synthetic tasks)",
  },
  embed: {
    kind: "int",
    min: 1,
    max: 4096,
    help: "embedding size for character tasks",
    default: 16,
  },
  dtype: {
    kind: "string",
    choices: ["float32", "float64"],
    help: "kernel precision",
    default: "float64",
  },
  data: { kind: "string", help: "data directory (names-language task)" },
  out: {
    kind: "string",
    short: "o",
    help: "HTML report path (default reports/<command>-<task>.html)",
  },
  "checkpoint-dir": {
    kind: "string",
    help: "checkpoint directory",
    default: "reports/checkpoints",
  },
  "checkpoint-every": {
    kind: "int",
    min: 1,
    help: "checkpoint every N steps (rounded to evaluations)",
    default: 100,
  },
  pool: {
    kind: "string",
    choices: ["last", "mean", "max", "attention"],
    help: "pooling over time in place of the task's (attention: additive, A = hidden)",
  },
  dim: DIM_FLAG,
  strict: { kind: "boolean", help: "a warning about a cell's equations is an error" },
  checkpoint: {
    kind: "string",
    help: "checkpointed BPTT: keep the state every K steps and recompute the rest in backward (K or auto = √T); less memory for long sequences",
  },
  "no-checkpoint": { kind: "boolean", help: "write no checkpoints" },
  resume: {
    kind: "boolean",
    help: "continue from checkpoints of an earlier run with the same flags",
  },
  progress: { kind: "boolean", help: "draw progress bars even when stderr is not a terminal" },
  quiet: { kind: "boolean", help: "no progress output" },
};

export const TRAIN_FLAGS: FlagSpecs = {
  cell: { kind: "string", help: "catalogue name or equation-syntax cell file" },
  seed: { kind: "int", min: 0, help: "seed", default: 0 },
  save: {
    kind: "string",
    help: "write the trained model to this .safetensors file (for gated predict / export-model)",
  },
  ...COMMON,
};

export const COMPARE_FLAGS: FlagSpecs = {
  cells: { kind: "list", help: "cells to compare (catalogue names or files)" },
  seeds: { kind: "int", min: 1, help: "seeds per cell (0..N-1)", default: 3 },
  jobs: {
    kind: "int",
    min: 1,
    help: "worker threads running (cell, seed) runs in parallel",
    default: Math.min(2, availableParallelism()),
  },
  ...COMMON,
};

function config(p: Parsed, specs: FlagSpecs, task: TaskEntry): RunConfig {
  const pick = (name: string, fallback: number | undefined): number => {
    const v = p.flags[name];
    if (typeof v === "number") return v;
    if (fallback !== undefined) return fallback;
    return getNum(p, specs, name);
  };
  const d = task.defaults;
  const steps = pick("steps", d.steps);
  const evalEvery = Math.min(steps, pick("eval-every", d.evalEvery));
  const data = getStr(p, "data");
  const dims = getDims(p, "train");
  return {
    steps,
    batch: pick("batch", d.batch),
    hidden: pick("hidden", d.hidden),
    lr: pick("lr", d.lr),
    clip: pick("clip", d.clip),
    seqLen: pick("seq-len", d.seqLen ?? 100),
    threshold: pick("threshold", d.threshold),
    evalEvery,
    checkpointEvery: Math.max(
      evalEvery,
      Math.ceil(pick("checkpoint-every", undefined) / evalEvery) * evalEvery,
    ),
    evalSize: pick("eval-size", d.evalSize ?? 512),
    embed: pick("embed", d.embed),
    dtype: (getStr(p, "dtype", specs) ?? "float64") as RunConfig["dtype"],
    ...(data !== undefined ? { data } : {}),
    ...(Object.keys(dims).length > 0 ? { dims } : {}),
    ...poolFlag(p, pick("hidden", d.hidden)),
    ...bpttCheckpoint(getStr(p, "checkpoint")),
  };
}

/** `--checkpoint K|auto` (checkpointed BPTT), checked before any work. */
function bpttCheckpoint(v: string | undefined): { checkpoint?: number | "auto" } {
  if (v === undefined) return {};
  if (v === "auto") return { checkpoint: "auto" };
  const k = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(k) || k < 1)
    throw new UsageError(
      `--checkpoint: expected a positive integer K or "auto", got ${JSON.stringify(v)}`,
    );
  return { checkpoint: k };
}

/** `--pool`: attention is additive with A = the hidden size. */
function poolFlag(p: Parsed, hidden: number): Pick<RunConfig, "pool"> {
  const v = getStr(p, "pool");
  if (v === undefined) return {};
  return { pool: v === "attention" ? { attention: hidden } : (v as "last" | "mean" | "max") };
}

/** Values kept per step for BPTT: T·B·H past this would exhaust memory (about 1 GiB per 2^24). */
export const MAX_ACTIVATIONS = 2 ** 24;

function checkSizes(command: string, c: RunConfig): void {
  const n = c.seqLen * c.batch * c.hidden;
  if (n > MAX_ACTIVATIONS)
    throw new UsageError(
      `gated ${command}: --seq-len ${c.seqLen} × --batch ${c.batch} × --hidden ${c.hidden} = ${n} values per state, more than the limit ${MAX_ACTIVATIONS}; lower one of them`,
    );
}

export interface ExperimentArgs {
  readonly command: "train" | "compare";
  readonly cells: readonly CellEntry[];
  readonly task: TaskEntry;
  readonly seeds: readonly number[];
  readonly config: RunConfig;
  readonly out: string;
  readonly checkpointDir?: string;
  readonly resume: boolean;
  readonly progress: boolean;
  readonly quiet: boolean;
  readonly commandLine: string;
  readonly stopAfter?: number;
  readonly jobs: number;
  /** `gated train --save FILE`: where the trained model goes. */
  readonly save?: string;
}

/** Parses `gated train|compare` flags into a fully resolved experiment (UsageError on bad input). */
export function experimentArgs(
  command: "train" | "compare",
  argv: readonly string[],
): ExperimentArgs | "help" {
  const specs = command === "train" ? TRAIN_FLAGS : COMPARE_FLAGS;
  const p = parseArgs(command, argv, specs);
  if (p.flags["help"]) return "help";
  if (p.positional.length)
    throw new UsageError(`gated ${command}: unexpected argument "${p.positional[0]}"`);
  const cellSpecs =
    command === "train"
      ? getStr(p, "cell") !== undefined
        ? [getStr(p, "cell")!]
        : undefined
      : getList(p, "cells");
  if (
    command === "train" &&
    getStr(p, "save") !== undefined &&
    !/\.safetensors$/i.test(getStr(p, "save")!)
  )
    throw new UsageError(
      `gated train: --save must end in .safetensors, got "${getStr(p, "save")}"`,
    );
  if (!cellSpecs)
    throw new UsageError(
      `gated ${command}: ${command === "train" ? "--cell" : "--cells"} is required`,
    );
  const taskName = getStr(p, "task");
  if (taskName === undefined)
    throw new UsageError(`gated ${command}: --task is required (tasks: ${taskNames().join(", ")})`);
  const task = resolveTask(taskName);
  const cells = cellSpecs.map(resolveCell);
  reportWarnings(command, cells, getBool(p, "strict"));
  const dup = cells.find((c, i) => cells.findIndex((d) => d.name === c.name) !== i);
  if (dup) throw new UsageError(`gated ${command}: cell "${dup.name}" is listed twice`);
  const cfg = config(p, specs, task);
  if (cfg.pool !== undefined && taskData(task, cfg).pool === "none")
    throw new UsageError(
      `gated ${command}: --pool does not apply to ${task.name} (its targets are per step)`,
    );
  checkSizes(command, cfg);
  checkDimsUsed(
    command,
    cells.map((c) => c.cell),
    cfg.dims ?? {},
  );
  for (const c of cells) cellSizes(command, c.cell, cfg.dims ?? {}, cfg.hidden);
  const seeds =
    command === "train"
      ? [getInt(p, specs, "seed")]
      : Array.from({ length: getInt(p, specs, "seeds") }, (_, i) => i);
  const noCk = getBool(p, "no-checkpoint");
  if (noCk && getBool(p, "resume"))
    throw new UsageError(`gated ${command}: --resume needs checkpoints; drop --no-checkpoint`);
  const out = getStr(p, "out") ?? `reports/${command}-${task.name}.html`;
  const ckDir = noCk ? undefined : getStr(p, "checkpoint-dir", specs)!;
  if (ckDir !== undefined) checkOutputDir(command, "--checkpoint-dir", ckDir);
  checkOutputFiles(
    command,
    [
      { flag: "-o", path: out },
      { flag: "-o (its results JSON)", path: `${out.replace(/\.html?$/i, "")}.json` },
    ],
    [
      ...cells
        .filter((c) => c.origin === c.spec)
        .map((c) => ({ what: `the cell file of ${c.name}`, path: c.spec })),
      ...(ckDir === undefined
        ? []
        : cells.flatMap((c) =>
            seeds.map((seed) => ({
              what: `the checkpoint of ${c.name} seed ${seed}`,
              path: checkpointPath(ckDir, task.name, c.name, seed),
            })),
          )),
    ],
  );
  return {
    command,
    cells,
    task,
    seeds,
    config: cfg,
    out,
    ...(ckDir === undefined ? {} : { checkpointDir: ckDir }),
    resume: getBool(p, "resume"),
    progress: getBool(p, "progress"),
    quiet: getBool(p, "quiet"),
    jobs: command === "compare" ? getInt(p, specs, "jobs") : 1,
    ...(getStr(p, "save") !== undefined ? { save: getStr(p, "save")! } : {}),
    commandLine: `gated ${command} ${argv.join(" ")}`.trim(),
  };
}

export interface ExperimentOutcome {
  readonly runs: readonly RunResult[];
  readonly interrupted: boolean;
  readonly table: string;
  readonly report: string;
  readonly json: string;
  readonly wallSeconds: number;
}

/** Runs a resolved experiment, writes the report and results JSON, prints the table. */
export async function runAndReport(
  a: ExperimentArgs,
  log: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
): Promise<ExperimentOutcome> {
  const t0 = performance.now();
  const unwatch = watchInterrupt();
  let res;
  try {
    res = await runExperiment({
      cells: a.cells,
      task: a.task,
      seeds: a.seeds,
      config: a.config,
      ...(a.checkpointDir !== undefined ? { checkpointDir: a.checkpointDir } : {}),
      resume: a.resume,
      progress: a.progress,
      quiet: a.quiet,
      jobs: a.jobs,
      ...(a.stopAfter !== undefined ? { stopAfter: a.stopAfter } : {}),
    });
  } finally {
    unwatch();
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const summaries = summarize(
    a.cells.map((c) => c.name),
    res.runs,
  );
  const table = textTable(tableRows(a.task, a.config.threshold, summaries));
  const b = taskData(a.task, a.config).baseline;
  const baseline = b
    ? `${b.what} (loss ${fmt(b.loss)}${b.accuracy !== undefined ? `, accuracy ${fmt(b.accuracy)}` : ""})`
    : undefined;
  const inspections = inspectRuns(a.cells, a.task, a.config, res.runs);
  const html = reportHtml({
    title: `gated ${a.command}: ${a.task.name}`,
    task: a.task,
    config: a.config,
    seeds: a.seeds,
    cells: a.cells,
    runs: res.runs,
    summaries,
    partial: res.interrupted,
    wallSeconds,
    command: a.commandLine,
    backend: kernelBackend(),
    inspections,
    ...(baseline ? { baseline } : {}),
    ...(b && (a.task.loss === "mse" || b.accuracy !== undefined)
      ? { baselineMetric: a.task.loss === "mse" ? b.loss : b.accuracy! }
      : {}),
  });
  mkdirSync(dirname(a.out) || ".", { recursive: true });
  writeFileAtomic(a.out, html);
  const json = a.out.replace(/\.html?$/i, "") + ".json";
  writeFileSync(
    json,
    JSON.stringify(
      {
        task: a.task.name,
        config: a.config,
        seeds: a.seeds,
        interrupted: res.interrupted,
        wallSeconds,
        summaries,
        runs: res.runs.map(({ params: _p, ...r }) => r),
        inspections,
      },
      null,
      1,
    ),
  );
  log(
    `\n${a.task.name} (${a.task.description})${res.interrupted ? " — PARTIAL, interrupted" : ""}`,
  );
  log(table);
  if (baseline) log(`baseline: ${baseline}`);
  log(`\nwall time ${wallSeconds.toFixed(1)} s; report: ${a.out} (results: ${json})`);
  return { runs: res.runs, interrupted: res.interrupted, table, report: a.out, json, wallSeconds };
}

export async function experimentCommand(
  command: "train" | "compare",
  argv: readonly string[],
): Promise<number> {
  const a = experimentArgs(command, argv);
  if (a === "help") {
    const usage =
      command === "train"
        ? "gated train --cell CELL --task TASK [flags]"
        : "gated compare --cells A,B,C --task TASK [--seeds N] [flags]";
    const summary =
      command === "train"
        ? "Trains one cell on a task, prints its final metrics and writes an HTML report with learning curves."
        : "Trains each cell on the task for N seeds, prints mean ± std of the final metrics, steps to reach\nthe threshold and time, and writes an HTML report with learning curves and the cells' equations.";
    const defaults = taskNames().map((n) => {
      const d = resolveTask(n).defaults;
      const parts = Object.entries(d).map(([k, v]) => `${k} ${v}`);
      return `  ${n.padEnd(15)} ${parts.join(", ")}`;
    });
    process.stdout.write(
      `${helpText(usage, summary, command === "train" ? TRAIN_FLAGS : COMPARE_FLAGS)}\ntask defaults:\n${defaults.join("\n")}\n`,
    );
    return 0;
  }
  const out = await runAndReport(a);
  const bad = out.runs.find((r) => r.diverged !== undefined);
  if (bad) {
    process.stderr.write(
      `gated ${command}: ${bad.cell} seed ${bad.seed}: the loss became non-finite at step ${bad.diverged} (lower --lr or set --clip); partial report: ${out.report}${a.checkpointDir !== undefined ? `, checkpoints: ${a.checkpointDir}` : ""}\n`,
    );
    return 1;
  }
  const run = out.runs[0];
  if (a.save !== undefined && run?.completed) {
    const bytes = saveRun(a.save, a.cells[0]!, a.task, a.config, run);
    process.stdout.write(`model: ${a.save} (${bytes} bytes)\n`);
  } else if (a.save !== undefined)
    process.stderr.write(`gated train: interrupted, no model written to ${a.save}\n`);
  return out.interrupted ? EXIT_INTERRUPTED : 0;
}
