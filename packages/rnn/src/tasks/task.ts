/** What a task gives the trainer and the model it expects. */
import type { Dataset } from "../train/data.js";
import type { Pooling } from "../train/heads.js";

export interface Task {
  readonly name: string;
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly test: Dataset;
  /** Dense features per step, or token ids for an embedding. */
  readonly input:
    | { readonly kind: "dense"; readonly size: number }
    | { readonly kind: "tokens"; readonly vocab: number };
  /** Classes or regression outputs per sample (per step when `pool` is "none"). */
  readonly outputs: number;
  readonly loss: "mse" | "cross-entropy";
  /** The pooling the task is posed with (a model may choose another). */
  readonly pool: Pooling;
  readonly classes?: readonly string[];
  /** Text inputs: the characters in id order and how raw text is normalised before encoding. */
  readonly text?: TextInput;
  /** The loss (and accuracy) of a trivial predictor, to read results against. */
  readonly baseline: { readonly loss: number; readonly accuracy?: number; readonly what: string };
  /** Counts and choices worth reporting (sizes, dropped duplicates, …). */
  readonly info: Readonly<Record<string, number | string>>;
}

/** How a character task reads raw text: normalise, then one id per character of `chars`. */
export interface TextInput {
  readonly chars: string;
  /** "lower": lower-cased and trimmed; "fold-ascii": the PyTorch tutorial's ASCII folding; "none". */
  readonly normalize: TextNormalize;
}

export type TextNormalize = "lower" | "fold-ascii" | "none";

/** A dataset of `size` samples made on demand from their index (deterministic per index). */
export function generated(size: number, make: (i: number) => ReturnType<Dataset["get"]>): Dataset {
  return { size, ordered: true, get: (i) => make(i) };
}
