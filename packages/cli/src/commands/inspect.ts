/**
 * `gated inspect --model m.safetensors`: a look inside a trained model (written by `gated train
 * --save`) on its task's validation examples — per-gate activation statistics and saturation,
 * the cell state over time, attention over the input, and for classification the confusion
 * matrix. Prints the tables; writes an HTML report (plots) and the numbers as JSON beside it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type FlagSpecs, getInt, getStr, helpText, parseArgs } from "../args.js";
import { writeFileAtomic } from "../checkpoint.js";
import { UsageError } from "../errors.js";
import { type Inspection, inspectModel } from "../inspect.js";
import { REPORT_STYLE } from "../report/html.js";
import { insideHtml } from "../report/inside.js";
import { esc } from "../report/svg.js";
import { taskData } from "../session.js";
import { sig, textTable } from "../summary.js";
import { type RunConfig, resolveTask, taskNames } from "../tasks.js";
import { loadModelFile } from "./model.js";

export const INSPECT_FLAGS: FlagSpecs = {
  model: { kind: "string", short: "m", help: "model file written by gated train --save" },
  task: {
    kind: "string",
    help: `task whose validation examples to use (default: the model's; ${taskNames().join(", ")})`,
  },
  examples: { kind: "int", min: 1, help: "validation examples for the statistics", default: 32 },
  show: { kind: "int", min: 1, help: "examples drawn as heat maps / attention", default: 3 },
  "seq-len": { kind: "int", min: 2, help: "sequence length T of synthetic tasks (task default)" },
  "eval-size": { kind: "int", min: 1, help: "validation examples made (synthetic tasks)" },
  data: { kind: "string", help: "data directory (names-language task)" },
  out: {
    kind: "string",
    short: "o",
    help: "HTML report path (default reports/inspect-<task>.html; JSON beside it)",
  },
};

const pct = (v: number | undefined) => (v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);

/** The terminal's view of an inspection: the gate table, attention peaks, the confusion matrix. */
export function inspectionText(ins: Inspection): string {
  const out = [
    `${ins.cell}: activations over ${ins.examples} validation examples`,
    textTable([
      ["value", "kind", "mean", "std", "< 0.1", "> 0.9", "|v| > 0.9"],
      ...ins.gates.map((g) => [
        g.name,
        g.kind === "sigmoid" ? "σ gate" : g.kind,
        sig(g.mean, 3),
        sig(g.std, 2),
        pct(g.below01),
        pct(g.above09),
        pct(g.saturated),
      ]),
    ]),
  ];
  for (const a of ins.attention ?? []) {
    const top = a.weights.indexOf(Math.max(...a.weights));
    out.push(
      `attention, example ${a.example + 1} “${a.tokens.join("")}”: most on “${a.tokens[top]}” (step ${top + 1}, weight ${sig(a.weights[top]!, 2)})${a.predicted !== undefined ? `, predicted ${a.predicted}` : ""}${a.target !== undefined ? `, true ${a.target}` : ""}`,
    );
  }
  const c = ins.confusion;
  if (c) {
    out.push(
      `confusion matrix (rows: true class, columns: predicted; ${c.examples} examples, accuracy ${sig(c.accuracy, 3)})`,
      textTable([
        ["true \\ predicted", ...c.classes, "accuracy"],
        ...c.counts.map((row, i) => [
          c.classes[i]!,
          ...row.map(String),
          sig(c.perClass[i]!.accuracy, 3),
        ]),
      ]),
    );
  }
  return out.join("\n\n");
}

export async function inspectCommand(argv: readonly string[]): Promise<number> {
  const p = parseArgs("inspect", argv, INSPECT_FLAGS);
  if (p.flags["help"]) {
    process.stdout.write(
      helpText(
        "gated inspect --model FILE [--task T] [-o report.html]",
        "A look inside a trained model on its task's validation examples: per-gate activation\nstatistics and saturation, the cell state over time, attention over the input, and for\nclassification the confusion matrix. Prints the tables; writes an HTML report and JSON.",
        INSPECT_FLAGS,
      ),
    );
    return 0;
  }
  if (p.positional.length)
    throw new UsageError(`gated inspect: unexpected argument "${p.positional[0]}"`);
  const file = getStr(p, "model");
  if (file === undefined) throw new UsageError("gated inspect: --model FILE is required");
  const model = loadModelFile(file, "inspect");
  const taskName = getStr(p, "task") ?? model.spec.task?.name;
  if (taskName === undefined)
    throw new UsageError(
      `gated inspect: ${file} does not name its task; give --task (${taskNames().join(", ")})`,
    );
  const task = resolveTask(taskName);
  const d = task.defaults;
  const num = (name: string) => (typeof p.flags[name] === "number" ? p.flags[name] : undefined);
  const data = getStr(p, "data");
  const config: RunConfig = {
    steps: 1,
    batch: d.batch,
    hidden: model.spec.hidden,
    lr: d.lr,
    clip: 0,
    evalEvery: 1,
    checkpointEvery: 1,
    threshold: d.threshold,
    seqLen: num("seq-len") ?? d.seqLen ?? 100,
    evalSize: num("eval-size") ?? d.evalSize ?? 512,
    embed: model.spec.embedding?.dim ?? d.embed ?? 16,
    dtype: model.dtype === "float32" ? "float32" : "float64",
    ...(data !== undefined ? { data } : {}),
  };
  const td = taskData(task, config);
  const val = Array.from({ length: td.validation.size }, (_, i) => td.validation.get(i));
  const classes = model.spec.task?.classes ?? td.classes;
  const chars = model.spec.task?.text?.chars ?? td.text?.chars;
  let ins: Inspection;
  try {
    ins = inspectModel(model, val, {
      cell: model.spec.cell.name,
      seed: model.spec.seed ?? 0,
      batch: getInt(p, INSPECT_FLAGS, "examples"),
      show: getInt(p, INSPECT_FLAGS, "show"),
      ...(classes ? { classes } : {}),
      ...(chars ? { chars } : {}),
    });
  } catch (e) {
    throw new UsageError(
      `gated inspect: ${file} does not fit the ${task.name} task's examples: ${(e as Error).message.split("\n")[0]}`,
    );
  }
  const out = getStr(p, "out") ?? `reports/inspect-${task.name}.html`;
  const title = `gated inspect: ${model.spec.cell.name} on ${task.name}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${REPORT_STYLE}</head><body>
<h1>${esc(title)}</h1>
<p class="note">Model: <code>${esc(file)}</code>; validation examples of ${esc(task.description)}.</p>
${insideHtml(ins)}
</body></html>
`;
  mkdirSync(dirname(out) || ".", { recursive: true });
  writeFileAtomic(out, html);
  const json = `${out.replace(/\.html?$/i, "")}.json`;
  writeFileSync(json, JSON.stringify({ model: file, task: task.name, ...ins }, null, 1));
  process.stdout.write(`${inspectionText(ins)}\n\nreport: ${out} (numbers: ${json})\n`);
  return 0;
}
