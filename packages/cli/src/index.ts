/**
 * `gated`: the one-import entry point. Re-exports, by name, the public API of @gated/graph
 * (nodes, autodiff, interpreter, printers), @gated/ops (the op set), @gated/codegen (kernels,
 * standalone modules) and @gated/rnn (cells, equation syntax, catalogue, layers, interop,
 * training, tasks), e.g.
 * `import { sigmoid, tanh, defineCell, parseCell, compileCell, emitModule } from "gated"`.
 */
export type {
  Dim, Shape, Sizes, JsExpr, Attrs, Tensor, OpKind, OpDef, Op, Rule, Bindings, LatexOptions, EquationOptions,
  NamedNode, DotOptions,
} from "@gated/graph";
export {
  formatShape, sameShape, broadcastShapes, resolveShape, resolveDim, parseDim, addDims, subDims, isDim,
  sizeOf, strides, js, renderJs, Node, apply, defineOp, ops, describe, input, param, constant, zeros, isLeaf,
  constValue, topo, countNodes, leavesOf, users, dependsOn, vjp, grad, jvp, simplify, evaluate, evaluateAll,
  prepareEvaluate, printText, printLets, printLatex, printLatexEquations, latexEquationLines, latexName,
  printDot, rule,
} from "@gated/graph";
export type {
  UnarySpec, BinarySpec, Axis,
} from "@gated/ops";
export {
  add, broadcastTo, div, exp, log, matmul, matvec, mul, neg, outer, pow, reshape, sigmoid, square, sub, sum,
  mean, sumTo, tanh, transpose, abs, concat, equal, greater, greaterEqual, less, lessEqual, log1p,
  logsigmoid, maximum, minimum, reciprocal, reduceMax, relu, sign, slice, softplus, sqrt, stopGradient,
  where, logsumexp, softmax, logSoftmax, unary, binary, comparison, OPS,
} from "@gated/ops";
export type {
  DType, FloatArray, StateSpec, Recurrence, ParamSlot, Params, ForwardOptions, Run, Cotangents, Gradients,
  KernelOptions, Kernel, Schedule, CompiledKernel, StreamState, CompileOptions, GraphSpec, GraphKernel,
  GraphRun, GraphGradients,
} from "@gated/codegen";
export {
  referenceKernel, stepVjp, layoutOf, makeParams, paramsFrom, initParamsFor, mulberry32, lower, compileCell,
  cellSizes, emitModule, emitTypes, minifyModule, toFunctions, printSchedule, compileGraph,
} from "@gated/codegen";
export type {
  Cell, CellSpec, StepContext, ParamInfo, ParamRole, InitSpec, SequenceModel, SequenceModelSpec,
  SequenceForwardOptions, SequenceRun, SequenceGradients, KernelFactory, InitScheme, CatalogueName,
  CellOptions, ForgetBiasOptions, ElmanOptions, LeakyOptions, IndRnnOptions, BookLstmOptions, GreffVariant,
  GreffOptions, LnLstmOptions, SLstmOptions, GlobalGateOptions, ChoGruOptions, SafeDType, SafeTensor,
  TensorInput, TensorData, StateDict, DictTensor, TorchKind, KindInfo, ModelDims, TorchBinding, BindEntry,
  TorchModel, Fixture, FixtureModel, ParityRow, ParityReport, GraphBackend, Loss, Pooling, PoolInputs,
  HeadSpec, HeadResult, Embedding, ModelSpec, Sample, BatchResult, Optimizer, OptimizerState, SgdOptions,
  AdamOptions, LrSchedule, Dataset, Splits, TrainOptions, StepRecord, EvalRecord, EpochRecord, History,
  Progress, Evaluation, TrainState, TrainStateJSON, CellFunction, CheckedCell, CheckedParam, Task,
  AddingOptions, CopyOptions, AmbiguousPolicy, NamesOptions, NamesLanguageOptions, CharVocab, TaskOptions,
} from "@gated/rnn";
export {
  defineCell, initValues, sequenceModel, INIT_SCHEMES, CATALOGUE, CATALOGUE_NAMES, getCell, forgetInit,
  elman, leaky, indRnn, lstm, bookLstm, peepholeLstm, greffLstm, GREFF_VARIANTS, lnLstm, layerNorm, sLstm,
  minLstm, groupedGateLstm, groupedGateGru, globalGateLstm, gru, choGru, mgu, minGru, mut1, mut2, mut3,
  readSafetensors, writeSafetensors, SafetensorsFile, parseStateDict, parseTensor, stateDictToJson,
  writeFileAtomic, readSafetensorsFile, writeSafetensorsFile, readStateDictFile, writeStateDictFile,
  TORCH_KINDS, TORCH_KIND_NAMES, kindInfo, torchShapes, torchSuffix, bindTorch, loadTorch, exportTorch,
  torchModel, loadTorchState, saveTorchState, parseFixture, fixtureModel, checkFixture, FIXTURE_FORMAT,
  FORWARD_TOL, GRADIENT_TOL, interpreterBackend, defaultBackend, mse, softmaxCrossEntropy,
  binaryCrossEntropy, lossByName, sampleLoss, pool, attentionPool, linear, Head, embed, embedBackward,
  initEmbedding, Model, sgd, adam, adamw, optimizerByName, clipGradNorm, constantSchedule, stepDecay, cosine,
  warmup, scheduleByName, Rng, mixSeed, fromArray, asDataset, splitDataset, Trainer, evaluateModel,
  stateToJSON, stateFromJSON, stateToTensors, stateFromTensors, parseCell, checkCellText, printCell,
  cellLatex, cellLatexLines, cellGradientLatex, cellGradientLines, CellSyntaxError, cellFunctions, generated,
  addingProblem, addingSample, copyMemory, copySample, namesTask, namesGender, namesLanguage, charVocab,
  foldAscii, getTask, TASK_NAMES,
} from "@gated/rnn";

// `gated parity` (commands/parity.ts), for tests/parity.test.ts and embedding
export { parityCommand, parityFile, formatParity, parityKernel, PARITY_USAGE, type ParityOptions } from "./commands/parity.js";
