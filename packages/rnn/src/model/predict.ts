/**
 * Inference on a `Model`: raw inputs (text for character tasks, token ids, or per-step
 * features) in, readable predictions out — a label with its probabilities for classification,
 * numbers for regression, one prediction per step for per-step heads.
 */
import { normalizeText } from "../tasks/chars.js";
import type { TextInput } from "../tasks/task.js";

/** What a model knows of its task, for reading inputs and naming outputs. */
export interface ModelTask {
  readonly name?: string;
  /** Class labels, in output order (default "0", "1", …). */
  readonly classes?: readonly string[];
  /** Character inputs: the vocabulary and normalisation. */
  readonly text?: TextInput;
}

/** One input: text (character models), token ids, or features [T·I] / [T][I]. */
export type PredictInput = string | ArrayLike<number> | readonly ArrayLike<number>[];

export type Prediction =
  | {
      readonly kind: "class";
      readonly label: string;
      readonly index: number;
      /** Softmax probabilities by label. */
      readonly probabilities: Readonly<Record<string, number>>;
    }
  | { readonly kind: "binary"; readonly probabilities: readonly number[] }
  | { readonly kind: "values"; readonly values: readonly number[] }
  | { readonly kind: "steps"; readonly steps: readonly Prediction[] };

/** The shape of the model that `encodeInput` and `decodePrediction` need. */
export interface PredictShape {
  readonly tokens: boolean;
  readonly inputSize: number;
  readonly vocab: number;
  readonly outputs: number;
  readonly loss: string;
  readonly perStep: boolean;
  readonly task?: ModelTask;
}

/** One input as the model reads it: token ids [T] or features [T·I]. */
export function encodeInput(m: PredictShape, input: PredictInput): number[] {
  if (typeof input === "string") {
    const text = m.task?.text;
    if (!m.tokens || !text)
      throw new Error(
        "predict: this model does not read text (give token ids or per-step features)",
      );
    const s = normalizeText(input, text.normalize);
    const chars = [...text.chars];
    const ids = Array.from(s, (c) => {
      const i = chars.indexOf(c);
      if (i < 0)
        throw new Error(
          `predict: character ${JSON.stringify(c)} in ${JSON.stringify(input)} is not in the model's vocabulary ${JSON.stringify(text.chars)}`,
        );
      return i;
    });
    if (ids.length === 0) throw new Error(`predict: ${JSON.stringify(input)} has no characters`);
    return ids;
  }
  const flat: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const v = input[i] as number | ArrayLike<number>;
    if (typeof v === "number") flat.push(v);
    else for (let j = 0; j < v.length; j++) flat.push(v[j]!);
  }
  const per = m.tokens ? 1 : m.inputSize;
  if (flat.length === 0 || flat.length % per !== 0)
    throw new Error(
      `predict: expected a non-empty sequence of ${m.tokens ? "token ids" : `steps of ${per} features`}, got ${flat.length} values`,
    );
  for (const v of flat) {
    if (m.tokens ? !(Number.isInteger(v) && v >= 0 && v < m.vocab) : !Number.isFinite(v))
      throw new Error(
        `predict: ${v} is not ${m.tokens ? `a token id in [0, ${m.vocab})` : "a finite number"}`,
      );
  }
  return flat;
}

/** Raw outputs of one input ([C], or [T][C] per step) as a `Prediction`. */
export function decodePrediction(m: PredictShape, out: ArrayLike<number>): Prediction {
  const C = m.outputs;
  if (m.perStep) {
    const steps: Prediction[] = [];
    for (let t = 0; t < out.length / C; t++)
      steps.push(decodeRow(m, Array.prototype.slice.call(out, t * C, (t + 1) * C)));
    return { kind: "steps", steps };
  }
  return decodeRow(m, Array.from(out));
}

function decodeRow(m: PredictShape, z: number[]): Prediction {
  if (m.loss === "cross-entropy") {
    const labels = m.task?.classes ?? z.map((_, i) => String(i));
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const s = e.reduce((a, b) => a + b, 0);
    let index = 0;
    for (let c = 1; c < z.length; c++) if (z[c]! > z[index]!) index = c;
    return {
      kind: "class",
      label: labels[index]!,
      index,
      probabilities: Object.fromEntries(labels.map((l, c) => [l, e[c]! / s])),
    };
  }
  if (m.loss === "binary-cross-entropy")
    return { kind: "binary", probabilities: z.map((v) => 1 / (1 + Math.exp(-v))) };
  return { kind: "values", values: z };
}

/** One line of text for a prediction (the CLI's output). */
export function formatPrediction(p: Prediction): string {
  const n = (v: number) => Number(v.toPrecision(6)).toString();
  switch (p.kind) {
    case "class": {
      const rest = Object.entries(p.probabilities)
        .sort((a, b) => b[1] - a[1])
        .map(([l, v]) => `${l} ${v.toFixed(3)}`);
      return `${p.label} (${rest.join(", ")})`;
    }
    case "binary":
      return p.probabilities.map(n).join(" ");
    case "values":
      return p.values.map(n).join(" ");
    case "steps":
      return p.steps.map((s) => (s.kind === "class" ? s.label : formatPrediction(s))).join(" ");
  }
}
