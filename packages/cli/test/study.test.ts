import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { resolveCell } from "../src/cells.js";
import { studyArgs, studyTable } from "../src/commands/study.js";
import { UsageError } from "../src/errors.js";
import { BUDGETS, PLANS } from "../src/study/plans.js";
import { studyReportHtml } from "../src/study/report.js";
import { runStudy, type StudyResult, sampleTrials } from "../src/study/run.js";

const root = mkdtempSync(join(tmpdir(), "gated-study-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// the study machinery on a tiny budget: 2 variants, 2 trials, 2 seeds, 8 steps, adding only
const tiny = {
  ...BUDGETS.quick,
  trials: 2,
  seeds: 2,
  evalEvery: 4,
  evalSize: 32,
  steps: { adding: 8 },
};
const base = {
  plan: PLANS.greff,
  budget: tiny,
  dtype: "float64" as const,
  variants: ["V", "NFG"],
  tasks: ["adding"],
  quiet: true,
};
/** What must be equal between an interrupted-and-continued study and an uninterrupted one. */
const numbers = (r: StudyResult) =>
  JSON.stringify({
    runs: r.runs.map((x) => ({ ...x, result: { ...x.result, seconds: 0 } })),
    tasks: r.tasks,
    findings: r.findings,
  });

describe("gated study", () => {
  let whole: StudyResult;
  test("runs the search, the seeds of the best trial and the statistics", async () => {
    whole = await runStudy({ ...base, dir: join(root, "whole") });
    expect(whole.complete).toBe(true);
    // 2 variants × (2 trials + 1 more seed of the best one)
    expect(whole.runs).toHaveLength(6);
    const s = whole.tasks[0]!;
    expect(s.task).toBe("adding");
    expect(s.scoreName).toBe("log10 test mse");
    expect(Object.keys(s.test)).toEqual(["V", "NFG"]);
    for (const v of ["V", "NFG"]) expect(s.test[v]).toHaveLength(2);
    expect(s.outcome.scores["V"]![0]).toBeCloseTo(Math.log10(s.test["V"]![0]!), 14);
    expect(Number.isNaN(s.outcome.adjustedP["V"]!)).toBe(true);
    expect(s.outcome.adjustedP["NFG"]).toBeGreaterThanOrEqual(0);
    // the best trial is the one with the better final validation metric, for each variant
    for (const v of ["V", "NFG"]) {
      const val = (t: number) =>
        whole.runs
          .find((x) => x.variant === v && x.trial === t && x.seed === 0)!
          .result.history.at(-1)!.metric;
      expect(val(s.best[v]!)).toBeLessThanOrEqual(val(1 - s.best[v]!));
    }
    // a finding naming a variant left out (NOAF) cannot be decided; CIFG/NP likewise
    expect(whole.findings.map((f) => f.perTask[0]!.verdict)).toEqual(["undecided", "undecided"]);
    const cells = whole.variants.map((v) => ({ ...resolveCell(v.spec), name: v.label }));
    const html = studyReportHtml({
      plan: PLANS.greff,
      result: whole,
      cells,
      command: "test",
      wallSeconds: 1,
      backend: "js",
    });
    expect(html).toContain("<svg");
    expect(html).toContain("Welch");
    expect(studyTable(whole)).toMatch(/adding\n/);
  });

  test("a killed study continues where it stopped and ends with the same numbers", async () => {
    const dir = join(root, "resumed");
    const first = await runStudy({ ...base, dir, stopAfterRuns: 2 });
    expect(first.complete).toBe(false);
    expect(first.ranNow).toBe(2);
    // cut the next run short mid-way (as Ctrl-C would): its checkpoint is kept
    const second = await runStudy({ ...base, dir, stopAfterSteps: 3 });
    expect(second.complete).toBe(false);
    const third = await runStudy({ ...base, dir });
    expect(third.complete).toBe(true);
    expect(third.resumed).toBe(2);
    expect(numbers(third)).toBe(numbers(whole));
  });

  test("another budget in the same directory is refused, naming the field", async () => {
    await expect(
      runStudy({ ...base, dir: join(root, "whole"), budget: { ...tiny, seeds: 3 } }),
    ).rejects.toThrow(/holds a study with another budget/);
  });

  test("the trials are a fixed stream per task, inside the budget's ranges", () => {
    const a = sampleTrials(BUDGETS.full, "adding");
    expect(sampleTrials(BUDGETS.full, "adding")).toEqual(a);
    expect(a).toHaveLength(BUDGETS.full.trials);
    for (const t of a) {
      expect(t.lr).toBeGreaterThanOrEqual(BUDGETS.full.lr[0] * 0.999);
      expect(t.lr).toBeLessThanOrEqual(BUDGETS.full.lr[1] * 1.001);
      expect(BUDGETS.full.hidden).toContain(t.hidden);
    }
  });

  test("flags: one-line usage errors", () => {
    const err = (argv: string[]) => {
      try {
        studyArgs(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(err([])).toMatch(/name a study \(greff, jozefowicz\)/);
    expect(err(["greef"])).toMatch(/unknown study "greef"/);
    expect(err(["greff", "--variants", "V,XYZ"])).toMatch(/unknown variant "XYZ"/);
    expect(err(["greff", "--variants", "NFG,NP"])).toMatch(/must include the reference V/);
    expect(err(["jozefowicz", "--tasks", "names-language"])).toMatch(
      /unknown task "names-language"/,
    );
    expect(err(["greff", "--budget", "huge"])).toMatch(/huge/);
    const a = studyArgs(["jozefowicz", "--data", "/x", "--steps", "5"]);
    if (a === "help") throw new Error("help");
    expect(a.plan.tasks(a.data).map((t) => t.name)).toEqual(["adding", "copy", "names-language"]);
    expect(a.budget.steps["copy"]).toBe(5);
    expect(readFileSync).toBeDefined();
  });
});
