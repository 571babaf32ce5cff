import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { addingProblem } from "../src/tasks/adding.js";
import { copyMemory } from "../src/tasks/copyMemory.js";
import { namesGender } from "../src/tasks/namesGender.js";
import { namesLanguage } from "../src/tasks/namesLanguage.js";
import { getTask } from "../src/tasks/nodeRegistry.js";
import { getTask as generatedTask } from "../src/tasks/registry.js";
import type { Dataset } from "../src/train/data.js";

const all = (d: Dataset) => Array.from({ length: d.size }, (_, i) => d.get(i));
const key = (x: ArrayLike<number>) => Array.from(x).join(",");

describe("adding problem", () => {
  const task = addingProblem({ T: 50, seed: 3 });
  test("two markers, one in each half; the target is the sum of the marked values", () => {
    for (let i = 0; i < 200; i++) {
      const s = task.train.get(i);
      const x = s.x;
      expect(x.length).toBe(100);
      const marked = [...Array(50).keys()].filter((t) => x[t * 2 + 1] === 1);
      expect(marked.length).toBe(2);
      expect(marked[0]!).toBeLessThan(25);
      expect(marked[1]!).toBeGreaterThanOrEqual(25);
      expect((s.y as number[])[0]).toBe(x[marked[0]! * 2]! + x[marked[1]! * 2]!);
    }
  });
  test("seeded and deterministic; splits are different streams", () => {
    expect(key(addingProblem({ T: 50, seed: 3 }).train.get(17).x)).toBe(key(task.train.get(17).x));
    expect(key(addingProblem({ T: 50, seed: 4 }).train.get(17).x)).not.toBe(
      key(task.train.get(17).x),
    );
    expect(key(task.validation.get(0).x)).not.toBe(key(task.train.get(0).x));
  });
  test("predicting 1 scores MSE ≈ 1/6 (the stated baseline)", () => {
    const ys = all(task.validation).map((s) => (s.y as number[])[0]!);
    const mse = ys.reduce((a, y) => a + (y - 1) ** 2, 0) / ys.length;
    expect(Math.abs(mse - 1 / 6)).toBeLessThan(0.015);
    expect(task.baseline.loss).toBeCloseTo(1 / 6, 12);
  });
});

describe("copy-memory task", () => {
  test("symbols, blanks, delimiter, and the symbols again at the end", () => {
    const task = copyMemory({ T: 20, seed: 1 });
    const s = task.test.get(5);
    const x = Array.from(s.x),
      y = Array.from(s.y as number[]);
    expect(x.length).toBe(40);
    expect(x.slice(0, 10).every((v) => v >= 1 && v <= 8)).toBe(true);
    expect(x.slice(10, 29).every((v) => v === 0)).toBe(true);
    expect(x[29]).toBe(9);
    expect(x.slice(30).every((v) => v === 0)).toBe(true);
    expect(y.slice(0, 30).every((v) => v === 0)).toBe(true);
    expect(y.slice(30)).toEqual(x.slice(0, 10));
    expect(task.baseline.loss).toBeCloseTo((10 * Math.log(8)) / 40, 12);
    expect(task.input).toEqual({ kind: "tokens", vocab: 10 });
    expect(task.outputs).toBe(9);
  });
});

describe("names → gender", () => {
  const task = namesGender({ seed: 0 });
  test("names in both lists are dropped and counted; splits share no name", () => {
    expect(task.classes).toEqual(["female", "male"]);
    expect(task.info["ambiguous"]).toBeGreaterThan(300);
    const parts = [task.train, task.validation, task.test].map(
      (d) => new Set(all(d).map((s) => key(s.x))),
    );
    const total = parts.reduce((a, p) => a + p.size, 0);
    expect(new Set(parts.flatMap((p) => [...p])).size).toBe(total);
    expect(total).toBe(task.info["samples"]);
    expect(task.test.size).toBeGreaterThan(600);
  });
  test("seeded: the same seed gives the same split, another seed another", () => {
    const again = namesGender({ seed: 0 });
    expect(all(again.test).map((s) => key(s.x))).toEqual(all(task.test).map((s) => key(s.x)));
    expect(all(namesGender({ seed: 1 }).test).map((s) => key(s.x))).not.toEqual(
      all(task.test).map((s) => key(s.x)),
    );
  });
  test('"keep" keeps both labels of an ambiguous name, in the same split', () => {
    const keep = namesGender({ seed: 0, ambiguous: "keep" });
    expect(keep.info["samples"]).toBe(
      (task.info["samples"] as number) + 2 * (task.info["ambiguous"] as number),
    );
    const test = all(keep.test);
    const labels = new Map<string, Set<number>>();
    for (const s of test)
      labels.set(key(s.x), (labels.get(key(s.x)) ?? new Set()).add(s.y as number));
    expect([...labels.values()].some((l) => l.size === 2)).toBe(true);
    const train = new Set(all(keep.train).map((s) => key(s.x)));
    expect(test.some((s) => train.has(key(s.x)))).toBe(false);
  });
});

// the shared data lives beside the checkout (../shared), in CI as here; GATED_NAMES_DIR overrides
const NAMES_DIR =
  process.env["GATED_NAMES_DIR"] ??
  fileURLToPath(new URL("../../../../shared/data/names", import.meta.url));
describe.skipIf(!existsSync(NAMES_DIR))(
  `names → language (reads ${NAMES_DIR}; skipped when absent)`,
  () => {
    test("18 languages, repeats removed, stratified split covers every language", () => {
      const task = namesLanguage(NAMES_DIR, { seed: 0 });
      expect(task.classes!.length).toBe(18);
      expect(task.info["lines"]).toBe(20074);
      expect(task.info["distinct"]).toBeLessThan(17500); // 2,059 repeated lines collapse
      expect(task.info["ambiguous"]).toBeGreaterThan(300);
      const testLabels = new Set(all(task.test).map((s) => s.y));
      expect(testLabels.size).toBe(18);
      expect(task.info["ceiling"]).toBeLessThan(1);
      expect(task.baseline.accuracy).toBeGreaterThan(0.3); // Russian dominates
      const train = new Set(all(task.train).map((s) => key(s.x)));
      expect(all(task.test).some((s) => train.has(key(s.x)))).toBe(false);
    });
    test('"drop" would nearly erase Scottish (its names are English ones too)', () => {
      const task = namesLanguage(NAMES_DIR, { seed: 0, ambiguous: "drop" });
      const scottish = task.classes!.indexOf("Scottish");
      expect(all(task.train).filter((s) => s.y === scottish).length).toBeLessThan(5);
    });
    test("getTask needs the directory", () => {
      expect(() => getTask("names-language")).toThrow(/--data DIR/);
    });
  },
);
if (!existsSync(NAMES_DIR))
  test.skip(`names → language: ${NAMES_DIR} is absent, so its test is skipped`, () => {});

test("unknown task names list the known ones", () => {
  expect(() => getTask("nope")).toThrow(
    /unknown task "nope" \(tasks: adding, copy, names-gender, names-language\)/,
  );
});

test("the browser-safe registry builds the generated tasks and sends the names tasks to the Node entry", () => {
  expect(generatedTask("adding", { T: 10 }).name).toBe(getTask("adding", { T: 10 }).name);
  for (const name of ["names-gender", "names-language"])
    expect(() => generatedTask(name)).toThrow(
      new RegExp(`task ${name} reads its data from files: use getTask from "@gated/rnn/node"`),
    );
});
