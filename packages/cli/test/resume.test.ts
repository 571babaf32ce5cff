/**
 * `--resume` validates every checkpoint field against the run's configuration: tampered step,
 * buffers, tensors or metadata are one-line errors naming the file and the field.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { resolveCell } from "../src/cells.js";
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from "../src/checkpoint.js";
import { UsageError } from "../src/errors.js";
import { runExperiment } from "../src/experiment.js";
import { type RunConfig, resolveTask } from "../src/tasks.js";

const config: RunConfig = {
  steps: 8,
  batch: 4,
  hidden: 3,
  lr: 0.02,
  clip: 1,
  evalEvery: 4,
  checkpointEvery: 4,
  threshold: 0.01,
  seqLen: 5,
  evalSize: 8,
  embed: 4,
  dtype: "float64",
};
const run = (dir: string, extra: { resume?: boolean; stopAfter?: number } = {}) =>
  runExperiment({
    cells: [resolveCell("gru")],
    task: resolveTask("adding"),
    seeds: [1],
    config,
    checkpointDir: dir,
    quiet: true,
    ...extra,
  });

let dir: string;
let file: string;
let good: Checkpoint;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gated-resume-"));
  await run(dir, { stopAfter: 4 });
  file = join(dir, readdirSync(dir)[0]!);
  good = loadCheckpoint(file);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function resumeWith(
  edit: (ck: { tensors: Record<string, Float64Array>; metadata: Record<string, string> }) => void,
) {
  const ck = {
    tensors: Object.fromEntries(
      Object.entries(good.tensors).map(([k, v]) => [k, Float64Array.from(v)]),
    ),
    metadata: { ...good.metadata },
  };
  edit(ck);
  saveCheckpoint(file, ck);
  try {
    return await run(dir, { resume: true });
  } finally {
    saveCheckpoint(file, good);
  }
}

describe("--resume checks the checkpoint against the run", () => {
  test("the untouched checkpoint resumes", async () => {
    expect((await resumeWith(() => {})).runs[0]!.completed).toBe(true);
  });
  test.each([
    [
      "a step of 1e9",
      (c: any) => (c.metadata.step = "1e9"),
      'step is "1e9", expected a whole number',
    ],
    ["a step of abc", (c: any) => (c.metadata.step = "abc"), 'step is "abc"'],
    [
      "a step past the budget",
      (c: any) => (c.metadata.step = "400"),
      "it is at step 400, past this run's 8 steps",
    ],
    [
      "a short Adam buffer",
      (c: any) => (c.tensors["optimizer.m"] = c.tensors["optimizer.m"].subarray(1)),
      "tensor optimizer.m has",
    ],
    [
      "an extra tensor",
      (c: any) => (c.tensors.extra = new Float64Array(2)),
      'unexpected tensor "extra"',
    ],
    [
      "a missing tensor",
      (c: any) => delete c.tensors["optimizer.v"],
      "tensor optimizer.v is missing",
    ],
    [
      "a NaN parameter",
      (c: any) => (c.tensors.params[0] = NaN),
      "tensor params holds NaN at index 0",
    ],
    [
      "a trainer step that disagrees",
      (c: any) => {
        const m = JSON.parse(c.metadata["gated.train"]);
        m.step = 3;
        c.metadata["gated.train"] = JSON.stringify(m);
      },
      '"gated.train" step 3 differs from step 4',
    ],
    [
      "a string rng",
      (c: any) => {
        const m = JSON.parse(c.metadata["gated.train"]);
        m.rng = "7";
        c.metadata["gated.train"] = JSON.stringify(m);
      },
      '"gated.train" rng is "7"',
    ],
    [
      "a history that is not a list",
      (c: any) => (c.metadata.history = "{}"),
      "history is not a list",
    ],
    ["negative seconds", (c: any) => (c.metadata.seconds = "-1"), 'seconds is "-1"'],
  ])("%s is refused", async (_what, edit, message) => {
    const p = resumeWith(edit);
    await expect(p).rejects.toThrow(UsageError);
    await expect(resumeWith(edit)).rejects.toThrow(
      `${file}: not a checkpoint of this run: ${message}`,
    );
  });
});
