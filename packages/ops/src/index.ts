/**
 * The op set. One op per file; `OPS` is the one registry, iterated by the property suites so a
 * new op is gradient-checked with no extra work. Importing this module binds the arithmetic
 * builders that `Node`'s chainable methods and the generic passes call.
 */
import { bindBuilders } from "@gated/graph";
import { add } from "./add.js";
import { broadcastTo } from "./broadcastTo.js";
import { div } from "./div.js";
import { exp } from "./exp.js";
import { log } from "./log.js";
import { matmul } from "./matmul.js";
import { matvec } from "./matvec.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { outer } from "./outer.js";
import { pow } from "./pow.js";
import { reshape } from "./reshape.js";
import { sigmoid } from "./sigmoid.js";
import { square } from "./square.js";
import { sub } from "./sub.js";
import { mean, sum } from "./sum.js";
import { sumTo } from "./sumTo.js";
import { tanh } from "./tanh.js";
import { transpose } from "./transpose.js";

export { add, broadcastTo, div, exp, log, matmul, matvec, mul, neg, outer, pow, reshape, sigmoid, square, sub, sum, mean, sumTo, tanh, transpose };
export { unary, binary, broadcastIndex, type UnarySpec, type BinarySpec } from "./families.js";
export { checkAxis, unreduce, type Axis } from "./sum.js";

/** Every primitive op, by name. Composites (mean, sumTo, …) are plain functions, not listed. */
export const OPS = {
  add, sub, mul, div, neg, exp, log, square, tanh, sigmoid, pow,
  matvec, matmul, outer, transpose, sum, broadcastTo, reshape,
} as const;

bindBuilders({
  add, sub, mul, div, neg, pow, exp, log, tanh, sigmoid, square, matvec, matmul, transpose,
  sum: (x, axis) => sum(x, axis ?? "all"),
  mean: (x, axis) => mean(x, axis ?? "all"),
  reshape, broadcastTo, sumTo,
});
