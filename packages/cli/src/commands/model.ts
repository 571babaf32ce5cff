/**
 * Trained models on the command line: `gated train … --save FILE` writes the trained model
 * (one safetensors file: named tensors + the whole configuration), `gated predict --model FILE
 * [INPUT…]` prints predictions for inputs given as arguments or on stdin (one per line), and
 * `gated export-model FILE -o model.mjs` writes one standalone ES module (no imports) holding
 * the whole inference path and the weights, exporting `predict()`, plus its `.d.ts`.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { emitModelModule, emitModelTypes, formatPrediction, Model } from "@gated/rnn";
import { type FlagSpecs, getBool, getStr, helpText, parseArgs } from "../args.js";
import type { CellEntry } from "../cells.js";
import { writeFileAtomic } from "../checkpoint.js";
import { oneLine, UsageError } from "../errors.js";
import type { RunResult } from "../experiment.js";
import { sessionModel } from "../session.js";
import type { RunConfig, TaskEntry } from "../tasks.js";
import { gatedVersion } from "../version.js";

/** Writes the model of a finished run (its final parameters) to `path`; returns the bytes written. */
export function saveRun(
  path: string,
  cell: CellEntry,
  task: TaskEntry,
  config: RunConfig,
  run: RunResult,
): number {
  const m = sessionModel(cell, task, config, run.seed);
  for (const s of m.layout) {
    const v = run.params[s.name];
    if (!v || v.length !== s.size)
      throw new Error(`gated train --save: the run has no parameter ${s.name} of size ${s.size}`);
    m.params.set(v, s.offset);
  }
  m.setParams(m.params);
  const bytes = m.toBytes(writer());
  mkdirSync(dirname(path) || ".", { recursive: true });
  writeFileAtomic(path, bytes);
  return bytes.length;
}

/** "gated <version>" for the file's writer field; none where the package.json is not found (a bundle moved elsewhere). */
function writer(): { writer?: string } {
  try {
    return { writer: `gated ${gatedVersion()}` };
  } catch {
    return {};
  }
}

/** A model file, or a one-line usage error naming it. */
export function loadModelFile(path: string, command: string): Model {
  let bytes: Uint8Array;
  try {
    const b = readFileSync(path);
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new UsageError(
      `gated ${command}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? oneLine(e)}`,
    );
  }
  try {
    return Model.fromBytes(bytes);
  } catch (e) {
    throw new UsageError(`gated ${command}: ${path}: ${oneLine(e)}`);
  }
}

export const PREDICT_FLAGS: FlagSpecs = {
  model: { kind: "string", short: "m", help: "model file written by gated train --save" },
  json: { kind: "boolean", help: "one JSON prediction per line" },
};

/** One input from its text: the text itself for character models, else numbers. */
function parseInput(m: Model, raw: string): string | number[] {
  if (m.spec.task?.text) return raw;
  const parts = raw.split(/[\s,;]+/).filter((s) => s !== "");
  return parts.map((p) => {
    const v = Number(p);
    if (!Number.isFinite(v))
      throw new UsageError(`gated predict: "${p}" in "${raw}" is not a number`);
    return v;
  });
}

export async function predictCommand(argv: readonly string[]): Promise<number> {
  const p = parseArgs("predict", argv, PREDICT_FLAGS);
  if (p.flags["help"]) {
    process.stdout.write(
      helpText(
        "gated predict --model FILE [INPUT ...]",
        'Prints the model\'s prediction for each input: a name for character tasks (names → gender),\nnumbers for sequence tasks (the adding problem: value,marker pairs, e.g. "0.3,1 0.9,0 0.5,1").\nWithout INPUT arguments, reads one input per line from stdin.',
        PREDICT_FLAGS,
      ),
    );
    return 0;
  }
  const file = getStr(p, "model");
  if (file === undefined) throw new UsageError("gated predict: --model FILE is required");
  const m = loadModelFile(file, "predict");
  let inputs = [...p.positional];
  if (inputs.length === 0) {
    if (process.stdin.isTTY)
      throw new UsageError("gated predict: give inputs as arguments or on stdin (one per line)");
    inputs = readFileSync(0, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  }
  const json = getBool(p, "json");
  for (const raw of inputs) {
    let pred;
    try {
      pred = m.predict(parseInput(m, raw));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`gated predict: ${oneLine(e)}`);
    }
    process.stdout.write(
      json ? `${JSON.stringify({ input: raw, ...pred })}\n` : `${raw}\t${formatPrediction(pred)}\n`,
    );
  }
  return 0;
}

export const EXPORT_FLAGS: FlagSpecs = {
  out: {
    kind: "string",
    short: "o",
    help: "output module path (.mjs or .js); the .d.ts goes beside it",
  },
};

export async function exportModelCommand(argv: readonly string[]): Promise<number> {
  const p = parseArgs("export-model", argv, EXPORT_FLAGS);
  if (p.flags["help"]) {
    process.stdout.write(
      helpText(
        "gated export-model MODEL.safetensors -o model.mjs",
        "Writes one standalone ES module (no imports; Node or a browser) with the model's whole inference\npath — embedding, layers, pooling, head, vocabulary — and its trained weights, exporting predict().",
        EXPORT_FLAGS,
      ),
    );
    return 0;
  }
  if (p.positional.length !== 1)
    throw new UsageError(`gated export-model: expected one MODEL file, got ${p.positional.length}`);
  const out = getStr(p, "out");
  if (out === undefined) throw new UsageError("gated export-model: -o/--out FILE is required");
  if (!/\.(mjs|js)$/i.test(out))
    throw new UsageError(`gated export-model: --out must end in .mjs or .js, got "${out}"`);
  const m = loadModelFile(p.positional[0]!, "export-model");
  const js = emitModelModule(m);
  const dts = emitModelTypes(m);
  const base = out.replace(/\.(mjs|js)$/i, "");
  const types = [`${base}.d.ts`, ...(/\.mjs$/i.test(out) ? [`${base}.d.mts`] : [])];
  mkdirSync(dirname(out) || ".", { recursive: true });
  writeFileAtomic(out, js);
  for (const t of types) writeFileAtomic(t, dts);
  process.stdout.write(`wrote ${out} (${Buffer.byteLength(js)} bytes) and ${types.join(", ")}\n`);
  return 0;
}
