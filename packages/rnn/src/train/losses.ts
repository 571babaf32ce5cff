/**
 * Losses as per-sample graphs. A loss maps the prediction of one sample (a vector [O], or
 * [T,O] when predicting at every step) and its target to a scalar; per-step losses are a mean
 * over the valid steps given by `mask` [T], so padded steps contribute nothing, not even to
 * the gradient. Gradients come from `vjp` on these graphs, never written by hand.
 */
import { constant, type Node } from "@gated/graph";

import { logsumexp, softplus, sum } from "@gated/ops";

export interface Loss {
  readonly name: string;
  /** "class": targets are class indices (one-hot in the graph); "values": real vectors. */
  readonly target: "class" | "values";
  /** Per-row loss terms: prediction [..., O], target [..., O] -> [...] (last axis reduced). */
  terms(pred: Node, target: Node): Node;
  /** The metric reported beside the loss, if any, from one row's prediction and target. */
  readonly metric?: "accuracy" | "binary-accuracy";
}

/** Mean squared error: mean_o (pred_o − y_o)². */
export function mse(): Loss {
  return {
    name: "mse",
    target: "values",
    terms: (pred, y) => meanLast(pred.sub(y).square()),
  };
}

/** Softmax cross-entropy on logits z with a one-hot target: log Σ exp(z) − Σ y·z. */
export function softmaxCrossEntropy(): Loss {
  return {
    name: "cross-entropy",
    target: "class",
    metric: "accuracy",
    terms: (z, y) => {
      const last = z.shape.length - 1;
      return logsumexp(z, last).sub(sum(y.mul(z), last));
    },
  };
}

/** Binary cross-entropy on logits z, targets y ∈ [0, 1]: mean_o softplus(z) − y·z. */
export function binaryCrossEntropy(): Loss {
  return {
    name: "binary-cross-entropy",
    target: "values",
    metric: "binary-accuracy",
    terms: (z, y) => meanLast(softplus(z).sub(y.mul(z))),
  };
}

/** A loss by name: "mse", "cross-entropy" (alias "ce"), "bce". */
export function lossByName(name: string): Loss {
  switch (name) {
    case "mse":
      return mse();
    case "cross-entropy":
    case "ce":
      return softmaxCrossEntropy();
    case "bce":
    case "binary-cross-entropy":
      return binaryCrossEntropy();
    default:
      throw new Error(`unknown loss "${name}" (losses: mse, cross-entropy, bce)`);
  }
}

/**
 * The scalar loss of one sample: `terms` itself for a vector prediction, or the mean of the
 * per-step terms over valid steps, Σ_t mask_t·l_t / Σ_t mask_t, for a [T,O] prediction.
 */
export function sampleLoss(loss: Loss, pred: Node, target: Node, mask: Node): Node {
  const l = loss.terms(pred, target);
  if (l.shape.length === 0) return l;
  return sum(l.mul(mask)).div(sum(mask));
}

function meanLast(x: Node): Node {
  const last = x.shape.length - 1;
  return sum(x, last).div(sum(constant(1, x.shape), last));
}
