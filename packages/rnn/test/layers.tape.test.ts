// Sequence layers and the Model pass the kernels' tape modes through: checkpointed BPTT gives the
// full tape's gradients (stacked, bidirectional, masked, truncated), inference keeps no tape, and
// the Model predicts / evaluates without one.

import {
  compileCell,
  type Kernel,
  type KernelOptions,
  mulberry32,
  type Recurrence,
} from "@gated/codegen";
import { getCell, sequenceModel } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { Model, type Sample } from "../src/train/model.js";

const rand = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => 2 * r() - 1);
};

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0,
    e = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e === 0 ? 0 : e / scale;
}

describe("sequence model: checkpoint and tape pass through", () => {
  test.each(["lstm", "gru"])("%s: checkpointed gradients = full tape (1e-12)", (name) => {
    const cell = getCell(name);
    const m = sequenceModel({
      cell,
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      kernel: compileCell,
    });
    const T = 9,
      B = 3,
      lengths = [9, 4, 6];
    const p = m.initParams({ seed: 2 });
    const x = rand(T * B * 3, 1);
    const cot = { output: rand(T * B * 8, 5) };
    for (const truncate of [undefined, 4]) {
      const o = { batch: B, lengths, ...(truncate ? { truncate } : {}) };
      const full = m.forward(p, x, o);
      for (const checkpoint of [2, "auto"] as const) {
        const ck = m.forward(p, x, { ...o, checkpoint });
        expect(ck.output).toEqual(full.output);
        const g1 = m.backward(full, cot),
          g2 = m.backward(ck, cot);
        expect(maxRel(g2.params.data, g1.params.data)).toBeLessThanOrEqual(1e-12);
        expect(maxRel(g2.input, g1.input)).toBeLessThanOrEqual(1e-12);
      }
      const inf = m.forward(p, x, { ...o, tape: false });
      expect(inf.output).toEqual(full.output);
      expect(() => m.backward(inf, cot)).toThrow(
        /^sequenceModel\((lstm|gru)\): backward of a run made with \{ tape: false \} \(inference\)/,
      );
    }
  });
});

describe("Model: predictions keep no tape, training may checkpoint", () => {
  test("the kernels see tape: false without gradients and the checkpoint with them", () => {
    const seen: unknown[] = [];
    const recording = (rec: Recurrence, opts: KernelOptions): Kernel => {
      const k = compileCell(rec, opts);
      return {
        ...k,
        forward: (p, x, o) => {
          seen.push({ tape: o.tape, checkpoint: o.checkpoint });
          return k.forward(p, x, o);
        },
        backward: (r, c) => k.backward(r, c),
      };
    };
    const samples: Sample[] = [
      { x: rand(12, 1), y: 1 },
      { x: rand(6, 2), y: 0 },
    ];
    const spec = {
      cell: getCell("lstm"),
      hidden: 4,
      inputSize: 3,
      pool: "last" as const,
      outputs: 2,
      loss: "cross-entropy" as const,
      seed: 1,
    };
    const m = new Model({ ...spec, kernel: recording, checkpoint: 2 });
    m.run(samples);
    expect(seen).toEqual([{ tape: false, checkpoint: undefined }]);
    seen.length = 0;
    const g = new Float64Array(m.size);
    const withCk = m.run(samples, g);
    expect(seen).toEqual([{ tape: undefined, checkpoint: 2 }]);
    const plain = new Model({ ...spec, kernel: compileCell });
    const g0 = new Float64Array(plain.size);
    expect(plain.run(samples, g0).loss).toBe(withCk.loss);
    expect(maxRel(g, g0)).toBeLessThanOrEqual(1e-12);
  });
});
