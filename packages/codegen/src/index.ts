export type { Backend, BackendOptions, KernelSource } from "./backends/backend.js";
export { jsBackend, jsKernelSource } from "./backends/js/index.js";
export { type JsOperand, scalarJs } from "./backends/js/scalar.js";
export {
  availableBackends,
  type BackendName,
  backends,
  defaultBackend,
  registerBackend,
  resolveBackend,
} from "./backends/registry.js";
// the wasm backend registers itself (backends.wasm) when its module is imported
export { wasmBackend, wasmKernelSource } from "./backends/wasm/index.js";
export {
  type CompiledKernel,
  type CompileOptions,
  compileCell,
  type StreamState,
} from "./kernel/compileCell.js";
export {
  compileGraph,
  type GraphGradients,
  type GraphKernel,
  type GraphRun,
  type GraphSpec,
} from "./kernel/compileGraph.js";
export { minifyModule } from "./kernel/minify.js";
export {
  type EmitOptions,
  emitModule,
  emitTypes,
  instantiate,
  kernelText,
  type ModuleApi,
  type ModuleSource,
  moduleBody,
  toFunctions,
} from "./kernel/module.js";
export {
  allocate,
  initParamsFor,
  layoutOf,
  layoutSize,
  makeParams,
  paramsFrom,
} from "./kernel/params.js";
export { checkLengths, referenceKernel } from "./kernel/reference.js";
export { MULBERRY32_STEP, mulberry32, mulberry32Mix } from "./kernel/rng.js";
export { cellSizes } from "./kernel/sizes.js";
export type {
  ArrayOf,
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
} from "./kernel/types.js";
export { type LowerOptions, lower, lowerProblem } from "./lower/lower.js";
export { extentOf, extentValue, planMemory } from "./lower/memory.js";
export {
  type Problem,
  problemOf,
  problemVjp,
  type StepVjp,
  stepVjp,
  type VjpOptions,
} from "./lower/problem.js";
export { commentText, sanitize, stringLiteral } from "./names.js";
export { printSchedule } from "./schedule/printSchedule.js";
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
} from "./schedule/schedule.js";
