export type {
  DType, FloatArray, StateSpec, Recurrence, ParamSlot, Params, ForwardOptions, Run, Cotangents, Gradients,
  KernelOptions, Kernel,
} from "./kernel.js";
