export { defineCell, initValues, type Cell, type CellSpec, type StepContext, type ParamInfo, type ParamRole, type InitSpec } from "./defineCell.js";

// --- sequence layers (layers/) ---
export {
  sequenceModel, type SequenceModel, type SequenceModelSpec, type SequenceForwardOptions, type SequenceRun,
  type SequenceGradients, type KernelFactory,
} from "./layers/sequenceModel.js";
export { runDirection, backDirection, type DirectionRun, type DirectionGrads } from "./layers/direction.js";
export { reverseWithin, zeroPadded } from "./layers/reverse.js";
export { initBlock, blockSeed, roleOf, INIT_SCHEMES, type InitScheme } from "./layers/init.js";
