export { type JsOperand, scalarJs } from "./backends/js/scalar.js";
export {
  type CompiledKernel,
  type CompileOptions,
  cellSizes,
  compileCell,
  type StreamState,
} from "./compileCell.js";
export {
  compileGraph,
  type GraphGradients,
  type GraphKernel,
  type GraphRun,
  type GraphSpec,
} from "./compileGraph.js";
export type {
  Cotangents,
  DType,
  FloatArray,
  ForwardOptions,
  Gradients,
  Kernel,
  KernelOptions,
  ParamSlot,
  Params,
  Recurrence,
  Run,
  StateSpec,
} from "./kernel.js";
export { lower, lowerProblem, type Problem, problemOf } from "./lower.js";
export { extentOf, extentValue, planMemory } from "./memory.js";
export { commentText, sanitize, stringLiteral } from "./names.js";
export { allocate, initParamsFor, layoutOf, makeParams, paramsFrom } from "./params.js";
export { printSchedule } from "./printSchedule.js";
export { checkLengths, referenceKernel, type StepVjp, stepVjp } from "./reference.js";
export { MULBERRY32_STEP, mulberry32, mulberry32Mix } from "./rng.js";
export type {
  BufferDecl,
  ElemType,
  Extent,
  Loc,
  MapLet,
  Operand,
  Proc,
  Rows,
  Schedule,
  Stmt,
} from "./schedule.js";
export {
  emitModule,
  emitTypes,
  kernelFunctions,
  minifyModule,
  moduleBody,
  toFunctions,
} from "./toModule.js";
