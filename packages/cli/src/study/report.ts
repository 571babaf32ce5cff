/**
 * The HTML report of a study: the paper's findings with this run's verdict per task, then per
 * task a strip plot of the test metric over seeds (one dot per seed, a bar at the mean), the
 * ranking table with Welch's test against the reference, learning curves of each variant's best
 * trial with a band over seeds, and at the end each variant's equations. One self-contained file.
 */
import type { CellEntry } from "../cells.js";
import { cellLatex } from "../deps.js";
import { katexCss, renderTex } from "../report/katex.js";
import { esc, plotSvg } from "../report/svg.js";
import { fmt } from "../summary.js";
import type { StudyPlan } from "./plans.js";
import type { StudyResult, TaskSummary } from "./run.js";
import { sample } from "./stats.js";

export interface StudyReportInput {
  readonly plan: StudyPlan;
  readonly result: StudyResult;
  readonly cells: readonly CellEntry[];
  readonly command: string;
  readonly wallSeconds: number;
  readonly backend: string;
}

const VERDICT_CLASS = { reproduced: "yes", "not reproduced": "no", undecided: "maybe" } as const;

/** Test metric per seed, one column per variant: dots and a bar at the mean. */
export function stripPlotSvg(s: TaskSummary, labels: readonly string[]): string {
  const W = 640;
  const H = 260;
  const m = { l: 70, r: 16, t: 28, b: 40 };
  const all = labels.flatMap((v) => s.test[v] ?? []).filter(Number.isFinite);
  if (all.length === 0) return "";
  const log = s.metricName === "mse";
  const f = (x: number) => (log ? Math.log10(x) : x);
  let lo = Math.min(...all.map(f));
  let hi = Math.max(...all.map(f));
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.08;
  [lo, hi] = [lo - pad, hi + pad];
  const x = (i: number) => m.l + ((i + 0.5) * (W - m.l - m.r)) / labels.length;
  const y = (v: number) => m.t + ((hi - f(v)) * (H - m.t - m.b)) / (hi - lo);
  const ticks = Array.from({ length: 5 }, (_, k) => lo + ((hi - lo) * k) / 4);
  const tickText = (t: number) => (log ? fmt(10 ** t, 2) : fmt(t, 3));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="strip" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${s.task}: test ${s.metricName} per seed`)}">`,
    `<text x="${m.l}" y="16" font-size="13" font-weight="600">${esc(`${s.task}: test ${s.metricName} per seed (best trial of each variant)`)}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${m.l}" x2="${W - m.r}" y1="${y(log ? 10 ** t : t).toFixed(1)}" y2="${y(log ? 10 ** t : t).toFixed(1)}" stroke="#eee"/><text x="${m.l - 6}" y="${(y(log ? 10 ** t : t) + 4).toFixed(1)}" font-size="11" text-anchor="end">${esc(tickText(t))}</text>`,
    ),
    `<text x="14" y="${(m.t + H - m.b) / 2}" font-size="11" transform="rotate(-90 14 ${(m.t + H - m.b) / 2})" text-anchor="middle">${esc(`test ${s.metricName}${log ? " (log scale)" : ""}`)}</text>`,
  ];
  labels.forEach((v, i) => {
    const vals = (s.test[v] ?? []).filter(Number.isFinite);
    vals.forEach((val, k) => {
      const jitter = ((k % 5) - 2) * 4;
      parts.push(
        `<circle cx="${(x(i) + jitter).toFixed(1)}" cy="${y(val).toFixed(1)}" r="3.5" fill="#4269d0" fill-opacity="0.7"/>`,
      );
    });
    if (vals.length) {
      const mean = log ? 10 ** sample(vals.map(Math.log10)).mean : sample(vals).mean;
      parts.push(
        `<line x1="${(x(i) - 14).toFixed(1)}" x2="${(x(i) + 14).toFixed(1)}" y1="${y(mean).toFixed(1)}" y2="${y(mean).toFixed(1)}" stroke="#222" stroke-width="2"/>`,
      );
    }
    parts.push(
      `<text x="${x(i).toFixed(1)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${esc(v)}</text>`,
    );
  });
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#888"/>`, "</svg>");
  return parts.join("\n");
}

function rankingTable(s: TaskSummary, reference: string, labels: readonly string[]): string {
  const order = [...labels].sort((a, b) => s.outcome.rank[a]! - s.outcome.rank[b]!);
  const rows = order.map((v) => {
    const sc = sample(s.outcome.scores[v]!);
    const tr = s.trials[s.best[v]!]!;
    const w = s.welch[v];
    const p = s.outcome.adjustedP[v]!;
    return `<tr><td>${s.outcome.rank[v]}</td><td>${esc(v)}</td><td>${fmt(tr.lr, 3)}</td><td>${tr.hidden}</td><td>${fmt(sc.mean, 4)} ± ${fmt(sc.std, 2)}</td><td>${v === reference ? "reference" : w ? `${fmt(w.t, 3)} (${fmt(w.df, 3)})` : ""}</td><td>${v === reference || !w ? "" : fmt(w.p, 2)}</td><td class="${!Number.isNaN(p) && p < 0.05 ? "sig" : ""}">${v === reference ? "" : fmt(p, 2)}</td></tr>`;
  });
  return `<table><thead><tr><th>rank</th><th>variant</th><th>lr</th><th>hidden</th><th>${esc(s.scoreName)} mean ± std</th><th>Welch t (df)</th><th>p</th><th>p (Holm)</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function studyReportHtml(r: StudyReportInput): string {
  const { plan, result } = r;
  const labels = result.variants.map((v) => v.label);
  const findings = result.findings
    .map(
      (f) =>
        `<li><strong>${esc(f.claim)}</strong><ul>${f.perTask
          .map(
            (t) =>
              `<li><span class="${VERDICT_CLASS[t.verdict]}">${esc(t.verdict)}</span> on ${esc(t.task)}: ${esc(t.why)}</li>`,
          )
          .join("")}</ul></li>`,
    )
    .join("");
  const tasks = result.tasks
    .map((s) => {
      const series = labels.map((v) => ({
        label: v,
        runs: result.runs
          .filter((x) => x.task === s.task && x.variant === v && x.trial === s.best[v])
          .map((x) => x.result.history.map((p) => [p.step, p.metric] as const)),
      }));
      return `<section><h2>${esc(s.task)}</h2>
${stripPlotSvg(s, labels)}
${rankingTable(s, result.reference, labels)}
<p class="note">Trials (the same for every variant): ${s.trials.map((t) => `#${t.index} lr ${fmt(t.lr, 3)}, hidden ${t.hidden}`).join("; ")}.</p>
${plotSvg(series, {
  title: `${s.task}: validation ${s.metricName}, best trial, mean ± std over seeds`,
  xLabel: "training step",
  yLabel: `validation ${s.metricName}`,
  yScale: s.metricName === "mse" ? "log" : "linear",
})}
</section>`;
    })
    .join("\n");
  const eqs = r.cells
    .map((c) => {
      let tex: string;
      try {
        tex = renderTex(cellLatex(c.cell));
      } catch (e) {
        tex = `<p class="note">equations unavailable: ${esc((e as Error).message.split("\n")[0]!)}</p>`;
      }
      return `<section class="cell"><h3>${esc(c.name)} <small>${esc(c.origin)}</small></h3>${tex}</section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>gated study ${esc(plan.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${katexCss()}
<style>
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; white-space: nowrap; }
th:nth-child(2), td:nth-child(2) { text-align: left; }
.yes { color: #1a7f37; font-weight: 600; } .no { color: #b42318; font-weight: 600; } .maybe { color: #946200; font-weight: 600; }
td.sig { font-weight: 700; }
.partial { background: #fff3cd; border: 1px solid #e0c36a; padding: .6em 1em; }
.note, small { color: #666; font-weight: normal; }
.katex-display { overflow-x: auto; overflow-y: hidden; }
</style></head><body>
<h1>gated study ${esc(plan.name)}: ${esc(plan.title)}</h1>
<p>${esc(plan.paper)}. Budget <code>${esc(result.budget)}</code>; ${result.runs.length} runs (${result.ranNow} in this invocation, ${result.resumed} found from earlier ones). Kernels: ${esc(r.backend)}. Wall time of this invocation ${r.wallSeconds.toFixed(1)} s. Command: <code>${esc(r.command)}</code></p>
${result.complete ? "" : `<p class="partial">Partial report: the study stopped before every run finished; run the same command again to continue.</p>`}
<h2>The paper's findings, in this run</h2>
<ul>${findings || "<li>No task has all its runs yet.</li>"}</ul>
<p class="note">Statistics: per task, each variant's test metric over seeds at its best trial (by final validation metric). MSE is compared on a log10 scale. Welch's unequal-variance t-test, two-sided, of every variant against ${esc(result.reference)}, with Holm's step-down correction over the variants of a task; significant = Holm-adjusted p &lt; 0.05 (bold).</p>
${tasks}
<h2>Variants</h2>
${eqs}
</body></html>
`;
}
