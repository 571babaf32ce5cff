/**
 * Optimizers, clipping and schedules. The update rules are checked against a second route,
 * TensorFlow.js's own optimizers (float32, so to ~1e-5), and each optimizer is run through the
 * whole training path on a tiny problem with a fixed seed, where it must converge.
 */

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import { compileCell } from "@gated/codegen";
import { getCell } from "../src/catalogue.js";
import { Model, type Sample } from "../src/train/model.js";
import { adam, adamw, clipGradNorm, type Optimizer, sgd } from "../src/train/optimizers.js";
import { Rng } from "../src/train/rng.js";
import { constant, cosine, stepDecay, warmup } from "../src/train/schedules.js";
import { Trainer } from "../src/train/trainer.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** n steps of `opt` on a fixed sequence of pseudo-random gradients; returns the parameters. */
function ours(opt: Optimizer, p0: Float64Array, grads: Float64Array[]): Float64Array {
  const p = Float64Array.from(p0);
  for (const g of grads) opt.step(p, g);
  return p;
}

function theirs(opt: tf.Optimizer, p0: Float64Array, grads: Float64Array[]): Float64Array {
  const v = tf.variable(tf.tensor1d(Float32Array.from(p0)));
  for (const g of grads) opt.applyGradients({ [v.name]: tf.tensor1d(Float32Array.from(g)) });
  const out = Float64Array.from(v.dataSync());
  v.dispose();
  return out;
}

const rng = new Rng(11);
const p0 = Float64Array.from({ length: 20 }, () => rng.next() * 2 - 1);
const gs = Array.from({ length: 15 }, () =>
  Float64Array.from({ length: 20 }, () => rng.next() * 2 - 1),
);

function close(a: Float64Array, b: Float64Array, tol: number): void {
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol * (1 + Math.abs(b[i]!)));
}

describe("update rules agree with TensorFlow.js", () => {
  test("SGD", () => close(ours(sgd({ lr: 0.1 }), p0, gs), theirs(tf.train.sgd(0.1), p0, gs), 1e-5));
  test("SGD with momentum", () =>
    close(
      ours(sgd({ lr: 0.1, momentum: 0.9 }), p0, gs),
      theirs(tf.train.momentum(0.1, 0.9), p0, gs),
      1e-5,
    ));
  test("SGD with Nesterov momentum", () =>
    close(
      ours(sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), p0, gs),
      theirs(tf.train.momentum(0.1, 0.9, true), p0, gs),
      1e-5,
    ));
  test("Adam", () =>
    close(
      ours(adam({ lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-7 }), p0, gs),
      theirs(tf.train.adam(0.01, 0.8, 0.95, 1e-7), p0, gs),
      1e-5,
    ));
});

describe("weight decay", () => {
  test("AdamW with λ = 0 is Adam; AdamW decays decoupled from the moments", () => {
    expect(ours(adamw({ lr: 0.01, weightDecay: 0 }), p0, gs)).toEqual(
      ours(adam({ lr: 0.01 }), p0, gs),
    );
    const zero = gs.map((g) => new Float64Array(g.length));
    // with zero gradients the moments stay 0, so only the decay acts: θ·(1 − lr·λ)^n
    const out = ours(adamw({ lr: 0.1, weightDecay: 0.5 }), p0, zero);
    close(
      out,
      p0.map((v) => v * 0.95 ** zero.length),
      1e-12,
    );
    // Adam's λ is an L2 term in the gradient instead: with zero data gradients it still moves
    const l2 = ours(adam({ lr: 0.1, weightDecay: 0.5 }), p0, zero);
    expect(Math.abs(l2[0]! - out[0]!)).toBeGreaterThan(1e-3);
  });
  test("SGD's weight decay adds λθ to the gradient", () => {
    const a = ours(sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 }), p0, gs.slice(0, 1));
    const b = ours(sgd({ lr: 0.1, momentum: 0.9 }), p0, [gs[0]!.map((g, i) => g + 0.01 * p0[i]!)]);
    close(a, b, 1e-15);
  });
});

describe("state round-trips exactly", () => {
  for (const make of [
    () => sgd({ lr: 0.1, momentum: 0.9 }),
    () => adam({ lr: 0.01 }),
    () => adamw({ lr: 0.01 }),
  ]) {
    test(make().kind, () => {
      const a = make();
      const pa = ours(a, p0, gs.slice(0, 7));
      const b = make();
      b.load(a.state());
      const pb = Float64Array.from(pa);
      for (const g of gs.slice(7)) {
        a.step(pa, g);
        b.step(pb, g);
      }
      expect(pb).toEqual(pa);
    });
  }
  test("loading another optimizer's state is an error", () => {
    expect(() => adam({ lr: 1 }).load(sgd({ lr: 1 }).state())).toThrow(
      /cannot load sgd state into adam/,
    );
  });
});

describe("gradient clipping by global norm", () => {
  test("scales to the max norm when above, leaves it when below; returns the norm", () => {
    const g = Float64Array.of(3, 4);
    expect(clipGradNorm(g, 1)).toBe(5);
    expect(Math.hypot(g[0]!, g[1]!)).toBeCloseTo(1, 5);
    const h = Float64Array.of(0.3, 0.4);
    expect(clipGradNorm(h, 1)).toBeCloseTo(0.5, 15);
    expect(h).toEqual(Float64Array.of(0.3, 0.4));
  });
});

describe("learning-rate schedules", () => {
  test("constant, step, cosine, linear warmup", () => {
    expect(constant()(1234)).toBe(1);
    expect([0, 9, 10, 25].map(stepDecay({ every: 10, gamma: 0.5 }))).toEqual([1, 1, 0.5, 0.25]);
    const c = cosine({ total: 100, min: 0.1 });
    expect(c(0)).toBe(1);
    expect(c(50)).toBeCloseTo(0.55, 12);
    expect(c(100)).toBeCloseTo(0.1, 12);
    expect(c(500)).toBeCloseTo(0.1, 12);
    const w = warmup(4, cosine({ total: 10 }));
    expect([0, 1, 2, 3, 4].map(w)).toEqual([0.25, 0.5, 0.75, 1, 1]);
    expect(w(9)).toBeCloseTo(0.5, 12);
  });
});

// A tiny problem: is the sum of a short sequence of values in [−1, 1] positive?
const data = (n: number, seed: number): Sample[] => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: 3 + r.int(4) }, () => r.next() * 2 - 1);
    return { x, y: x.reduce((a, b) => a + b, 0) > 0 ? 1 : 0 };
  });
};
const tiny = {
  cell: getCell("elman"),
  hidden: 4,
  inputSize: 1,
  pool: "last",
  outputs: 2,
  loss: "cross-entropy",
  seed: 2,
} as const;

describe("every optimizer trains a tiny problem (fixed seed) through graph → autodiff → codegen", () => {
  // the model's gradients on this path are checked against finite differences in train.model.test.ts
  const cases: [string, () => Optimizer, number][] = [
    ["sgd+momentum", () => sgd({ lr: 0.05, momentum: 0.9 }), 10],
    ["adam", () => adam({ lr: 0.03 }), 6],
    ["adamw", () => adamw({ lr: 0.03, weightDecay: 0.01 }), 6],
  ];
  for (const [name, make, epochs] of cases)
    test(name, () => {
      const train = data(256, 3),
        held = data(200, 4);
      const model = new Model({ ...tiny, kernel: compileCell });
      const t = new Trainer(model, {
        optimizer: make(),
        batchSize: 16,
        epochs,
        clipNorm: 5,
        seed: 0,
      });
      const before = t.evaluate(held);
      t.fit(train);
      const after = t.evaluate(held);
      console.log(
        `${name}: held-out loss ${before.loss.toFixed(3)} → ${after.loss.toFixed(3)}, accuracy ${before.accuracy!.toFixed(3)} → ${after.accuracy!.toFixed(3)}`,
      );
      expect(after.loss).toBeLessThan(0.3 * before.loss);
      expect(after.accuracy!).toBeGreaterThan(0.9);
    });
});
