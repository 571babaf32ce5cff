/**
 * The standalone model module: imported in this Node process, its predictions and raw
 * outputs equal the model's own (`model.predict`), bit for bit, over token and dense inputs,
 * stacked and bidirectional layers, every pooling, per-step heads and both dtypes; it has no
 * imports; bad inputs fail with the same one-line errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { getCell } from "../src/catalogue.js";
import { emitModelModule } from "../src/model/exportModule.js";
import { encodeInput, type PredictInput, type Prediction } from "../src/model/predict.js";
import { parseCell } from "../src/syntax/parseCell.js";
import { addingProblem } from "../src/tasks/adding.js";
import { copyMemory } from "../src/tasks/copyMemory.js";
import { namesGender } from "../src/tasks/namesGender.js";
import { taskModel } from "../src/tasks/taskModel.js";
import type { Model } from "../src/train/model.js";
import { adam } from "../src/train/optimizers.js";
import { Trainer } from "../src/train/trainer.js";

const dir = mkdtempSync(join(tmpdir(), "gated-model-module-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ModelModule {
  predict(input: PredictInput): Prediction;
  outputs(input: PredictInput): Float64Array;
  config: Record<string, unknown>;
}

let n = 0;
async function load(m: Model): Promise<{ mod: ModelModule; source: string }> {
  const source = emitModelModule(m);
  const file = join(dir, `m${n++}.mjs`);
  writeFileSync(file, source);
  return { mod: (await import(pathToFileURL(file).href)) as ModelModule, source };
}

function train(m: Model, data: Parameters<Trainer["fit"]>[0]): Model {
  new Trainer(m, { optimizer: adam({ lr: 0.05 }), batchSize: 8, steps: 3 }).fit(data);
  return m;
}

const gender = namesGender({ seed: 0 });
const adding = addingProblem({ T: 7, seed: 0, validationSize: 8, testSize: 8 });
const copy = copyMemory({ T: 3, seed: 0, length: 2, validationSize: 4, testSize: 4 });
const MGU = `cell mgu(x[I]; h[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  n  = tanh(U_n x + W_n (f * h) + b_n)
  h' = (1 - f) * h + f * n
}`;

const cases: [string, () => Model, PredictInput[]][] = [
  [
    "names: 2-layer bidirectional LSTM, max pooling",
    () =>
      train(
        taskModel(gender, {
          cell: getCell("lstm"),
          hidden: 4,
          layers: 2,
          bidirectional: true,
          embed: 3,
          pool: "max",
        }),
        gender.train,
      ),
    ["anna", "Robert", "x", "christopher"],
  ],
  [
    "names: GRU, mean pooling",
    () => train(taskModel(gender, { cell: getCell("gru"), hidden: 3, embed: 2 }), gender.train),
    ["maria", "jo"],
  ],
  [
    "adding: MGU from equations, last step, 3 layers",
    () => train(taskModel(adding, { cell: parseCell(MGU), hidden: 4, layers: 3 }), adding.train),
    [
      adding.test.get(0).x,
      adding.test.get(1).x,
      [
        [0.5, 1],
        [0.25, 1],
      ],
    ],
  ],
  [
    "adding: float32 bidirectional LSTM, attention pooling",
    () =>
      train(
        taskModel(adding, {
          cell: getCell("lstm"),
          hidden: 3,
          bidirectional: true,
          pool: { attention: 2 },
          dtype: "float32",
        }),
        adding.train,
      ),
    [adding.test.get(2).x],
  ],
  [
    "copy: per-step classes",
    () => train(taskModel(copy, { cell: getCell("elman"), hidden: 4, embed: 3 }), copy.train),
    [copy.test.get(0).x, [1, 2, 3]],
  ],
];

describe("the exported model module predicts exactly as the model", () => {
  for (const [name, make, inputs] of cases)
    test(name, async () => {
      const m = make();
      const { mod, source } = await load(m);
      expect(source).not.toMatch(/^\s*import\b/m);
      for (const x of inputs) {
        expect(mod.predict(x)).toEqual(m.predict(x));
        const a = mod.outputs(x);
        const b = m.outputs([encodeInput(m.predictShape, x)])[0]!;
        expect(Array.from(a)).toEqual(Array.from(b));
      }
    });

  test("bad inputs: the same one-line errors", async () => {
    const m = train(taskModel(gender, { cell: getCell("gru"), hidden: 2, embed: 2 }), gender.train);
    const { mod } = await load(m);
    for (const bad of ["añ!", "  ", [99]])
      expect(() => mod.predict(bad)).toThrow(errorOf(() => m.predict(bad)));
  });
});

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}
