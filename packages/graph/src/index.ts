export type { Dim, Shape, Sizes } from "./shape.js";
export {
  formatShape, sameShape, broadcastShapes, broadcastIndex, resolveShape, resolveDim, parseDim, addDims, subDims, isDim, sizeOf, strides,
} from "./shape.js";
export type { JsExpr, JsHole } from "./jsExpr.js";
export { js, jsRef, renderJs } from "./jsExpr.js";
export type {
  Attrs, AttrValue, Tensor, OpKind, OpDef, Op, VjpArgs, JvpArgs, Domain, Notation, ReduceFacet, Rule, Builders,
} from "./node.js";
export { Node, apply, defineOp, bindBuilders, ops, describe } from "./node.js";
export { input, param, constant, zeros, isLeaf, constValue } from "./leaves.js";
export { topo, countNodes, leavesOf, users, dependsOn } from "./traverse.js";
export { vjp, grad, jvp } from "./autodiff.js";
export { simplify } from "./simplify.js";
export { evaluate, evaluateAll, prepareEvaluate, type Bindings } from "./evaluate.js";
export { printText, printLets, textLeaf } from "./print/text.js";
export { printLatex, printLatexEquations, latexEquationLines, latexName, latexNumber, latexLeaf, type LatexOptions, type EquationOptions, type NamedNode } from "./print/latex.js";
export { printDot, dotEscape, type DotOptions } from "./print/dot.js";
export { renderNode, renderTree, type Rendered, type Target } from "./print/core.js";
export { rule, P, X, Y, Z, type Pattern, type Match } from "./rule.js";
