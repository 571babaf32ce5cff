import { availableParallelism } from "node:os";
import { describe, expect, test } from "vitest";
import { COMPARE_FLAGS } from "../src/commands/experiment.js";
import { oversubscription } from "../src/cores.js";

describe("--jobs and kernel threads do not oversubscribe the cores", () => {
  test("the default --jobs with the CLI's one kernel thread per run fits the cores", () => {
    const jobs = COMPARE_FLAGS["jobs"]!.default as number;
    expect(jobs).toBeLessThanOrEqual(availableParallelism());
    expect(oversubscription(jobs, 1)).toBeUndefined();
  });

  test("more threads than cores is a one-line warning naming the fix", () => {
    expect(oversubscription(2, 1, 2)).toBeUndefined();
    expect(oversubscription(1, 2, 2)).toBeUndefined();
    expect(oversubscription(3, 1, 2)).toBe(
      "gated: warning: --jobs 3 = 3 threads on 2 cores; they will take turns (slower); use --jobs 2",
    );
    expect(oversubscription(2, 2, 2)).toBe(
      "gated: warning: --jobs 2 × 2 kernel threads = 4 threads on 2 cores; they will take turns (slower); use --jobs 1",
    );
    expect(oversubscription(1, 4, 2)).toMatch(/^[^\n]*use at most 2 kernel threads$/);
  });
});
