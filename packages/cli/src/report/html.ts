/**
 * The HTML report of a training experiment: the table of final metrics, learning curves as
 * SVG, and each cell's equations and derived gradient equations rendered with KaTeX. One
 * self-contained file; a partial report (Ctrl-C) says so at the top.
 */
import type { CellEntry } from "../cells.js";
import { cellGradientLatex, cellLatex } from "../deps.js";
import type { RunResult } from "../experiment.js";
import type { Inspection } from "../inspect.js";
import type { CellSummary } from "../summary.js";
import { tableRows } from "../summary.js";
import type { RunConfig, TaskEntry } from "../tasks.js";
import { insideHtml } from "./inside.js";
import { katexCss, renderTex } from "./katex.js";
import { esc, plotSvg } from "./svg.js";

export interface ReportInput {
  readonly title: string;
  readonly task: TaskEntry;
  readonly config: RunConfig;
  readonly seeds: readonly number[];
  readonly cells: readonly CellEntry[];
  readonly runs: readonly RunResult[];
  readonly summaries: readonly CellSummary[];
  readonly partial: boolean;
  readonly wallSeconds: number;
  readonly command: string;
  readonly backend: string;
  /** What a trivial predictor scores, in words. */
  readonly baseline?: string;
  /** …and on the metric's scale, for the plot. */
  readonly baselineMetric?: number;
  /** A look inside trained cells (gate statistics, state heat maps, attention, confusion). */
  readonly inspections?: readonly Inspection[];
}

/** The y-axis label of a task's metric, with its unit. */
export function metricLabel(task: TaskEntry): string {
  return task.loss === "mse"
    ? "validation MSE (mean squared error)"
    : `validation ${task.metricName} (fraction correct)`;
}

function tex(f: () => string): string {
  try {
    return renderTex(f());
  } catch (e) {
    return `<p class="note">equations unavailable: ${esc((e as Error).message.split("\n")[0]!)}</p>`;
  }
}

/** The report's stylesheet (also the `gated inspect` page's). */
export const REPORT_STYLE = `<style>
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { font-weight: 600; vertical-align: bottom; }
td { white-space: nowrap; }
.table-wrap { max-width: 100%; overflow-x: auto; }
svg.plot { display: block; max-width: 100%; height: auto; margin: .6em 0; }
.attn-row { margin: .3em 0; }
.attn { font-family: ui-monospace, monospace; white-space: nowrap; }
.tok { display: inline-block; min-width: 1.1em; text-align: center; padding: 2px 1px; }
.tok.top { outline: 1px solid #222; }
th:first-child, td:first-child { text-align: left; }
.partial { background: #fff3cd; border: 1px solid #e0c36a; padding: .6em 1em; }
.note, small { color: #666; font-weight: normal; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; }
.katex-display { overflow-x: auto; overflow-y: hidden; }
</style>`;

export function reportHtml(r: ReportInput): string {
  const rows = tableRows(r.task, r.config.threshold, r.summaries);
  const table = `<div class="table-wrap"><table class="results"><thead><tr>${rows[0]!.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .slice(1)
    .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table></div>`;
  const series = r.cells
    .map((c) => ({
      label: c.name,
      runs: r.runs
        .filter((x) => x.cell === c.name)
        .map((x) => x.history.map((p) => [p.step, p.metric] as const)),
    }))
    .filter((s) => s.runs.length > 0);
  const lossSeries = r.cells
    .map((c) => ({
      label: c.name,
      runs: r.runs
        .filter((x) => x.cell === c.name)
        .map((x) => x.history.map((p) => [p.step, p.loss] as const)),
    }))
    .filter((s) => s.runs.length > 0);
  const metricPlot = plotSvg(series, {
    title: `${r.task.name}: validation ${r.task.metricName}`,
    xLabel: "training steps",
    yLabel: metricLabel(r.task),
    yScale: r.task.yScale,
    threshold: r.config.threshold,
    ...(r.baselineMetric !== undefined ? { baseline: r.baselineMetric } : {}),
  });
  const lossPlot =
    r.task.loss === "cross-entropy"
      ? plotSvg(lossSeries, {
          title: `${r.task.name}: validation loss`,
          xLabel: "training steps",
          yLabel: "validation loss (cross-entropy, nats)",
          yScale: "log",
        })
      : "";
  const cfg = r.config;
  const budget =
    `${cfg.steps} steps, batch ${cfg.batch}, hidden ${cfg.hidden}, Adam lr ${cfg.lr}, clip ${cfg.clip}, ${cfg.dtype}` +
    (r.task.name === "adding" || r.task.name === "copy" ? `, T = ${cfg.seqLen}` : "") +
    (cfg.pool === undefined
      ? ""
      : `, pooling ${typeof cfg.pool === "object" ? `attention (A = ${cfg.pool.attention})` : cfg.pool}`) +
    `, seeds ${r.seeds.join(", ")}, validation every ${cfg.evalEvery} steps on ${cfg.evalSize} fixed examples`;
  const cells = r.cells
    .map(
      (c) => `<section class="cell"><h3>${esc(c.name)} <small>${esc(c.origin)}</small></h3>
${c.source ? `<pre>${esc(c.source.trim())}</pre>` : ""}
<h4>Step equations</h4>${tex(() => cellLatex(c.cell))}
<details><summary>Derived gradient equations (one step of BPTT)</summary>${tex(() => cellGradientLatex(c.cell))}</details></section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${esc(r.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${katexCss()}
${REPORT_STYLE}</head><body>
<h1>${esc(r.title)}</h1>
${r.partial ? `<p class="partial">Partial report: the run was interrupted. Rows marked “partial” stopped early; checkpoints allow <code>--resume</code>.</p>` : ""}
<p>${esc(r.task.description)}.${r.baseline ? ` Baseline: ${esc(r.baseline)}.` : ""}</p>
<p class="note">Budget: ${esc(budget)}. Kernels: ${esc(r.backend)}. Wall time of this invocation ${r.wallSeconds.toFixed(1)} s (a resumed run adds to its checkpoints' time; see time / seed). Command: <code>${esc(r.command)}</code></p>
<h2>Results</h2>
${table}
<p class="note">Mean ± standard deviation over seeds. “Steps to” is the mean first evaluated step at which the validation ${esc(r.task.metricName)} reached the threshold, over the seeds that reached it.</p>
<h2>Learning curves</h2>
${metricPlot}
${lossPlot}
${
  r.inspections?.length
    ? `<h2>A look inside</h2>
<p class="note">After training: the cell's step run by the reference interpreter on validation examples with the trained parameters (the first layer), one run per cell.</p>
${r.inspections.map(insideHtml).join("\n")}`
    : ""
}
<h2>Cells</h2>
${cells}
</body></html>
`;
}
