/**
 * Checkpoint and resume: a run stopped part-way (mid-epoch), saved, restored into a fresh model
 * and trainer and continued, ends with exactly the same parameters (and history) as a run that
 * was never interrupted — through JSON and through the tensor + metadata form.
 */

import { compileCell } from "@gated/codegen";
import { describe, expect, test } from "vitest";
import { getCell } from "../src/catalogue.js";
import { addingProblem } from "../src/tasks/adding.js";
import {
  stateFromJSON,
  stateFromTensors,
  stateToJSON,
  stateToTensors,
} from "../src/train/checkpoint.js";
import { Model, type ModelSpec, type Sample } from "../src/train/model.js";
import { adam, type Optimizer, sgd } from "../src/train/optimizers.js";
import { Rng } from "../src/train/rng.js";
import { cosine, warmup } from "../src/train/schedules.js";
import { Trainer, type TrainOptions, type TrainState } from "../src/train/trainer.js";

const r = new Rng(21);
const samples: Sample[] = Array.from({ length: 40 }, () => {
  const x = Array.from({ length: 2 + r.int(5) }, () => r.int(7));
  return { x, y: x.includes(3) ? 1 : 0 };
});
const spec: ModelSpec = {
  cell: getCell("gru"),
  hidden: 5,
  embedding: { vocab: 7, dim: 3 },
  pool: "mean",
  outputs: 2,
  loss: "cross-entropy",
  seed: 5,
  kernel: compileCell,
};
const options = (optimizer: Optimizer, onProgress?: TrainOptions["onProgress"]): TrainOptions => ({
  optimizer,
  batchSize: 6,
  epochs: 3,
  seed: 9,
  clipNorm: 1,
  schedule: warmup(3, cosine({ total: 20 })),
  validation: samples.slice(0, 10),
  evalEvery: 4,
  ...(onProgress ? { onProgress } : {}),
});

function interrupted(
  make: () => Optimizer,
  stopAt: number,
  via: (s: TrainState) => TrainState,
): Trainer {
  const first = new Trainer(
    new Model(spec),
    options(make(), (p) => (p.kind === "step" && p.step === stopAt ? "stop" : undefined)),
  );
  first.fit(samples);
  expect(first.step).toBe(stopAt);
  const second = new Trainer(new Model(spec), options(make()));
  second.load(via(first.state()));
  second.fit(samples);
  return second;
}

const viaJSON = (s: TrainState) => stateFromJSON(JSON.parse(JSON.stringify(stateToJSON(s))));
const viaTensors = (s: TrainState) => {
  const { tensors, metadata } = stateToTensors(s);
  return stateFromTensors(
    Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, Float64Array.from(v)])),
    { ...metadata },
  );
};

describe("resume gives exactly the uninterrupted run's parameters", () => {
  for (const [name, make] of [
    ["adam", () => adam({ lr: 0.05 })],
    ["sgd+momentum", () => sgd({ lr: 0.1, momentum: 0.9 })],
  ] as const) {
    test(`${name}: stopped mid-epoch (step 9 of 21), via JSON`, () => {
      const whole = new Trainer(new Model(spec), options(make()));
      whole.fit(samples);
      expect(whole.step).toBe(21); // 3 epochs of ⌈40/6⌉ = 7 batches
      const resumed = interrupted(make, 9, viaJSON);
      expect(resumed.step).toBe(21);
      expect(Array.from(resumed.model.params)).toEqual(Array.from(whole.model.params));
      expect(resumed.history).toEqual(whole.history);
    });
  }
  test("stopped at an epoch boundary (step 7), via tensors + metadata", () => {
    const whole = new Trainer(new Model(spec), options(adam({ lr: 0.05 })));
    whole.fit(samples);
    const resumed = interrupted(() => adam({ lr: 0.05 }), 7, viaTensors);
    expect(Array.from(resumed.model.params)).toEqual(Array.from(whole.model.params));
  });
  test("an unbounded generated stream (adding problem) resumes too", () => {
    const task = addingProblem({ T: 6, seed: 2 });
    const s2: ModelSpec = {
      cell: getCell("lstm"),
      hidden: 3,
      inputSize: 2,
      pool: "last",
      outputs: 1,
      loss: "mse",
      seed: 1,
      kernel: compileCell,
    };
    const opts = (stop?: number): TrainOptions => ({
      optimizer: adam({ lr: 0.01 }),
      batchSize: 4,
      steps: 12,
      seed: 0,
      ...(stop
        ? { onProgress: (p) => (p.kind === "step" && p.step === stop ? "stop" : undefined) }
        : {}),
    });
    const whole = new Trainer(new Model(s2), opts());
    whole.fit(task.train);
    const a = new Trainer(new Model(s2), opts(5));
    a.fit(task.train);
    const b = new Trainer(new Model(s2), opts());
    b.load(viaJSON(a.state()));
    b.fit(task.train);
    expect(Array.from(b.model.params)).toEqual(Array.from(whole.model.params));
  });
  test("a checkpoint of another model is refused", () => {
    const t = new Trainer(new Model({ ...spec, hidden: 4 }), options(adam({ lr: 0.05 })));
    const other = new Trainer(new Model(spec), options(adam({ lr: 0.05 })));
    expect(() => t.load(other.state())).toThrow(/checkpoint has \d+ parameters, the model \d+/);
  });
});
