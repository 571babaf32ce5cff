/**
 * Model files: save/load (bytes and files) round-trips bit for bit — the same parameters and
 * the same predictions — over cells, pooling, directions, dtypes and tasks; and a file that
 * cannot be fully checked is refused with one line naming what is wrong.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CATALOGUE_NAMES, getCell } from "../src/catalogue.js";
import { readSafetensors, writeSafetensors } from "../src/interop/safetensors.js";
import { MODEL_METADATA } from "../src/model/file.js";
import { parseCell } from "../src/syntax/parseCell.js";
import { addingProblem } from "../src/tasks/adding.js";
import { copyMemory } from "../src/tasks/copyMemory.js";
import { namesGender } from "../src/tasks/namesGender.js";
import { taskModel } from "../src/tasks/taskModel.js";
import { Model, type ModelSpec } from "../src/train/model.js";
import { adam } from "../src/train/optimizers.js";
import { Trainer } from "../src/train/trainer.js";

const MGU = `cell mgu(x[I]; h[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  n  = tanh(U_n x + W_n (f * h) + b_n)
  h' = (1 - f) * h + f * n
}`;

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function trained(m: Model, data: Parameters<Trainer["fit"]>[0], steps = 3): Model {
  new Trainer(m, { optimizer: adam({ lr: 0.05 }), batchSize: 8, steps }).fit(data);
  return m;
}

describe("model files round-trip bit for bit", () => {
  const gender = namesGender({ seed: 0 });
  const adding = addingProblem({ T: 8, seed: 0, validationSize: 16, testSize: 16 });
  const copy = copyMemory({ T: 4, seed: 0, length: 3, validationSize: 8, testSize: 8 });
  const names = ["anna", "Robert", "  maria ", "zoe", "jean"];
  const seqs = [0, 1, 2].map((i) => adding.test.get(i).x);

  test("names → gender: 2-layer bidirectional LSTM, max pooling", () => {
    const m = trained(
      taskModel(gender, {
        cell: getCell("lstm"),
        hidden: 5,
        layers: 2,
        bidirectional: true,
        embed: 4,
        pool: "max",
      }),
      gender.train,
    );
    const back = Model.fromBytes(m.toBytes());
    expect(sameBits(back.params, m.params)).toBe(true);
    expect(back.predictAll(names)).toEqual(m.predictAll(names));
    const p = back.predict("Anna");
    expect(p.kind).toBe("class");
    if (p.kind === "class") {
      expect(["female", "male"]).toContain(p.label);
      expect(p.probabilities["female"]! + p.probabilities["male"]!).toBeCloseTo(1, 12);
    }
  });

  const specs: [string, () => Model, () => unknown[]][] = [
    [
      "adding: equation-syntax MGU, last step, float64",
      () => taskModel(adding, { cell: parseCell(MGU), hidden: 6 }),
      () => seqs,
    ],
    [
      "adding: GRU, attention pooling, float32, bidirectional",
      () =>
        taskModel(adding, {
          cell: getCell("gru"),
          hidden: 4,
          bidirectional: true,
          pool: { attention: 3 },
          dtype: "float32",
        }),
      () => seqs,
    ],
    [
      "copy: per-step classes, mean pooling is not used (pool none)",
      () => taskModel(copy, { cell: getCell("elman"), hidden: 5, embed: 3, layers: 2 }),
      () => [0, 1].map((i) => copy.test.get(i).x),
    ],
  ];
  for (const [name, make, inputs] of specs) {
    test(name, () => {
      const m = make();
      trained(m, name.startsWith("copy") ? copy.train : adding.train);
      const back = Model.fromBytes(m.toBytes());
      expect(back.dtype).toBe(m.dtype);
      expect(sameBits(back.params, m.params)).toBe(true);
      const xs = inputs() as ArrayLike<number>[];
      const a = m.outputs(xs),
        b = back.outputs(xs);
      a.forEach((o, i) => expect(sameBits(o, b[i]!)).toBe(true));
      expect(back.predictAll(xs)).toEqual(m.predictAll(xs));
      // the same bytes again: writing is deterministic
      expect(sameBits(back.toBytes(), m.toBytes())).toBe(true);
    });
  }

  test("save(path) / Model.load(path)", () => {
    const dir = mkdtempSync(join(tmpdir(), "gated-model-"));
    try {
      const m = trained(taskModel(adding, { cell: getCell("lstm"), hidden: 3 }), adding.train);
      const path = join(dir, "m.safetensors");
      m.save(path);
      const back = Model.load(path);
      expect(sameBits(back.params, m.params)).toBe(true);
      expect(back.predictAll(seqs)).toEqual(m.predictAll(seqs));
      expect(() => Model.load(join(dir, "none.safetensors"))).toThrow(
        /Model\.load: cannot read .*none\.safetensors/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the tensors are named per embedding / layer / direction / head parameter", () => {
    const m = taskModel(gender, {
      cell: getCell("gru"),
      hidden: 2,
      bidirectional: true,
      layers: 2,
      embed: 2,
    });
    const names = [...readSafetensors(m.toBytes()).keys()];
    expect(names).toContain("embedding");
    expect(names).toContain("rnn.W_z_l0");
    expect(names).toContain("rnn.W_z_l1_reverse");
    expect(names).toContain("head.W_out");
    expect(names).toContain("head.b_out");
  });
});

describe("every catalogue cell round-trips through its printed equations", () => {
  // the file holds the cell as printCell's text: parsed back, it must be the very same kernel
  test.each([...CATALOGUE_NAMES])("%s", (name) => {
    const m = new Model({
      cell: getCell(name),
      hidden: 4,
      inputSize: name === "mut1" || name === "mut2" ? 4 : 2, // x[H]
      ...(name.startsWith("grouped_gate") ? { sizes: { G: 2 } } : {}),
      pool: "mean",
      outputs: 1,
      loss: "mse",
      seed: 1,
    });
    const back = Model.fromBytes(m.toBytes());
    const x = [Array.from({ length: 12 }, (_, i) => Math.sin(i + 1))];
    expect(sameBits(back.outputs(x)[0]!, m.outputs(x)[0]!)).toBe(true);
    expect(back.spec.sizes).toEqual(m.spec.sizes);
  });
});

describe("loading refuses files it cannot fully check", () => {
  const spec: ModelSpec = {
    cell: getCell("gru"),
    hidden: 3,
    inputSize: 2,
    pool: "last",
    outputs: 1,
    loss: "mse",
  };
  const good = new Model(spec).toBytes();
  const file = readSafetensors(good);
  const config = JSON.parse(file.metadata[MODEL_METADATA]!) as Record<string, unknown>;
  const tensors = () => new Map([...file.entries()].map(([k, t]) => [k, { ...t }]));
  const rewrite = (
    t: Map<string, { dtype: string; shape: readonly number[]; data: unknown }>,
    meta: Record<string, string>,
  ) => writeSafetensors(t as never, meta);
  const withConfig = (c: unknown) => rewrite(tensors(), { [MODEL_METADATA]: JSON.stringify(c) });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ["no metadata", () => rewrite(tensors(), {}), /no "gated\.model" metadata: not a gated model/],
    [
      "a stray metadata entry",
      () => rewrite(tensors(), { ...file.metadata, note: "x" }),
      /unexpected metadata entry "note"/,
    ],
    [
      "not JSON",
      () => rewrite(tensors(), { [MODEL_METADATA]: "{" }),
      /"gated\.model" is not valid JSON/,
    ],
    [
      "another format version",
      () => withConfig({ ...config, format: "gated-model/2" }),
      /format "gated-model\/2" is not "gated-model\/1"/,
    ],
    [
      "an unknown field",
      () => withConfig({ ...config, colour: 1 }),
      /unknown field config\.colour/,
    ],
    [
      "a missing field",
      () => withConfig({ ...config, hidden: undefined }),
      /missing field config\.hidden/,
    ],
    ["a bad size", () => withConfig({ ...config, layers: 0 }), /layers must be a positive integer/],
    ["a bad pool", () => withConfig({ ...config, pool: "sum" }), /pool must be last, mean/],
    ["a bad dtype", () => withConfig({ ...config, dtype: "int8" }), /dtype must be float32/],
    [
      "a writer that is not text",
      () => withConfig({ ...config, writer: 2 }),
      /writer must be a string/,
    ],
    [
      "equations that do not parse",
      () => withConfig({ ...config, cell: { name: "gru", text: "cell gru(x[I]; h[H]) { h' = " } }),
      /cell\.text does not parse: \d+:\d+/,
    ],
    [
      "labels that do not match the outputs",
      () => withConfig({ ...config, task: { classes: ["a", "b"] } }),
      /task\.classes has 2 labels, the head 1 outputs/,
    ],
    [
      "a missing tensor",
      () => {
        const t = tensors();
        t.delete("head.b_out");
        return rewrite(t, file.metadata);
      },
      /missing tensor "head\.b_out" \(shape \[1\]\)/,
    ],
    [
      "an extra tensor",
      () => {
        const t = tensors();
        t.set("head.extra", { dtype: "F64", shape: [1], data: new Float64Array(1) });
        return rewrite(t, file.metadata);
      },
      /unexpected tensor "head\.extra"/,
    ],
    [
      "a wrong shape",
      () => {
        const t = tensors();
        const w = t.get("head.W_out")!;
        t.set("head.W_out", { ...w, shape: [w.shape[1]!, w.shape[0]!] });
        return rewrite(t, file.metadata);
      },
      /tensor "head\.W_out" has shape \[3, 1\], the model needs \[1, 3\]/,
    ],
    [
      "a wrong dtype",
      () => {
        const t = tensors();
        const w = t.get("head.b_out")!;
        t.set("head.b_out", {
          dtype: "F32",
          shape: w.shape,
          data: Float32Array.from(w.data as Float64Array),
        });
        return rewrite(t, file.metadata);
      },
      /tensor "head\.b_out" is F32, the model's dtype float64 needs F64/,
    ],
    ["a truncated file", () => good.subarray(0, good.length - 3), /safetensors: /],
  ];
  for (const [what, bytes, msg] of cases)
    test(what, () => {
      expect(() => Model.fromBytes(bytes())).toThrow(msg);
      try {
        Model.fromBytes(bytes());
      } catch (e) {
        expect((e as Error).message).not.toContain("\n");
      }
    });

  test("a training checkpoint is not a model", () => {
    expect(() =>
      Model.fromBytes(
        writeSafetensors({ params: { shape: [1], data: [0] } }, { "gated.train": "{}" }),
      ),
    ).toThrow(/unexpected metadata entry "gated\.train"/);
  });
});
