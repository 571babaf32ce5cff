/**
 * Per-cell summaries of an experiment (mean ± std over seeds of the final metrics, steps to
 * reach the threshold, wall time) and their plain-text table for the terminal.
 */
import type { RunResult } from "./experiment.js";
import type { TaskEntry } from "./tasks.js";

export interface CellSummary {
  readonly cell: string;
  readonly seeds: number;
  readonly completed: number;
  readonly metric: Stat;
  readonly loss: Stat;
  readonly test?: Stat;
  /** Seeds that reached the threshold, and the mean steps they took. */
  readonly solved: number;
  readonly stepsToThreshold: number | null;
  readonly seconds: Stat;
  readonly steps: number;
}

export interface Stat {
  readonly mean: number;
  readonly std: number;
}

export function stat(xs: readonly number[]): Stat {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

export function summarize(cells: readonly string[], runs: readonly RunResult[]): CellSummary[] {
  return cells.flatMap((cell) => {
    const rs = runs.filter((r) => r.cell === cell);
    if (rs.length === 0) return [];
    const hits = rs.filter((r) => r.stepsToThreshold !== null);
    const tests = rs.flatMap((r) => (r.test ? [r.test.metric] : []));
    return [
      {
        cell,
        seeds: rs.length,
        completed: rs.filter((r) => r.completed).length,
        metric: stat(rs.map((r) => r.history.at(-1)!.metric)),
        loss: stat(rs.map((r) => r.history.at(-1)!.loss)),
        ...(tests.length ? { test: stat(tests) } : {}),
        solved: hits.length,
        stepsToThreshold: hits.length
          ? Math.round(hits.reduce((a, r) => a + r.stepsToThreshold!, 0) / hits.length)
          : null,
        seconds: stat(rs.map((r) => r.seconds)),
        steps: Math.max(...rs.map((r) => r.steps)),
      },
    ];
  });
}

export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return "–";
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  return v
    .toPrecision(digits)
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
}

/**
 * A number with a fixed count of significant digits (trailing zeros kept, so a column's
 * numbers line up): `0.5000`, `12.35`, `3.921e-4` below 10⁻³ or from 10⁵ on.
 */
export function sig(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return "–";
  if (v === 0) return (0).toFixed(Math.max(0, digits - 1));
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(digits - 1).replace("e+", "e");
  // past `digits` integer digits toPrecision would switch to exponent form: print the integer
  return a >= 10 ** digits ? String(Math.round(v)) : v.toPrecision(digits);
}

/** mean ± std with fixed significant digits (4 for the mean, 2 for the spread). */
export function pm(s: Stat, digits = 4): string {
  return s.std > 0 ? `${sig(s.mean, digits)} ± ${sig(s.std, 2)}` : sig(s.mean, digits);
}

/** The table's rows as strings (header first), shared by the terminal and the HTML report. */
export function tableRows(
  task: TaskEntry,
  threshold: number,
  sums: readonly CellSummary[],
): string[][] {
  const dir = task.higherIsBetter ? "≥" : "≤";
  const header = [
    "cell",
    `val ${task.metricName}`,
    `test ${task.metricName}`,
    // for an MSE task the metric is the loss: no second column of the same numbers
    ...(task.loss === "mse" ? [] : ["val loss"]),
    `steps to ${task.metricName} ${dir} ${threshold}`,
    "time / seed (s)",
    "steps",
  ];
  const rows = sums.map((s) => [
    s.cell,
    pm(s.metric),
    s.test ? pm(s.test) : "–",
    ...(task.loss === "mse" ? [] : [pm(s.loss)]),
    s.stepsToThreshold === null
      ? `never (0/${s.seeds})`
      : `${s.stepsToThreshold} (${s.solved}/${s.seeds})`,
    pm(s.seconds, 3),
    s.completed === s.seeds ? String(s.steps) : `${s.steps} (partial)`,
  ]);
  return [header, ...rows];
}

export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => [...r[j]!].length)));
  const line = (r: readonly string[]) =>
    r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ");
  return [
    line(rows[0]!),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.slice(1).map(line),
  ].join("\n");
}
