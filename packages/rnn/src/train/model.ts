/**
 * A sequence model assembled from parts: (embedding | dense input) → stacked, optionally
 * bidirectional RNN over any `Kernel` → pooling → linear head → loss. All parameters live in
 * one flat buffer (`params`, named slots in `layout`), which is what optimizers update and
 * checkpoints store. Gradients come from the kernels' BPTT and from `vjp` of the head graph.
 */
import {
  compileCell,
  type DType,
  type FloatArray,
  layoutSize,
  makeParams,
  mulberry32,
  type ParamSlot,
  type Params,
  type Recurrence,
} from "@gated/codegen";
import type { Sizes } from "@gated/graph";
import type { Cell } from "../defineCell.js";
import { blockSeed, type InitScheme } from "../layers/init.js";
import { type KernelFactory, type SequenceModel, sequenceModel } from "../layers/sequenceModel.js";
import { configOf, fillParams, readModelFile, writeModelFile } from "../model/file.js";
import { readBytes, writeBytes } from "../model/fs.js";
import {
  decodePrediction,
  encodeInput,
  type ModelTask,
  type PredictInput,
  type Prediction,
  type PredictShape,
} from "../model/predict.js";
import { defaultBackend, type GraphBackend } from "./backend.js";
import { type Embedding, embed, embedBackward, initEmbedding } from "./embedding.js";
import { Head, type HeadResult, poolSteps, unpoolSteps } from "./head.js";
import type { Pooling } from "./heads.js";
import { type Loss, lossByName } from "./losses.js";

export interface ModelSpec {
  /** The cell (any `Recurrence`: a catalogue cell, `defineCell`, `parseCell`). */
  readonly cell: Recurrence;
  readonly hidden: number;
  readonly layers?: number;
  readonly bidirectional?: boolean;
  /** Token inputs through an embedding table [vocab, dim]… */
  readonly embedding?: Embedding;
  /** …or dense features, `inputSize` per step. */
  readonly inputSize?: number;
  readonly pool: Pooling;
  /** Classes, or regression/binary outputs, per sample (or per step with pool "none"). */
  readonly outputs: number;
  readonly loss: Loss | "mse" | "cross-entropy" | "bce";
  readonly seed?: number;
  /** Initialisation scheme of the RNN (default: the cell's own). */
  readonly init?: InitScheme;
  readonly dtype?: DType;
  /** Kernel factory for the RNN (default `compileCell`; `referenceKernel` is the oracle). */
  readonly kernel?: KernelFactory;
  /** How head/loss graphs run (default: the best available). */
  readonly backend?: GraphBackend;
  /** Sizes of other symbolic dims of the cell. */
  readonly sizes?: Sizes;
  /** Truncated BPTT window. */
  readonly truncate?: number;
  /** Checkpointed BPTT (training runs): the state every K steps, `"auto"`: K ≈ √T. */
  readonly checkpoint?: number | "auto";
  /** The task's labels and text vocabulary, for `predict` and model files. */
  readonly task?: ModelTask;
}

/** What `Model.fromBytes`/`Model.load` take besides the file (how to run it, not what it is). */
export type LoadOptions = Pick<ModelSpec, "kernel" | "backend">;

/** One example: ids [T] (embedding) or features [T·I]; target: a class, values, or per step. */
export interface Sample {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number> | number;
}

export interface BatchResult {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** Per-sample losses. */
  readonly losses: Float64Array;
  /** Predictions (logits or values), [B][C] or [B][T][C] (T = the batch's padded length). */
  readonly pred: Float64Array;
  readonly T: number;
  /** Correct predictions and how many were scored (0 when the loss has no accuracy). */
  readonly correct: number;
  readonly count: number;
}

export class Model {
  readonly rnn: SequenceModel;
  readonly head: Head;
  readonly loss: Loss;
  readonly layout: readonly ParamSlot[];
  readonly size: number;
  readonly dtype: DType;
  /** All parameters, flat: [embedding][rnn][head]. */
  readonly params: FloatArray;
  /** Where the RNN's and the head's parameters start in `params`. */
  readonly rnnOffset: number;
  readonly headOffset: number;
  private readonly rnnParams: Params;
  private readonly inputSize: number;
  /**
   * Slots of the cell's `fixed` parameters (structure such as group assignments, not weights):
   * their gradient is zero and `keepFrozen` undoes any optimizer change (e.g. weight decay).
   */
  readonly frozen: readonly ParamSlot[];
  private frozenValues: FloatArray[] = [];

  constructor(readonly spec: ModelSpec) {
    this.dtype = spec.dtype ?? "float64";
    this.loss = typeof spec.loss === "string" ? lossByName(spec.loss) : spec.loss;
    if (!!spec.embedding === (spec.inputSize !== undefined))
      throw new Error("model: give exactly one of embedding or inputSize");
    this.inputSize = spec.embedding ? spec.embedding.dim : spec.inputSize!;
    this.rnn = sequenceModel({
      cell: spec.cell,
      inputSize: this.inputSize,
      hiddenSize: spec.hidden,
      numLayers: spec.layers ?? 1,
      bidirectional: spec.bidirectional ?? false,
      dtype: this.dtype,
      ...(spec.sizes ? { sizes: spec.sizes } : {}),
      kernel: spec.kernel ?? compileCell,
    });
    this.head = new Head(
      { pool: spec.pool, outputs: spec.outputs, loss: this.loss },
      this.rnn.outputSize,
      spec.backend ?? defaultBackend(),
    );
    const embSize = spec.embedding ? spec.embedding.vocab * spec.embedding.dim : 0;
    this.rnnOffset = embSize;
    this.headOffset = embSize + layoutSize(this.rnn.layout);
    this.size = this.headOffset + this.head.size;
    this.layout = [
      ...(spec.embedding
        ? [
            {
              name: "embedding",
              shape: [spec.embedding.vocab, spec.embedding.dim],
              offset: 0,
              size: embSize,
            },
          ]
        : []),
      ...this.rnn.layout.map((s) => ({ ...s, offset: s.offset + this.rnnOffset })),
      ...this.head.layout.map((s) => ({ ...s, offset: s.offset + this.headOffset })),
    ];
    this.params =
      this.dtype === "float32" ? new Float32Array(this.size) : new Float64Array(this.size);
    this.rnnParams = makeParams(
      this.rnn.layout,
      this.params.subarray(this.rnnOffset, this.headOffset),
    );
    const fixed = ((spec.cell as Partial<Cell>).paramInfo ?? [])
      .filter((p) => p.role === "fixed")
      .map((p) => p.name);
    const frozenNames = new Set<string>();
    for (let l = 0; l < this.rnn.numLayers; l++)
      for (let d = 0; d < this.rnn.D; d++)
        for (const f of fixed) frozenNames.add(`${f}${this.rnn.suffix(l, d)}`);
    this.frozen = this.layout.filter((s) => frozenNames.has(s.name));
    this.init(spec.seed ?? 0);
  }

  /** Restores the frozen parameters to their initial values (after an optimizer step). */
  keepFrozen(): void {
    this.frozen.forEach((s, k) => this.params.set(this.frozenValues[k]!, s.offset));
  }

  /** Seeded initial values: embedding N(0,1), the RNN's scheme, the head U(±1/√fan_in). */
  init(seed: number): void {
    const emb = this.spec.embedding;
    if (emb) initEmbedding(mulberry32(blockSeed(seed, -1, 0)), this.params, 0, this.rnnOffset);
    const p = this.rnn.initParams({ seed, ...(this.spec.init ? { scheme: this.spec.init } : {}) });
    this.params.set(p.data, this.rnnOffset);
    this.head.init(mulberry32(blockSeed(seed, -2, 0)), this.params.subarray(this.headOffset));
    this.frozenValues = this.frozen.map((s) => this.params.slice(s.offset, s.offset + s.size));
  }

  /** Named view of one parameter (writes go through to `params`). */
  get(name: string): FloatArray {
    const s = this.layout.find((l) => l.name === name);
    if (!s)
      throw new Error(
        `unknown parameter "${name}" (parameters: ${this.layout.map((l) => l.name).join(", ")})`,
      );
    return this.params.subarray(s.offset, s.offset + s.size);
  }

  /** Sequence length of a sample. */
  lengthOf(s: Sample): number {
    const n = this.spec.embedding ? s.x.length : s.x.length / this.inputSize;
    if (!Number.isInteger(n))
      throw new Error(
        `sample x has ${s.x.length} values, not a multiple of the input size ${this.inputSize}`,
      );
    return n;
  }

  /** Replaces all parameters (e.g. trained ones); the frozen ones become these values too. */
  setParams(data: ArrayLike<number>): void {
    if (data.length !== this.size)
      throw new Error(`model: ${data.length} parameter values given, the model has ${this.size}`);
    this.params.set(data);
    this.frozenValues = this.frozen.map((s) => this.params.slice(s.offset, s.offset + s.size));
  }

  /** Raw outputs (logits or values) per input: [C], or [T][C] per step. */
  outputs(xs: readonly ArrayLike<number>[]): Float64Array[] {
    const B = xs.length;
    if (B === 0) return [];
    const lengths = Int32Array.from(xs, (x) => this.lengthOf({ x, y: 0 }));
    const T = Math.max(...lengths);
    const emb = this.spec.embedding;
    const x = emb
      ? embed(this.params.subarray(0, this.rnnOffset), emb, xs, T)
      : dense(xs, this.inputSize, T);
    const run = this.rnn.forward(this.rnnParams, x, { batch: B, lengths, tape: false });
    const C = this.spec.outputs;
    const steps = this.head.perStep ? T : 1;
    const zeros = new Float64Array(B * steps * C);
    const h = this.runHead(run.output, lengths, T, zeros, false);
    return xs.map((_, b) =>
      h.pred.slice(b * steps * C, (b * steps + (this.head.perStep ? lengths[b]! : 1)) * C),
    );
  }

  /** What `encodeInput`/`decodePrediction` need to know of this model. */
  get predictShape(): PredictShape {
    const emb = this.spec.embedding;
    return {
      tokens: !!emb,
      inputSize: this.inputSize,
      vocab: emb ? emb.vocab : 0,
      outputs: this.spec.outputs,
      loss: this.loss.name,
      perStep: this.head.perStep,
      ...(this.spec.task ? { task: this.spec.task } : {}),
    };
  }

  /**
   * Predictions for inputs: text for character models (e.g. a name → a label with
   * probabilities), token ids, or features per step ([T·I] or [T][I]; e.g. the adding problem
   * → its sum).
   */
  predict(input: PredictInput): Prediction {
    return this.predictAll([input])[0]!;
  }

  predictAll(inputs: readonly PredictInput[]): Prediction[] {
    const m = this.predictShape;
    return this.outputs(inputs.map((i) => encodeInput(m, i))).map((o) => decodePrediction(m, o));
  }

  /** The model as named tensors + configuration: one safetensors file (see model/file.ts). */
  toBytes(opts: { readonly writer?: string } = {}): Uint8Array {
    const s = this.spec;
    const config = configOf({ ...s, ...opts, lossName: this.loss.name, dtype: this.dtype });
    return writeModelFile({ config, slots: this.fileSlots(), params: this.params });
  }

  /** A model from `toBytes` (or `save`); refuses files it cannot fully check. */
  static fromBytes(bytes: Uint8Array, opts: LoadOptions = {}): Model {
    const f = readModelFile(bytes);
    const c = f.config;
    const m = new Model({
      cell: f.cell,
      hidden: c.hidden,
      layers: c.layers,
      bidirectional: c.bidirectional,
      ...(c.input.kind === "tokens"
        ? { embedding: { vocab: c.input.vocab, dim: c.input.dim } }
        : { inputSize: c.input.size }),
      pool: c.pool,
      outputs: c.outputs,
      loss: c.loss === "binary-cross-entropy" ? "bce" : c.loss,
      dtype: c.dtype,
      ...(c.sizes ? { sizes: c.sizes } : {}),
      ...(c.task ? { task: c.task } : {}),
      ...opts,
    });
    const params = new Float64Array(m.size);
    fillParams(f, m.fileSlots(), params);
    m.setParams(params);
    return m;
  }

  /** Writes `toBytes()` to a file (Node; atomic: temp file + rename). */
  save(path: string): void {
    writeBytes(path, this.toBytes(), "model.save");
  }

  /** Reads a model file (Node); errors name the file. */
  static load(path: string, opts: LoadOptions = {}): Model {
    const bytes = readBytes(path, "Model.load");
    try {
      return Model.fromBytes(bytes, opts);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  }

  /** Parameter slots with their tensor names in a model file. */
  fileSlots(): (ParamSlot & { readonly file: string })[] {
    return this.layout.map((s) => ({
      ...s,
      file:
        s.offset < this.rnnOffset
          ? s.name
          : s.offset < this.headOffset
            ? `rnn.${s.name}`
            : `head.${s.name}`,
    }));
  }

  /**
   * The head on the RNN's time-major output [T][B][D]: pooling "last" and "mean" read the
   * steps where they are; the others take the sequences batch-major.
   */
  private runHead(
    out: ArrayLike<number>,
    lengths: Int32Array,
    T: number,
    targets: Float64Array,
    grad: boolean,
  ): HeadResult {
    const p = this.params.subarray(this.headOffset);
    const B = lengths.length,
      D = this.rnn.outputSize;
    if (this.head.pools) {
      const h = poolSteps(this.head.pools, out, lengths, (b, t) => (t * B + b) * D, D);
      return this.head.runPooled(p, h, targets, grad);
    }
    return this.head.run(p, toBatchMajor(out, T, B, D), lengths, T, targets, grad);
  }

  /** Mean loss over the batch and, if `grads` is given, its gradient written into `grads`. */
  run(samples: readonly Sample[], grads?: FloatArray): BatchResult {
    const B = samples.length;
    if (B === 0) throw new Error("model: empty batch");
    const lengths = Int32Array.from(samples, (s) => this.lengthOf(s));
    const T = Math.max(...lengths);
    const I = this.inputSize;
    const emb = this.spec.embedding;
    const ids = samples.map((s) => s.x);
    const x = emb ? embed(this.params.subarray(0, this.rnnOffset), emb, ids, T) : dense(ids, I, T);
    const run = this.rnn.forward(this.rnnParams, x, {
      batch: B,
      lengths,
      ...(this.spec.truncate ? { truncate: this.spec.truncate } : {}),
      // predictions and evaluation keep no tape; training may checkpoint it
      ...(grads === undefined
        ? { tape: false }
        : this.spec.checkpoint !== undefined
          ? { checkpoint: this.spec.checkpoint }
          : {}),
    });
    const Dout = this.rnn.outputSize;
    const targets = this.head.encodeTargets(
      samples.map((s) => s.y),
      lengths,
      T,
    );
    const h = this.runHead(run.output, lengths, T, targets, grads !== undefined);
    if (grads) {
      if (grads.length !== this.size)
        throw new Error(`model: gradient buffer has ${grads.length} values, needs ${this.size}`);
      grads.fill(0);
      grads.set(h.dparams!, this.headOffset);
      // the RNN's output cotangent, [T][B][D]: at each last step only, or from the whole head
      const dOut = h.dpooled ? new Float64Array(T * B * Dout) : toTimeMajor(h.dseq!, T, B, Dout);
      if (h.dpooled && this.head.pools)
        unpoolSteps(this.head.pools, h.dpooled, lengths, dOut, (b, t) => (t * B + b) * Dout);
      const g = this.rnn.backward(run, { output: dOut });
      grads.set(g.params.data, this.rnnOffset);
      for (const f of this.frozen) grads.fill(0, f.offset, f.offset + f.size);
      if (emb) embedBackward(grads, 0, emb, ids, g.input);
    }
    const { correct, count } = score(
      this.loss,
      h.pred,
      targets,
      lengths,
      T,
      this.spec.outputs,
      this.head.perStep,
    );
    let sum = 0;
    for (const l of h.loss) sum += l;
    return { loss: sum / B, losses: h.loss, pred: h.pred, T, correct, count };
  }
}

/** Dense features [B] × [T_b·I] -> [T][B][I], zero-padded. */
function dense(xs: readonly ArrayLike<number>[], I: number, T: number): Float64Array {
  const B = xs.length;
  const out = new Float64Array(T * B * I);
  xs.forEach((x, b) => {
    for (let t = 0; t < x.length / I; t++)
      for (let i = 0; i < I; i++) out[(t * B + b) * I + i] = x[t * I + i]!;
  });
  return out;
}

function toBatchMajor(a: ArrayLike<number>, T: number, B: number, D: number): Float64Array {
  const out = new Float64Array(T * B * D);
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      for (let d = 0; d < D; d++) out[(b * T + t) * D + d] = a[(t * B + b) * D + d]!;
  return out;
}

function toTimeMajor(a: ArrayLike<number>, T: number, B: number, D: number): Float64Array {
  const out = new Float64Array(T * B * D);
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      for (let d = 0; d < D; d++) out[(t * B + b) * D + d] = a[(b * T + t) * D + d]!;
  return out;
}

/** Accuracy counts: arg-max vs the one-hot target, or sign of the logit vs a 0/1 target. */
function score(
  loss: Loss,
  pred: Float64Array,
  targets: Float64Array,
  lengths: Int32Array,
  T: number,
  C: number,
  perStep: boolean,
): { correct: number; count: number } {
  if (!loss.metric) return { correct: 0, count: 0 };
  let correct = 0,
    count = 0;
  const steps = perStep ? T : 1;
  for (let b = 0; b < lengths.length; b++) {
    const n = perStep ? lengths[b]! : 1;
    for (let t = 0; t < n; t++) {
      const o = (b * steps + t) * C;
      if (loss.metric === "accuracy") {
        let best = 0;
        for (let c = 1; c < C; c++) if (pred[o + c]! > pred[o + best]!) best = c;
        correct += targets[o + best] === 1 ? 1 : 0;
        count++;
      } else {
        for (let c = 0; c < C; c++) correct += pred[o + c]! > 0 === targets[o + c]! >= 0.5 ? 1 : 0;
        count += C;
      }
    }
  }
  return { correct, count };
}
