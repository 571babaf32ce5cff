/**
 * The seed's sequence-classification example, in a few lines: embeddings → 2-layer
 * bidirectional LSTM → max or attention pooling → linear → cross-entropy, trained on
 * names → gender with the compiled kernels.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileCell } from "@gated/codegen";
import { expect, test } from "vitest";
import { getCell } from "../src/catalogue.js";
import { namesGender } from "../src/tasks/namesGender.js";
import { namesLanguage } from "../src/tasks/namesLanguage.js";
import { taskModel } from "../src/tasks/taskModel.js";
import { fromArray } from "../src/train/data.js";
import { Model } from "../src/train/model.js";
import { adam } from "../src/train/optimizers.js";
import { Trainer } from "../src/train/trainer.js";

const task = namesGender({ seed: 0 });
const subset = (d: typeof task.train, n: number) =>
  fromArray(Array.from({ length: Math.min(n, d.size) }, (_, i) => d.get(i)));
const train = subset(task.train, 640),
  validation = subset(task.validation, 300);

test.each(["max", { attention: 16 }] as const)(
  "embeddings → 2-layer BiLSTM → %o pooling → linear → cross-entropy",
  (pool) => {
    const model = new Model({
      cell: getCell("lstm"),
      hidden: 16,
      layers: 2,
      bidirectional: true,
      kernel: compileCell,
      embedding: { vocab: task.input.kind === "tokens" ? task.input.vocab : 0, dim: 8 },
      pool,
      outputs: 2,
      loss: "cross-entropy",
      seed: 0,
    });
    const trainer = new Trainer(model, {
      optimizer: adam({ lr: 0.01 }),
      batchSize: 32,
      epochs: 3,
      clipNorm: 1,
      validation,
    });
    const history = trainer.fit(train);

    const last = history.evals.at(-1)!;
    console.log(
      `${JSON.stringify(pool)}: validation accuracy by epoch ${history.evals.map((e) => e.accuracy!.toFixed(3)).join(" → ")}` +
        ` (majority baseline ${task.baseline.accuracy!.toFixed(3)}), ${history.steps.length} steps`,
    );
    expect(history.epochs.length).toBe(3);
    expect(history.steps.length).toBe(3 * 20);
    expect(last.accuracy!).toBeGreaterThan(task.baseline.accuracy! + 0.1);
    expect(last.loss).toBeLessThan(history.evals[0]!.loss + 1e-9);
  },
);

// the shared data lives beside the checkout (../shared), in CI as here; GATED_NAMES_DIR overrides
const NAMES_DIR =
  process.env["GATED_NAMES_DIR"] ??
  fileURLToPath(new URL("../../../../shared/data/names", import.meta.url));
test.skipIf(!existsSync(NAMES_DIR))(
  `names → language, 18 classes (reads ${NAMES_DIR}; skipped when absent)`,
  () => {
    const lang = namesLanguage(NAMES_DIR, { seed: 0 });
    const model = taskModel(lang, {
      cell: getCell("gru"),
      hidden: 32,
      bidirectional: true,
      embed: 12,
      pool: "max",
      seed: 0,
    });
    const trainer = new Trainer(model, {
      optimizer: adam({ lr: 0.01 }),
      batchSize: 64,
      steps: 120,
      clipNorm: 1,
      seed: 0,
    });
    trainer.fit(lang.train);
    const v = trainer.evaluate(subset(lang.validation, 600));
    console.log(
      `names → language (GRU, 120 steps of 64): validation accuracy ${v.accuracy!.toFixed(3)}, loss ${v.loss.toFixed(3)}` +
        ` (majority baseline ${lang.baseline.accuracy!.toFixed(3)}, prior entropy ${lang.baseline.loss.toFixed(3)}, ceiling ${Number(lang.info["ceiling"]).toFixed(3)})`,
    );
    expect(v.accuracy!).toBeGreaterThan(lang.baseline.accuracy! + 0.05);
    expect(v.loss).toBeLessThan(lang.baseline.loss);
  },
  120_000,
);
