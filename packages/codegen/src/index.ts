export type {
  DType, FloatArray, StateSpec, Recurrence, ParamSlot, Params, ForwardOptions, Run, Cotangents, Gradients,
  KernelOptions, Kernel,
} from "./kernel.js";
export { referenceKernel, stepVjp, checkLengths, type StepVjp } from "./reference.js";
export { layoutOf, makeParams, paramsFrom, initParamsFor, allocate } from "./params.js";
export { mulberry32, mulberry32Mix, MULBERRY32_STEP } from "./rng.js";
export type { Schedule, Proc, Stmt, Loc, BufferDecl, Rows, Operand, MapLet } from "./schedule.js";
export { lower, lowerProblem, problemOf, type Problem } from "./lower.js";
export { compileCell, cellSizes, type CompiledKernel, type StreamState, type CompileOptions } from "./compileCell.js";
export { emitModule, emitTypes, minifyModule, moduleBody, toFunctions, kernelFunctions } from "./toModule.js";
export { sanitize, commentText, stringLiteral } from "./names.js";
export { printSchedule } from "./printSchedule.js";
export { compileGraph, type GraphSpec, type GraphKernel, type GraphRun, type GraphGradients } from "./compileGraph.js";
