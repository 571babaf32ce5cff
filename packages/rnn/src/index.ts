export { defineCell, initValues, type Cell, type CellSpec, type StepContext, type ParamInfo, type ParamRole, type InitSpec } from "./defineCell.js";

// --- sequence layers (layers/) ---
export {
  sequenceModel, type SequenceModel, type SequenceModelSpec, type SequenceForwardOptions, type SequenceRun,
  type SequenceGradients, type KernelFactory,
} from "./layers/sequenceModel.js";
export { runDirection, backDirection, type DirectionRun, type DirectionGrads } from "./layers/direction.js";
export { reverseWithin, zeroPadded } from "./layers/reverse.js";
export { initBlock, blockSeed, roleOf, INIT_SCHEMES, type InitScheme } from "./layers/init.js";

// --- cell catalogue (cells/, catalogue.ts) ---
export { CATALOGUE, CATALOGUE_NAMES, getCell, type CatalogueName } from "./catalogue.js";
export { forgetInit, type CellOptions, type ForgetBiasOptions } from "./cells/common.js";
export { elman, type ElmanOptions } from "./cells/elman.js";
export { leaky, type LeakyOptions } from "./cells/leaky.js";
export { indRnn, type IndRnnOptions } from "./cells/indRnn.js";
export { lstm } from "./cells/lstm.js";
export { bookLstm, type BookLstmOptions } from "./cells/bookLstm.js";
export { peepholeLstm } from "./cells/peepholeLstm.js";
export { greffLstm, GREFF_VARIANTS, type GreffVariant, type GreffOptions } from "./cells/greffLstm.js";
export { lnLstm, layerNorm, type LnLstmOptions } from "./cells/lnLstm.js";
export { sLstm, type SLstmOptions } from "./cells/sLstm.js";
export { minLstm } from "./cells/minLstm.js";
export { groupedGateLstm } from "./cells/groupedGateLstm.js";
export { groupedGateGru } from "./cells/groupedGateGru.js";
export { globalGateLstm, type GlobalGateOptions } from "./cells/globalGateLstm.js";
export { gru } from "./cells/gru.js";
export { choGru, type ChoGruOptions } from "./cells/choGru.js";
export { mgu } from "./cells/mgu.js";
export { minGru } from "./cells/minGru.js";
export { mut1 } from "./cells/mut1.js";
export { mut2 } from "./cells/mut2.js";
export { mut3 } from "./cells/mut3.js";

// --- PyTorch / safetensors interop and oracle fixtures (interop/) ---
export {
  readSafetensors, writeSafetensors, MAX_HEADER_BYTES, SafetensorsFile,
  type SafeDType, type SafeTensor, type TensorInput, type TensorData,
} from "./interop/safetensors.js";
export { parseStateDict, parseTensor, stateDictToJson, type StateDict, type DictTensor } from "./interop/stateDict.js";
export {
  writeFileAtomic, readSafetensorsFile, writeSafetensorsFile, readStateDictFile, writeStateDictFile,
} from "./interop/files.js";
export {
  TORCH_KINDS, TORCH_KIND_NAMES, kindInfo, torchShapes, torchSuffix, type TorchKind, type KindInfo, type ModelDims,
} from "./interop/torchKinds.js";
export { bindTorch, loadTorch, exportTorch, type TorchBinding, type BindEntry } from "./interop/torchBinding.js";
export { torchModel, loadTorchState, saveTorchState, type TorchModel } from "./interop/torchModel.js";
export {
  parseFixture, fixtureModel, checkFixture, FIXTURE_FORMAT, FORWARD_TOL, GRADIENT_TOL,
  type Fixture, type FixtureModel, type ParityRow, type ParityReport,
} from "./interop/fixture.js";

// --- training (train/) ---
export {
  interpreterBackend, compiledBackend, defaultBackend,
  type GraphBackend, type GraphProgram, type GraphSpec as HeadGraphSpec, type GraphRun as HeadGraphRun,
} from "./train/backend.js";
export { mse, softmaxCrossEntropy, binaryCrossEntropy, lossByName, sampleLoss, type Loss } from "./train/losses.js";
export { pool, attentionPool, linear, type Pooling, type PoolInputs } from "./train/heads.js";
export { Head, type HeadSpec, type HeadResult } from "./train/head.js";
export { embed, embedBackward, initEmbedding, type Embedding } from "./train/embedding.js";
export { Model, type ModelSpec, type Sample, type BatchResult } from "./train/model.js";
export {
  sgd, adam, adamw, optimizerByName, clipGradNorm,
  type Optimizer, type OptimizerState, type SgdOptions, type AdamOptions,
} from "./train/optimizers.js";
export { constant as constantSchedule, stepDecay, cosine, warmup, scheduleByName, type Schedule as LrSchedule } from "./train/schedules.js";
export { Rng, mixSeed } from "./train/rng.js";
export { fromArray, asDataset, split as splitDataset, type Dataset, type Splits } from "./train/data.js";
export {
  Trainer, evaluate as evaluateModel,
  type TrainOptions, type StepRecord, type EvalRecord, type EpochRecord, type History, type Progress, type Evaluation, type TrainState,
} from "./train/trainer.js";
export { stateToJSON, stateFromJSON, stateToTensors, stateFromTensors, type TrainStateJSON } from "./train/checkpoint.js";

// --- equation syntax (syntax/) ---
export { parseCell, checkCellText } from "./syntax/parseCell.js";
export { printCell } from "./syntax/printCell.js";
export { cellLatex, cellLatexLines, cellGradientLatex, cellGradientLines } from "./syntax/cellLatex.js";
export { CellSyntaxError, tokenize, type Pos, type Token } from "./syntax/lexer.js";
export { cellFunctions, type CellFunction } from "./syntax/functions.js";
export type { CheckedCell, CheckedParam } from "./syntax/check.js";

// --- tasks (tasks/) ---
export { generated, type Task } from "./tasks/task.js";
export { addingProblem, addingSample, type AddingOptions } from "./tasks/adding.js";
export { copyMemory, copySample, type CopyOptions } from "./tasks/copyMemory.js";
export { namesTask, type AmbiguousPolicy, type NamesOptions } from "./tasks/names.js";
export { namesGender } from "./tasks/namesGender.js";
export { namesLanguage, type NamesLanguageOptions } from "./tasks/namesLanguage.js";
export { charVocab, foldAscii, type CharVocab } from "./tasks/chars.js";
export { getTask, TASK_NAMES, type TaskOptions } from "./tasks/registry.js";
export { taskModel, type TaskModelOptions } from "./tasks/taskModel.js";
