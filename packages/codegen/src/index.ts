export type {
  DType, FloatArray, StateSpec, Recurrence, ParamSlot, Params, ForwardOptions, Run, Cotangents, Gradients,
  KernelOptions, Kernel,
} from "./kernel.js";
export { referenceKernel, stepVjp, checkLengths, type StepVjp } from "./reference.js";
export { layoutOf, makeParams, paramsFrom, initParamsFor, allocate } from "./params.js";
export { mulberry32 } from "./rng.js";
