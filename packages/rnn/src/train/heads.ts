/**
 * Heads as per-sample graphs over the RNN outputs `seq` [T,D] with the step mask [T] (1 on
 * valid steps): pooling over time (last, mean, max, additive attention), and the linear head.
 * All masked: padded steps change neither the value nor any gradient.
 */
import { type Node, param } from "@gated/graph";
import { exp, matmul, matvec, reduceMax, reshape, stopGradient, sum, transpose } from "@gated/ops";

/** How outputs over time become one vector per sequence; "none" keeps every step. */
export type Pooling = "last" | "mean" | "max" | "none" | { readonly attention: number };

/** Inputs of a pooled head: the sequence, the mask and the one-hot of the last valid step. */
export interface PoolInputs {
  readonly seq: Node; // [T,D]
  readonly mask: Node; // [T]
  readonly last: Node; // [T], one-hot at length − 1
}

/** Large enough that masked entries never win a max and exp of them is exactly 0. */
const BIG = 1e30;

/** Pooled vector [D] (or `seq` itself for "none"). */
export function pool(kind: Pooling, { seq, mask, last }: PoolInputs): Node {
  if (kind === "none") return seq;
  const seqT = transpose(seq); // [D,T]
  if (kind === "last") return matvec(seqT, last);
  if (kind === "mean") return matvec(seqT, mask).div(sum(mask));
  if (kind === "max") return reduceMax(seq.add(padPenalty(mask)), 0);
  return attentionPool(seq, mask);
}

/** −BIG at padded steps, 0 at valid ones, shaped [T,1] to broadcast over features. */
function padPenalty(mask: Node): Node {
  return reshape(mask.sub(1).mul(BIG), [mask.shape[0]!, 1]);
}

/**
 * Additive (Bahdanau) attention pooling: e_t = vᵀ tanh(W h_t + b), α = softmax over the valid
 * steps, result Σ_t α_t h_t. Parameters W_att [A,D], b_att [A], v_att [A].
 */
export function attentionPool(seq: Node, mask: Node): Node {
  const W = param("W_att", ["A", "D"]);
  const b = param("b_att", ["A"]);
  const v = param("v_att", ["A"]);
  const u = matmul(seq, transpose(W)).add(b).tanh(); // [T,A]
  const e = matvec(u, v).add(mask.sub(1).mul(BIG)); // [T], −BIG at padding
  const w = exp(e.sub(stopGradient(reduceMax(e)))); // shift-invariant softmax numerator
  const alpha = w.div(sum(w));
  return matvec(transpose(seq), alpha);
}

/** Linear head: W_out h + b_out for h [D] -> [C], or row by row for h [T,D] -> [T,C]. */
export function linear(h: Node): Node {
  const W = param("W_out", ["C", "D"]);
  const b = param("b_out", ["C"]);
  return h.shape.length === 1 ? matvec(W, h).add(b) : matmul(h, transpose(W)).add(b);
}
