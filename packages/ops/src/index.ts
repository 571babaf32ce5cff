/**
 * The op set. One op per file; `OPS` is the one registry, iterated by the property suites so a
 * new op is gradient-checked with no extra work. Importing this module binds the arithmetic
 * builders that `Node`'s chainable methods and the generic passes call.
 */
import { bindBuilders } from "@gated/graph";
import { abs } from "./abs.js";
import { add } from "./add.js";
import { broadcastTo } from "./broadcastTo.js";
import { concat } from "./concat.js";
import { div } from "./div.js";
import { equal } from "./equal.js";
import { exp } from "./exp.js";
import { greater } from "./greater.js";
import { greaterEqual } from "./greaterEqual.js";
import { less } from "./less.js";
import { lessEqual } from "./lessEqual.js";
import { log } from "./log.js";
import { log1p } from "./log1p.js";
import { logSoftmax } from "./logSoftmax.js";
import { logsigmoid } from "./logsigmoid.js";
import { logsumexp } from "./logsumexp.js";
import { matmul } from "./matmul.js";
import { matvec } from "./matvec.js";
import { maximum } from "./maximum.js";
import { minimum } from "./minimum.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { outer } from "./outer.js";
import { pow } from "./pow.js";
import { reciprocal } from "./reciprocal.js";
import { reduceMax } from "./reduceMax.js";
import { relu } from "./relu.js";
import { reshape } from "./reshape.js";
import { cumprod, cumsum, scan } from "./scan.js";
import { sigmoid } from "./sigmoid.js";
import { sign } from "./sign.js";
import { slice } from "./slice.js";
import { softmax } from "./softmax.js";
import { softplus } from "./softplus.js";
import { sqrt } from "./sqrt.js";
import { square } from "./square.js";
import { stopGradient } from "./stopGradient.js";
import { sub } from "./sub.js";
import { mean, sum } from "./sum.js";
import { sumTo } from "./sumTo.js";
import { tanh } from "./tanh.js";
import { transpose } from "./transpose.js";
import { where } from "./where.js";

export { offsets } from "./concat.js";
export {
  type BinarySpec,
  binary,
  comparison,
  reduceAxis,
  type UnarySpec,
  unary,
} from "./families.js";
export { softplusValue } from "./softplus.js";
export { type Axis, checkAxis, unreduce } from "./sum.js";
export {
  abs,
  add,
  broadcastTo,
  concat,
  cumprod,
  cumsum,
  div,
  equal,
  exp,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  log1p,
  logSoftmax,
  logsigmoid,
  logsumexp,
  matmul,
  matvec,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  outer,
  pow,
  reciprocal,
  reduceMax,
  relu,
  reshape,
  scan,
  sigmoid,
  sign,
  slice,
  softmax,
  softplus,
  sqrt,
  square,
  stopGradient,
  sub,
  sum,
  sumTo,
  tanh,
  transpose,
  where,
};

/**
 * Every primitive op, by name. Composites (mean, sumTo, logsumexp, softmax, logSoftmax, cumsum,
 * cumprod) are plain functions built from these, not listed.
 */
export const OPS = {
  add,
  sub,
  mul,
  div,
  neg,
  exp,
  log,
  log1p,
  square,
  sqrt,
  abs,
  sign,
  reciprocal,
  pow,
  tanh,
  sigmoid,
  logsigmoid,
  softplus,
  relu,
  maximum,
  minimum,
  less,
  greater,
  lessEqual,
  greaterEqual,
  equal,
  where,
  stopGradient,
  matvec,
  matmul,
  outer,
  transpose,
  sum,
  reduceMax,
  broadcastTo,
  reshape,
  concat,
  slice,
  scan,
} as const;

bindBuilders({
  add,
  sub,
  mul,
  div,
  neg,
  pow,
  exp,
  log,
  tanh,
  sigmoid,
  square,
  matvec,
  matmul,
  transpose,
  sum: (x, axis) => sum(x, axis ?? "all"),
  mean: (x, axis) => mean(x, axis ?? "all"),
  reshape,
  broadcastTo,
  sumTo,
});

/** Re-exported for compatibility: broadcasting index tables live with shapes in @gated/graph. */
export { broadcastIndex } from "@gated/graph";
