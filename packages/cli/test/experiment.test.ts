import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { resolveCell } from "../src/cells.js";
import { type RunResult, runExperiment } from "../src/experiment.js";
import { type RunConfig, resolveTask } from "../src/tasks.js";

const config: RunConfig = {
  steps: 12,
  batch: 4,
  hidden: 4,
  lr: 0.02,
  clip: 1,
  evalEvery: 4,
  checkpointEvery: 4,
  threshold: 0.01,
  seqLen: 6,
  evalSize: 16,
  embed: 4,
  dtype: "float64",
};

function run(dir: string, extra: { resume?: boolean; stopAfter?: number } = {}, task = "adding") {
  return runExperiment({
    cells: [resolveCell("gru")],
    task: resolveTask(task),
    seeds: [3],
    config,
    checkpointDir: dir,
    quiet: true,
    ...extra,
  });
}

function params(r: RunResult): number[] {
  return Object.keys(r.params)
    .sort()
    .flatMap((k) => [...r.params[k]!]);
}

describe("experiment runner", () => {
  test.each(["adding", "names-gender"])(
    "%s: a run interrupted mid-way and resumed ends with the parameters of an uninterrupted run",
    async (task) => {
      const a = mkdtempSync(join(tmpdir(), "gated-ck-"));
      const b = mkdtempSync(join(tmpdir(), "gated-ck-"));
      try {
        const full = await run(a, {}, task);
        expect(full.interrupted).toBe(false);
        // stop after 7 steps: between checkpoints (every 4), so the stop itself must checkpoint
        const part = await run(b, { stopAfter: 7 }, task);
        expect(part.interrupted).toBe(true);
        expect(part.runs[0]!.steps).toBe(7);
        expect(part.runs[0]!.completed).toBe(false);
        expect(readdirSync(b).filter((f) => f.includes(".tmp-"))).toEqual([]);
        const resumed = await run(b, { resume: true }, task);
        expect(resumed.runs[0]!.completed).toBe(true);
        expect(params(resumed.runs[0]!)).toEqual(params(full.runs[0]!));
        expect(resumed.runs[0]!.history).toEqual(full.runs[0]!.history);
        // resuming a finished run trains nothing more and gives the same parameters again
        const again = await run(b, { resume: true }, task);
        expect(params(again.runs[0]!)).toEqual(params(full.runs[0]!));
      } finally {
        rmSync(a, { recursive: true, force: true });
        rmSync(b, { recursive: true, force: true });
      }
    },
  );

  test("resuming with different settings is refused with one line naming the checkpoint", async () => {
    const d = mkdtempSync(join(tmpdir(), "gated-ck-"));
    try {
      await run(d, { stopAfter: 4 });
      await expect(
        runExperiment({
          cells: [resolveCell("gru")],
          task: resolveTask("adding"),
          seeds: [3],
          config: { ...config, lr: 0.5 },
          checkpointDir: d,
          quiet: true,
          resume: true,
        }),
      ).rejects.toThrow(
        /adding-gru-seed3\.safetensors was written by a run with a different configuration/,
      );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
