/**
 * The training loop: progress events and the recorded history, seeded minibatch order,
 * `fitAsync` = `fit`, errors; and a per-step (sequence-to-sequence) loss trained end to end on
 * the copy-memory task.
 */

import { compileCell } from "@gated/codegen";
import { describe, expect, test } from "vitest";
import { getCell } from "../src/catalogue.js";
import { copyMemory } from "../src/tasks/copyMemory.js";
import { Model, type ModelSpec, type Sample } from "../src/train/model.js";
import { adam, sgd } from "../src/train/optimizers.js";
import { Rng } from "../src/train/rng.js";
import { type Progress, Trainer } from "../src/train/trainer.js";

const r = new Rng(4);
const samples: Sample[] = Array.from({ length: 25 }, () => {
  const x = Array.from({ length: 1 + r.int(4) }, () => r.next() * 2 - 1);
  return { x, y: x[0]! > 0 ? 1 : 0 };
});
const spec: ModelSpec = {
  cell: getCell("mgu"),
  hidden: 3,
  inputSize: 1,
  pool: "mean",
  outputs: 2,
  loss: "cross-entropy",
  seed: 1,
  kernel: compileCell,
};

describe("trainer", () => {
  test("progress events, history per step / evaluation / epoch", () => {
    const events: Progress[] = [];
    const t = new Trainer(new Model(spec), {
      optimizer: adam({ lr: 0.01 }),
      batchSize: 10,
      epochs: 2,
      validation: samples.slice(0, 5),
      evalEvery: 2,
      onProgress: (p) => void events.push(p),
    });
    const h = t.fit(samples);
    expect(h.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]); // ⌈25/10⌉ = 3 batches per epoch
    expect(h.epochs.map((e) => [e.epoch, e.step])).toEqual([
      [0, 3],
      [1, 6],
    ]);
    expect(h.evals.map((e) => e.step)).toEqual([2, 4, 6]);
    expect(events.map((e) => e.kind).join(" ")).toBe(
      "step step eval step epoch step eval step step epoch eval",
    );
    for (const s of h.steps) {
      expect(s.accuracy).toBeGreaterThanOrEqual(0);
      expect(s.gradNorm).toBeGreaterThan(0);
      expect(s.lr).toBe(0.01);
    }
    // the epoch's loss is the sample-weighted mean of its steps (batches of 10, 10, 5)
    const [a, b, c] = h.steps.slice(0, 3).map((s) => s.loss);
    expect(h.epochs[0]!.loss).toBeCloseTo((10 * a! + 10 * b! + 5 * c!) / 25, 12);
  });
  test("the minibatch order is seeded: same seed same run, another seed another", () => {
    const run = (seed: number) => {
      const t = new Trainer(new Model(spec), {
        optimizer: sgd({ lr: 0.1 }),
        batchSize: 4,
        epochs: 1,
        seed,
      });
      t.fit(samples);
      return Array.from(t.model.params);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
  test("fitAsync gives the same parameters as fit", async () => {
    const opts = { optimizer: adam({ lr: 0.01 }), batchSize: 7, steps: 6, seed: 2 } as const;
    const a = new Trainer(new Model(spec), { ...opts, optimizer: adam({ lr: 0.01 }) });
    a.fit(samples);
    const b = new Trainer(new Model(spec), { ...opts, optimizer: adam({ lr: 0.01 }) });
    await b.fitAsync(samples, 0);
    expect(Array.from(b.model.params)).toEqual(Array.from(a.model.params));
  });
  test("evaluation changes no parameter", () => {
    const t = new Trainer(new Model(spec), {
      optimizer: adam({ lr: 0.01 }),
      batchSize: 4,
      steps: 1,
    });
    const before = Array.from(t.model.params);
    const e = t.evaluate(samples, 8);
    expect(e.samples).toBe(25);
    expect(Array.from(t.model.params)).toEqual(before);
  });
  test("errors: no budget, bad batch size, divergence", () => {
    const m = new Model(spec);
    expect(() => new Trainer(m, { optimizer: adam({ lr: 1 }), batchSize: 4 })).toThrow(
      /give steps or epochs/,
    );
    expect(() => new Trainer(m, { optimizer: adam({ lr: 1 }), batchSize: 0, steps: 1 })).toThrow(
      /batchSize must be a positive integer/,
    );
    const t = new Trainer(m, { optimizer: sgd({ lr: Infinity }), batchSize: 25, steps: 3 });
    expect(() => t.fit(samples)).toThrow(/diverged at step 0: a parameter is not finite/);
  });
  test("float32 models: parameters and gradients in float32, close to the float64 gradient", () => {
    const m64 = new Model(spec),
      m32 = new Model({ ...spec, dtype: "float32" });
    expect(m32.params).toBeInstanceOf(Float32Array);
    const g64 = new Float64Array(m64.size),
      g32 = new Float32Array(m32.size);
    m64.run(samples, g64);
    m32.run(samples, g32);
    let scale = 0;
    for (const v of g64) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < g64.length; i++)
      expect(Math.abs(g32[i]! - g64[i]!)).toBeLessThan(1e-4 * scale);
    const t = new Trainer(m32, { optimizer: adam({ lr: 0.01 }), batchSize: 5, steps: 3 });
    t.fit(samples);
    expect(t.state().params.length).toBe(m32.size);
  });
  test("model errors name what is wrong", () => {
    expect(() => new Model({ ...spec, embedding: { vocab: 3, dim: 2 } })).toThrow(
      /exactly one of embedding or inputSize/,
    );
    const emb = new Model({
      ...spec,
      inputSize: undefined,
      embedding: { vocab: 3, dim: 2 },
    } as unknown as ModelSpec);
    expect(() => emb.run([{ x: [0, 7], y: 1 }])).toThrow(
      /token 7 at sequence 0, step 1 is not an id in \[0, 3\)/,
    );
    expect(() => new Model(spec).run([{ x: [0.5], y: 2 }])).toThrow(
      /class 2 is not an integer in \[0, 2\)/,
    );
  });
});

test("a per-step loss (pool none) learns the copy-memory task (T = 5, 3 symbols of 4)", () => {
  const task = copyMemory({ T: 5, seed: 0, symbols: 4, length: 3, validationSize: 200 });
  const model = new Model({
    cell: getCell("lstm"),
    hidden: 24,
    embedding: { vocab: 6, dim: 6 },
    pool: "none",
    outputs: 5,
    loss: "cross-entropy",
    seed: 0,
    kernel: compileCell,
  });
  const t = new Trainer(model, {
    optimizer: adam({ lr: 0.02 }),
    batchSize: 32,
    steps: 400,
    clipNorm: 1,
    seed: 0,
  });
  t.fit(task.train);
  const v = t.evaluate(task.validation);
  console.log(
    `copy T=5: validation loss ${v.loss.toFixed(4)} (memoryless baseline ${task.baseline.loss.toFixed(4)}), per-step accuracy ${v.accuracy!.toFixed(3)}`,
  );
  expect(v.loss).toBeLessThan(0.5 * task.baseline.loss);
}, 120_000);
