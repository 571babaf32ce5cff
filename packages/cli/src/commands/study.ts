/**
 * `gated study greff|jozefowicz`: reproduces a classic comparison of gated variants — a random
 * hyperparameter search per variant, more seeds for the best setting, Welch's t-test against the
 * reference variant, the paper's findings checked — and writes an HTML report plus a JSON of
 * every run. Killed or Ctrl-C'd, the same command continues where it stopped.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import { type FlagSpecs, getBool, getInt, getList, getStr, helpText, parseArgs } from "../args.js";
import { resolveCell } from "../cells.js";
import { writeFileAtomic } from "../checkpoint.js";
import { kernelBackend } from "../deps.js";
import { EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { watchInterrupt } from "../interrupt.js";
import { BUDGETS, type Budget, PLANS, type StudyPlan } from "../study/plans.js";
import { studyReportHtml } from "../study/report.js";
import { runStudy, type StudyResult } from "../study/run.js";
import { sample } from "../study/stats.js";
import { textTable } from "../summary.js";

export const STUDY_FLAGS: FlagSpecs = {
  budget: {
    kind: "string",
    choices: ["quick", "full"],
    help: "quick (about 15 min on 2 cores) or full (hours)",
    default: "quick",
  },
  data: {
    kind: "string",
    help: "names data directory (<Language>.txt files): names → language instead of names → gender",
  },
  dir: { kind: "string", help: "where runs and checkpoints are kept (default reports/study-NAME)" },
  out: { kind: "string", short: "o", help: "HTML report path (default reports/study-NAME.html)" },
  dtype: {
    kind: "string",
    choices: ["float32", "float64"],
    help: "kernel precision",
    default: "float32",
  },
  variants: {
    kind: "list",
    help: "only these variants (labels, e.g. V,NFG); the reference is required",
  },
  tasks: { kind: "list", help: "only these tasks (adding, copy, names-gender, names-language)" },
  trials: { kind: "int", min: 1, help: "hyperparameter trials per task (budget default)" },
  seeds: { kind: "int", min: 2, help: "seeds for each variant's best trial (budget default)" },
  steps: { kind: "int", min: 1, help: "training steps of every run (budget default per task)" },
  jobs: {
    kind: "int",
    min: 1,
    help: "worker threads running the runs of a stage in parallel",
    default: Math.min(2, availableParallelism()),
  },
  fresh: { kind: "boolean", help: "delete an earlier study in --dir and start over" },
  progress: { kind: "boolean", help: "draw a progress bar even when stderr is not a terminal" },
  quiet: { kind: "boolean", help: "no progress output" },
};

export interface StudyArgs {
  readonly plan: StudyPlan;
  readonly budget: Budget;
  readonly dir: string;
  readonly out: string;
  readonly data?: string;
  readonly dtype: "float32" | "float64";
  readonly variants?: readonly string[];
  readonly tasks?: readonly string[];
  readonly fresh: boolean;
  readonly jobs: number;
  readonly progress: boolean;
  readonly quiet: boolean;
  readonly commandLine: string;
}

/** Parses `gated study …` (UsageError on bad input). */
export function studyArgs(argv: readonly string[]): StudyArgs | "help" {
  const p = parseArgs("study", argv, STUDY_FLAGS);
  if (p.flags["help"]) return "help";
  const [name, ...extra] = p.positional;
  if (name === undefined)
    throw new UsageError(`gated study: name a study (${Object.keys(PLANS).join(", ")})`);
  if (extra.length) throw new UsageError(`gated study: unexpected argument "${extra[0]}"`);
  if (!Object.hasOwn(PLANS, name))
    throw new UsageError(
      `gated study: unknown study "${name}" (studies: ${Object.keys(PLANS).join(", ")})`,
    );
  const plan = PLANS[name as StudyPlan["name"]];
  const base = BUDGETS[(getStr(p, "budget", STUDY_FLAGS) ?? "quick") as Budget["name"]];
  const steps = p.flags["steps"] !== undefined ? getInt(p, STUDY_FLAGS, "steps") : undefined;
  const budget: Budget = {
    ...base,
    ...(p.flags["trials"] !== undefined ? { trials: getInt(p, STUDY_FLAGS, "trials") } : {}),
    ...(p.flags["seeds"] !== undefined ? { seeds: getInt(p, STUDY_FLAGS, "seeds") } : {}),
    ...(steps !== undefined
      ? { steps: Object.fromEntries(Object.keys(base.steps).map((k) => [k, steps])) }
      : {}),
  };
  const variants = getList(p, "variants");
  const labels = plan.variants.map((v) => v.label);
  for (const v of variants ?? [])
    if (!labels.includes(v))
      throw new UsageError(
        `gated study ${name}: unknown variant "${v}" (variants: ${labels.join(", ")})`,
      );
  if (variants && !variants.includes(plan.reference))
    throw new UsageError(
      `gated study ${name}: --variants must include the reference ${plan.reference}`,
    );
  const data = getStr(p, "data");
  const taskNames = plan.tasks(data).map((t) => t.name);
  const tasks = getList(p, "tasks");
  for (const t of tasks ?? [])
    if (!taskNames.includes(t))
      throw new UsageError(
        `gated study ${name}: unknown task "${t}" (tasks: ${taskNames.join(", ")})`,
      );
  return {
    plan,
    budget,
    dir: getStr(p, "dir") ?? `reports/study-${name}`,
    out: getStr(p, "out") ?? `reports/study-${name}.html`,
    ...(data !== undefined ? { data } : {}),
    dtype: (getStr(p, "dtype", STUDY_FLAGS) ?? "float32") as StudyArgs["dtype"],
    ...(variants ? { variants } : {}),
    ...(tasks ? { tasks } : {}),
    fresh: getBool(p, "fresh"),
    jobs: getInt(p, STUDY_FLAGS, "jobs"),
    progress: getBool(p, "progress"),
    quiet: getBool(p, "quiet"),
    commandLine: `gated study ${argv.join(" ")}`.trim(),
  };
}

/** The summary table printed at the end: per task, variants by rank. */
export function studyTable(r: StudyResult): string {
  const out: string[] = [];
  for (const s of r.tasks) {
    const order = r.variants
      .map((v) => v.label)
      .sort((a, b) => s.outcome.rank[a]! - s.outcome.rank[b]!);
    const rows = [["rank", "variant", `${s.scoreName} mean ± std`, "p (Holm) vs " + r.reference]];
    for (const v of order) {
      const sc = sample(s.outcome.scores[v]!);
      const p = s.outcome.adjustedP[v]!;
      rows.push([
        String(s.outcome.rank[v]),
        v,
        `${sc.mean.toPrecision(4)} ± ${sc.std.toPrecision(2)}`,
        v === r.reference ? "reference" : Number.isNaN(p) ? "n/a" : p.toPrecision(2),
      ]);
    }
    out.push(`${s.task}\n${textTable(rows)}`);
  }
  for (const f of r.findings) {
    out.push(`finding: ${f.claim}`);
    for (const t of f.perTask) out.push(`  ${t.task}: ${t.verdict} (${t.why})`);
  }
  return out.join("\n");
}

export async function studyCommand(argv: readonly string[]): Promise<number> {
  const a = studyArgs(argv);
  if (a === "help") {
    process.stdout.write(
      helpText(
        "gated study greff|jozefowicz [--budget quick|full] [--data DIR] [flags]",
        "Reproduces Greff et al. 2015 (vanilla LSTM with peepholes and eight variants) or Jozefowicz\net al. 2015 (LSTM with forget bias 0 and 1, GRU, MUT1-3) on the adding problem (T = 100), copy\nmemory (T = 50) and names (→ language with --data, else → gender): a random hyperparameter search\nper variant, more seeds for the best setting, Welch's t-test against the reference, and the\npaper's findings checked. Resumable: run the same command again after a kill or Ctrl-C.",
        STUDY_FLAGS,
      ),
    );
    return 0;
  }
  const t0 = performance.now();
  if (!a.quiet)
    process.stderr.write(
      `gated study ${a.plan.name}, budget ${a.budget.name}: ${a.budget.trials} trials and ${a.budget.seeds} seeds per variant and task; expect ${a.budget.estimate}\n`,
    );
  const unwatch = watchInterrupt();
  let result: StudyResult;
  try {
    result = await runStudy({
      plan: a.plan,
      budget: a.budget,
      dir: a.dir,
      dtype: a.dtype,
      fresh: a.fresh,
      jobs: a.jobs,
      progress: a.progress,
      quiet: a.quiet,
      ...(a.data !== undefined ? { data: a.data } : {}),
      ...(a.variants ? { variants: a.variants } : {}),
      ...(a.tasks ? { tasks: a.tasks } : {}),
    });
  } finally {
    unwatch();
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const cells = result.variants.map((v) => ({ ...resolveCell(v.spec), name: v.label }));
  mkdirSync(dirname(a.out) || ".", { recursive: true });
  writeFileAtomic(
    a.out,
    studyReportHtml({
      plan: a.plan,
      result,
      cells,
      command: a.commandLine,
      wallSeconds,
      backend: kernelBackend(),
    }),
  );
  const json = a.out.replace(/\.html?$/i, "") + ".json";
  writeFileSync(json, JSON.stringify({ ...result, wallSeconds }, null, 1));
  process.stdout.write(
    `${studyTable(result)}\n\nwall time ${wallSeconds.toFixed(1)} s; report: ${a.out} (runs: ${json})\n`,
  );
  return result.complete ? 0 : EXIT_INTERRUPTED;
}
