export { grad, jvp, vjp } from "./autodiff.js";
export { type Bindings, evaluate, evaluateAll, prepareEvaluate } from "./evaluate.js";
export { constant, constValue, input, isLeaf, param, zeros } from "./leaves.js";
export type {
  Algebra,
  Attrs,
  AttrValue,
  Builders,
  Domain,
  JvpArgs,
  Notation,
  Op,
  OpDef,
  OpKind,
  ReduceFacet,
  Rule,
  Tensor,
  VjpArgs,
} from "./node.js";
export { apply, bindBuilders, defineOp, describe, Node, ops } from "./node.js";
export { type Rendered, renderNode, renderTree, type Target } from "./print/core.js";
export { type DotOptions, dotEscape, printDot } from "./print/dot.js";
export { bindEquations, useCounts } from "./print/equations.js";
export {
  type EquationOptions,
  type LatexOptions,
  latexEquationLines,
  latexLeaf,
  latexName,
  latexNumber,
  type NamedNode,
  printLatex,
  printLatexEquations,
} from "./print/latex.js";
export {
  primes,
  printLets,
  printText,
  type TextEquationOptions,
  type TextOptions,
  textEquationLines,
  textLeaf,
  textNode,
} from "./print/text.js";
export { type Match, P, type Pattern, rule, X, Y, Z } from "./rule.js";
export {
  evalScalar,
  printScalar,
  S,
  SCALAR_ARITY,
  SCALAR_SEMANTICS,
  type Scalar,
  type ScalarFn,
  type ScalarLike,
  type ScalarOp,
  scalarFunction,
  substituteScalar,
} from "./scalar.js";
export type { Dim, Shape, Sizes } from "./shape.js";
export {
  addDims,
  broadcastIndex,
  broadcastShapes,
  formatShape,
  isDim,
  parseDim,
  reshapeMismatch,
  resolveDim,
  resolveShape,
  sameShape,
  sizeOf,
  strides,
  subDims,
} from "./shape.js";
export { simplify } from "./simplify.js";
export { countNodes, dependsOn, leavesOf, topo, users } from "./traverse.js";
