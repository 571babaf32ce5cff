// The browser-safe entry: no Node built-ins, no file reads. File access and the tasks whose data
// are read from files are in `@gated/rnn/node` (node.ts).
// --- cell catalogue (cells/, catalogue.ts) ---
export { CATALOGUE, CATALOGUE_NAMES, type CatalogueName, getCell } from "./catalogue.js";
export { type BookLstmOptions, bookLstm } from "./cells/bookLstm.js";
export { type ChoGruOptions, choGru } from "./cells/choGru.js";
export { type CellOptions, type ForgetBiasOptions, forgetInit } from "./cells/common.js";
export { type ElmanOptions, elman } from "./cells/elman.js";
export { type GlobalGateOptions, globalGateLstm } from "./cells/globalGateLstm.js";
export {
  GREFF_VARIANTS,
  type GreffOptions,
  type GreffVariant,
  greffLstm,
} from "./cells/greffLstm.js";
export { groupedGateGru } from "./cells/groupedGateGru.js";
export { groupedGateLstm } from "./cells/groupedGateLstm.js";
export { gru } from "./cells/gru.js";
export { type IndRnnOptions, indRnn } from "./cells/indRnn.js";
export { type LeakyOptions, leaky } from "./cells/leaky.js";
export { type LnLstmOptions, layerNorm, lnLstm } from "./cells/lnLstm.js";
export { lstm } from "./cells/lstm.js";
export { mgu } from "./cells/mgu.js";
export { minGru } from "./cells/minGru.js";
export { minLstm } from "./cells/minLstm.js";
export { mut1 } from "./cells/mut1.js";
export { mut2 } from "./cells/mut2.js";
export { mut3 } from "./cells/mut3.js";
export { peepholeLstm } from "./cells/peepholeLstm.js";
export { type SLstmOptions, sLstm } from "./cells/sLstm.js";
export {
  type Cell,
  type CellSpec,
  defineCell,
  hasOwnOutput,
  type InitSpec,
  initValues,
  type ParamInfo,
  type ParamRole,
  type StepContext,
} from "./defineCell.js";
export { BindingError, FileFormatError } from "./errors.js";
// --- export to PyTorch / ONNX, import of Keras, TF.js and ONNX layouts (interop/export, interop/import) ---
export {
  defaultParams,
  exportOnnx,
  ONNX_OPSET,
  type OnnxExportOptions,
} from "./interop/export/onnx.js";
export { exportPytorch, type TorchExportOptions } from "./interop/export/torch.js";
export {
  checkFixture,
  FIXTURE_FORMAT,
  type Fixture,
  type FixtureModel,
  FORWARD_TOL,
  fixtureModel,
  GRADIENT_TOL,
  type ParityReport,
  type ParityRow,
  parseFixture,
} from "./interop/fixture.js";
export {
  IMPORT_FORMATS,
  type ImportedWeights,
  type ImportFormat,
  type ImportKind,
  type ImportOptions,
  importWeights,
} from "./interop/import/layouts.js";
export { modelWithParams, paramsByName } from "./interop/import/model.js";
export { type OnnxRecurrent, readOnnxRecurrent } from "./interop/import/onnxRead.js";
// --- PyTorch / safetensors interop and oracle fixtures (interop/) ---
export {
  MAX_HEADER_BYTES,
  readSafetensors,
  type SafeDType,
  type SafeTensor,
  SafetensorsFile,
  type TensorData,
  type TensorInput,
  writeSafetensors,
} from "./interop/safetensors.js";
export {
  type DictTensor,
  parseStateDict,
  parseTensor,
  type StateDict,
  stateDictToJson,
} from "./interop/stateDict.js";
export {
  type BindEntry,
  bindTorch,
  exportTorch,
  loadTorch,
  type TorchBinding,
} from "./interop/torchBinding.js";
export {
  type KindInfo,
  kindInfo,
  type ModelDims,
  TORCH_KIND_NAMES,
  TORCH_KINDS,
  type TorchKind,
  torchShapes,
  torchSuffix,
} from "./interop/torchKinds.js";
export {
  loadTorchState,
  saveTorchState,
  type TorchModel,
  torchModel,
} from "./interop/torchModel.js";
export {
  backDirection,
  type DirectionGrads,
  type DirectionRun,
  runDirection,
} from "./layers/direction.js";
export { blockSeed, INIT_SCHEMES, type InitScheme, initBlock, roleOf } from "./layers/init.js";
export { reverseWithin, zeroPadded } from "./layers/reverse.js";
// --- sequence layers (layers/) ---
export {
  type KernelFactory,
  type SequenceForwardOptions,
  type SequenceGradients,
  type SequenceModel,
  type SequenceModelSpec,
  type SequenceRun,
  sequenceModel,
} from "./layers/sequenceModel.js";
export { emitModelModule, emitModelTypes } from "./model/exportModule.js";
// --- trained models: files, prediction, standalone modules (model/) ---
export {
  checkConfig as checkModelConfig,
  MODEL_FORMAT,
  type ModelConfig,
} from "./model/file.js";
export {
  decodePrediction,
  encodeInput,
  formatPrediction,
  type ModelTask,
  type PredictInput,
  type Prediction,
} from "./model/predict.js";
export {
  cellGradientLatex,
  cellGradientLines,
  cellLatex,
  cellLatexLines,
} from "./syntax/cellLatex.js";
export type { CellWarning, CheckedCell, CheckedParam } from "./syntax/check.js";
export { type CellFunction, cellFunctions } from "./syntax/functions.js";
export {
  CellShapeError,
  CellSyntaxError,
  type Pos,
  type Token,
  tokenize,
} from "./syntax/lexer.js";
// --- equation syntax (syntax/) ---
export {
  cellDimDefaults,
  cellWarnings,
  checkCellSizes,
  checkCellText,
  parseCell,
} from "./syntax/parseCell.js";
export { printCell } from "./syntax/printCell.js";
export { type AddingOptions, addingProblem, addingSample } from "./tasks/adding.js";
export { type CharVocab, charVocab, foldAscii, normalizeText } from "./tasks/chars.js";
export { type CopyOptions, copyMemory, copySample } from "./tasks/copyMemory.js";
export { type AmbiguousPolicy, type NamesOptions, namesTask } from "./tasks/names.js";
// getTask here builds the generated tasks; the names tasks read files: `@gated/rnn/node`
export { getTask, TASK_NAMES, type TaskOptions } from "./tasks/registry.js";
// --- tasks (tasks/) ---
export { generated, type Task, type TextInput, type TextNormalize } from "./tasks/task.js";
export { type TaskModelOptions, taskInfo, taskModel } from "./tasks/taskModel.js";
// --- training (train/) ---
export {
  compiledBackend,
  defaultBackend,
  type GraphBackend,
  type GraphProgram,
  type GraphRun as HeadGraphRun,
  type GraphSpec as HeadGraphSpec,
  interpreterBackend,
} from "./train/backend.js";
export {
  stateFromJSON,
  stateFromTensors,
  stateToJSON,
  stateToTensors,
  type TrainStateJSON,
} from "./train/checkpoint.js";
export {
  asDataset,
  type Dataset,
  fromArray,
  type Splits,
  split as splitDataset,
} from "./train/data.js";
export { type Embedding, embed, embedBackward, initEmbedding } from "./train/embedding.js";
export { Head, type HeadResult, type HeadSpec } from "./train/head.js";
export { attentionPool, linear, type PoolInputs, type Pooling, pool } from "./train/heads.js";
export {
  binaryCrossEntropy,
  type Loss,
  lossByName,
  mse,
  sampleLoss,
  softmaxCrossEntropy,
} from "./train/losses.js";
export {
  type BatchResult,
  type LoadOptions,
  Model,
  type ModelSpec,
  type Sample,
} from "./train/model.js";
export {
  type AdamOptions,
  adam,
  adamw,
  clipGradNorm,
  type Optimizer,
  type OptimizerState,
  optimizerByName,
  type SgdOptions,
  sgd,
} from "./train/optimizers.js";
export { mixSeed, Rng } from "./train/rng.js";
export {
  constant as constantSchedule,
  cosine,
  type Schedule as LrSchedule,
  scheduleByName,
  stepDecay,
  warmup,
} from "./train/schedules.js";
export {
  type EpochRecord,
  type EvalRecord,
  type Evaluation,
  evaluate as evaluateModel,
  type History,
  type Progress,
  type StepRecord,
  Trainer,
  type TrainOptions,
  type TrainState,
} from "./train/trainer.js";
