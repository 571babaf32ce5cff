/**
 * The training loop: seeded minibatches, optimizer + clipping + schedule, periodic evaluation,
 * a metric history for reports, a progress callback, and a serialisable state (parameters,
 * optimizer state, shuffling RNG state, position) from which a resumed run reaches exactly the
 * same final parameters as an uninterrupted one.
 */
import type { FloatArray } from "@gated/codegen";
import { asDataset, type Dataset } from "./data.js";
import type { Model, Sample } from "./model.js";
import { clipGradNorm, type Optimizer, type OptimizerState } from "./optimizers.js";
import { Rng } from "./rng.js";
import { constant, type Schedule } from "./schedules.js";

export interface TrainOptions {
  readonly optimizer: Optimizer;
  readonly batchSize: number;
  /** Seed of the minibatch order (default 0). */
  readonly seed?: number;
  readonly schedule?: Schedule;
  /** Clip the gradient to this global L2 norm. */
  readonly clipNorm?: number;
  /** Stop after this many steps in total… */
  readonly steps?: number;
  /** …or after this many epochs (whichever comes first; at least one must be given). */
  readonly epochs?: number;
  readonly validation?: Dataset | readonly Sample[];
  /** Evaluate on `validation` every this many steps (default: at each epoch's end only). */
  readonly evalEvery?: number;
  /** Batch size for evaluation (default 256). */
  readonly evalBatchSize?: number;
  /** Called after every step and evaluation; return "stop" to end the run early (resumable). */
  readonly onProgress?: (p: Progress) => void | "stop";
}

export interface StepRecord {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy?: number;
  readonly lr: number;
  readonly gradNorm: number;
}

export interface EvalRecord {
  readonly step: number;
  readonly epoch: number;
  readonly split: string;
  readonly loss: number;
  readonly accuracy?: number;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly step: number;
  /** Mean training loss (and accuracy) over the epoch's samples. */
  readonly loss: number;
  readonly accuracy?: number;
}

export interface History {
  readonly steps: StepRecord[];
  readonly evals: EvalRecord[];
  readonly epochs: EpochRecord[];
}

export type Progress =
  | ({ readonly kind: "step"; readonly totalSteps: number | undefined } & StepRecord)
  | ({ readonly kind: "eval" } & EvalRecord)
  | ({ readonly kind: "epoch" } & EpochRecord);

export interface Evaluation {
  readonly loss: number;
  readonly accuracy?: number;
  readonly samples: number;
}

/** Everything a resumed run needs. Plain data (typed arrays); see `stateToJSON`. */
export interface TrainState {
  readonly step: number;
  readonly epoch: number;
  /** Batches already taken in the current epoch. */
  readonly batch: number;
  /** The shuffling RNG's state at the start of the current epoch. */
  readonly rng: number;
  /** Running sums of the current epoch: loss·samples, correct, scored, samples. */
  readonly running: readonly number[];
  readonly params: Float64Array;
  readonly optimizer: OptimizerState;
  readonly history: History;
}

export class Trainer {
  step = 0;
  epoch = 0;
  history: History = { steps: [], evals: [], epochs: [] };
  private batch = 0;
  private rng: Rng;
  private epochRng: number;
  private perm: Int32Array | null = null;
  private running = [0, 0, 0, 0];
  private readonly grads: FloatArray;

  constructor(
    readonly model: Model,
    readonly options: TrainOptions,
  ) {
    if (!(Number.isInteger(options.batchSize) && options.batchSize > 0))
      throw new Error(`trainer: batchSize must be a positive integer, got ${options.batchSize}`);
    if (options.steps === undefined && options.epochs === undefined)
      throw new Error("trainer: give steps or epochs (or both)");
    this.rng = new Rng(options.seed ?? 0);
    this.epochRng = this.rng.state;
    this.grads =
      model.dtype === "float32" ? new Float32Array(model.size) : new Float64Array(model.size);
  }

  /** Trains until the budget is spent or `onProgress` says "stop"; returns the history. */
  fit(train: Dataset | readonly Sample[]): History {
    const it = this.iterate(asDataset(train));
    while (!it.next().done);
    return this.history;
  }

  /** Like `fit`, but yields to the event loop every `sliceMs` so signals (Ctrl-C) are seen. */
  async fitAsync(train: Dataset | readonly Sample[], sliceMs = 50): Promise<History> {
    const it = this.iterate(asDataset(train));
    let mark = Date.now();
    while (!it.next().done) {
      if (Date.now() - mark >= sliceMs) {
        await new Promise((r) => setImmediate(r));
        mark = Date.now();
      }
    }
    return this.history;
  }

  /** Whether the budget is spent. */
  done(train: Dataset | readonly Sample[]): boolean {
    const d = asDataset(train);
    const o = this.options;
    return (
      (o.steps !== undefined && this.step >= o.steps) ||
      (o.epochs !== undefined && this.epoch >= o.epochs) ||
      d.size === 0
    );
  }

  /** One training step per iteration. */
  *iterate(data: Dataset): Generator<StepRecord, void> {
    const o = this.options;
    const B = o.batchSize;
    const perEpoch = Math.ceil(data.size / B);
    const schedule = o.schedule ?? constant();
    while (!this.done(data)) {
      // ordered data (e.g. an unbounded generated stream) is read in order, never permuted
      if (this.perm === null && !data.ordered) {
        this.rng.state = this.epochRng;
        this.perm = this.rng.permutation(data.size);
      }
      const start = this.batch * B;
      const n = Math.min(data.size, start + B) - start;
      const samples = Array.from({ length: n }, (_, k) =>
        data.get(this.perm ? this.perm[start + k]! : start + k),
      );
      const res = this.model.run(samples, this.grads);
      const gradNorm =
        o.clipNorm !== undefined ? clipGradNorm(this.grads, o.clipNorm) : norm(this.grads);
      const lr = o.optimizer.lr * schedule(this.step);
      o.optimizer.step(this.model.params, this.grads, lr);
      this.model.keepFrozen();
      if (!allFinite(this.model.params))
        throw new Error(
          `training diverged at step ${this.step}: a parameter is not finite (lower the learning rate or clip gradients)`,
        );
      this.step++;
      this.batch++;
      const r = this.running;
      r[0]! += res.loss * samples.length;
      r[1]! += res.correct;
      r[2]! += res.count;
      r[3]! += samples.length;
      const rec: StepRecord = {
        step: this.step,
        epoch: this.epoch,
        loss: res.loss,
        lr,
        gradNorm,
        ...(res.count > 0 ? { accuracy: res.correct / res.count } : {}),
      };
      this.history.steps.push(rec);
      let stop = o.onProgress?.({ kind: "step", totalSteps: o.steps, ...rec }) === "stop";
      if (this.batch >= perEpoch) {
        const e: EpochRecord = {
          epoch: this.epoch,
          step: this.step,
          loss: r[0]! / r[3]!,
          ...(r[2]! > 0 ? { accuracy: r[1]! / r[2]! } : {}),
        };
        this.history.epochs.push(e);
        this.epoch++;
        this.batch = 0;
        this.perm = null;
        this.epochRng = this.rng.state;
        this.running = [0, 0, 0, 0];
        stop = o.onProgress?.({ kind: "epoch", ...e }) === "stop" || stop;
        if (o.validation && o.evalEvery === undefined) stop = this.validate() || stop;
      }
      if (o.validation && o.evalEvery !== undefined && this.step % o.evalEvery === 0)
        stop = this.validate() || stop;
      yield rec;
      if (stop) return;
    }
  }

  private validate(): boolean {
    const v = this.evaluate(this.options.validation!);
    const rec: EvalRecord = {
      step: this.step,
      epoch: this.epoch,
      split: "validation",
      loss: v.loss,
      ...(v.accuracy !== undefined ? { accuracy: v.accuracy } : {}),
    };
    this.history.evals.push(rec);
    return this.options.onProgress?.({ kind: "eval", ...rec }) === "stop";
  }

  /** Mean loss (and accuracy) over a dataset, in batches; no parameter changes. */
  evaluate(
    data: Dataset | readonly Sample[],
    batchSize = this.options.evalBatchSize ?? 256,
  ): Evaluation {
    return evaluate(this.model, data, batchSize);
  }

  /** A copy of everything needed to resume. */
  state(): TrainState {
    return {
      step: this.step,
      epoch: this.epoch,
      batch: this.batch,
      rng: this.epochRng,
      running: [...this.running],
      params: Float64Array.from(this.model.params),
      optimizer: this.options.optimizer.state(),
      history: structuredClone(this.history),
    };
  }

  /** Restores a state from `state()` (of a trainer with the same model and options). */
  load(s: TrainState): void {
    if (s.params.length !== this.model.size)
      throw new Error(
        `resume: the checkpoint has ${s.params.length} parameters, the model ${this.model.size}`,
      );
    this.model.params.set(s.params);
    this.options.optimizer.load(s.optimizer);
    this.step = s.step;
    this.epoch = s.epoch;
    this.batch = s.batch;
    this.epochRng = s.rng >>> 0;
    this.rng.state = this.epochRng;
    this.perm = null;
    this.running = [...s.running];
    this.history = structuredClone(s.history);
  }
}

/** Mean loss (and accuracy) of a model over a dataset. */
export function evaluate(
  model: Model,
  data0: Dataset | readonly Sample[],
  batchSize = 256,
): Evaluation {
  const data = asDataset(data0);
  let loss = 0,
    correct = 0,
    count = 0;
  for (let s = 0; s < data.size; s += batchSize) {
    const samples = Array.from({ length: Math.min(batchSize, data.size - s) }, (_, i) =>
      data.get(s + i),
    );
    const r = model.run(samples);
    loss += r.loss * samples.length;
    correct += r.correct;
    count += r.count;
  }
  return {
    loss: loss / data.size,
    samples: data.size,
    ...(count > 0 ? { accuracy: correct / count } : {}),
  };
}

function norm(g: FloatArray): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return Math.sqrt(s);
}

function allFinite(p: FloatArray): boolean {
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i]!)) return false;
  return true;
}
