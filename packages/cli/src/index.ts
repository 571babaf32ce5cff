/**
 * `gated`: the one-import entry point. Re-exports the public API of @gated/graph, @gated/ops,
 * @gated/codegen and @gated/rnn by name, e.g.
 * `import { sigmoid, tanh, defineCell, parseCell, compileCell, emitModule } from "gated"`.
 */
export type { Dim, Shape, Sizes, JsExpr, Attrs, OpDef, Op, Tensor, Bindings } from "@gated/graph";
export {
  Node, apply, defineOp, input, param, constant, zeros, topo, users, dependsOn, vjp, grad, jvp, simplify,
  evaluate, prepareEvaluate, printText, printLets, printLatex, printLatexEquations, printDot, rule, js, formatShape,
} from "@gated/graph";
export {
  OPS, add, sub, mul, div, neg, exp, log, square, tanh, sigmoid, pow, matvec, matmul, outer, transpose, sum, mean,
  sumTo, broadcastTo, reshape, unary, binary,
} from "@gated/ops";
export type { DType, FloatArray, Recurrence, Kernel, KernelOptions, Params, ParamSlot, Run, Cotangents, Gradients, ForwardOptions } from "@gated/codegen";
export { referenceKernel, stepVjp, mulberry32 } from "@gated/codegen";
export type { Cell, CellSpec, StepContext, ParamInfo, ParamRole, InitSpec } from "@gated/rnn";
export { defineCell, initValues } from "@gated/rnn";
export { parityCommand, parityFile, formatParity, parityKernel, PARITY_USAGE, type ParityOptions } from "./commands/parity.js";
