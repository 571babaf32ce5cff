import { adamw, getCell, Model, Trainer } from "@gated/rnn";
import { describe, expect, test } from "vitest";

describe("fixed parameters are not trained", () => {
  test("grouped_gate_lstm's assignment matrix survives AdamW with weight decay; the weights move", () => {
    const model = new Model({
      cell: getCell("grouped_gate_lstm"),
      hidden: 4,
      sizes: { G: 2 },
      inputSize: 2,
      outputs: 1,
      pool: "last",
      loss: "mse",
      seed: 1,
    });
    expect(model.frozen.map((s) => s.name)).toEqual(["E_f_l0"]);
    const before = Float64Array.from(model.get("E_f_l0"));
    const wBefore = Float64Array.from(model.get("W_f_l0"));
    const data = Array.from({ length: 8 }, (_, i) => ({
      x: [Math.sin(i), Math.cos(i), Math.sin(2 * i), 0.5],
      y: [i / 8],
    }));
    new Trainer(model, {
      optimizer: adamw({ lr: 0.05, weightDecay: 0.5 }),
      batchSize: 4,
      epochs: 3,
    }).fit(data);
    expect([...model.get("E_f_l0")]).toEqual([...before]);
    expect([...model.get("W_f_l0")]).not.toEqual([...wBefore]);
  });
});
