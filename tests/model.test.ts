/**
 * Trained models end to end through the bundled CLI: `gated train --save`, `gated predict`
 * (arguments and stdin), `gated export-model`; the exported module imported by a child Node
 * process and by headless Chromium predicts exactly what `gated predict` prints; one-line
 * usage errors with exit 2.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { launchChromium, modulePage, skipWithoutChromium, withPage } from "./browser.js";
import { cliBundle } from "./cliBundle.js";

const { work, run } = cliBundle("model");
const gated = (args: string[], input?: string) =>
  run(args, { timeoutMs: 120_000, ...(input !== undefined ? { input } : {}) });

const QUIET = ["--quiet", "--no-checkpoint", "--eval-every", "10"];
const NAMES = ["anna", "Robert", "maria"];

describe("gated train --save, predict, export-model", () => {
  let nodeRun: unknown[];

  test("names → gender: save, predict from arguments and stdin, export", () => {
    const t = gated([
      "train",
      ...["--cell", "gru", "--task", "names-gender", "--steps", "20", "--hidden", "6"],
      ...["--embed", "4", "--save", "gender.safetensors", "-o", "r.html", ...QUIET],
    ]);
    expect(t.err).toBe("");
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/model: gender\.safetensors \(\d+ bytes\)/);
    const meta = readSafetensors(readFileSync(join(work, "gender.safetensors"))).metadata;
    const config = JSON.parse(meta["gated.model"]!) as { writer: string; task: object };
    expect(config.writer).toMatch(/^gated \d+\.\d+\.\d+/);
    expect(config.task).toMatchObject({ name: "names-gender", classes: ["female", "male"] });
    const a = gated(["predict", "--model", "gender.safetensors", ...NAMES]);
    expect(a.code).toBe(0);
    const lines = a.out.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const [i, l] of lines.entries())
      expect(l).toMatch(
        new RegExp(
          `^${NAMES[i]}\\t(female|male) \\((female|male) 0\\.\\d{3}, (female|male) 0\\.\\d{3}\\)$`,
        ),
      );
    const s = gated(["predict", "--model", "gender.safetensors"], `${NAMES.join("\n")}\n`);
    expect(s.out).toBe(a.out);
    const j = gated(["predict", "-m", "gender.safetensors", "--json", ...NAMES]);
    const preds = j.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { input: string });
    const e = gated(["export-model", "gender.safetensors", "-o", "gender.mjs"]);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/^wrote gender\.mjs \(\d+ bytes\) and gender\.d\.ts, gender\.d\.mts/);
    const src = readFileSync(join(work, "gender.mjs"), "utf8");
    expect(src).not.toMatch(/^\s*import\b/m);
    writeFileSync(
      join(work, "run.mjs"),
      `import { predict } from "./gender.mjs";\nconsole.log(JSON.stringify(${JSON.stringify(NAMES)}.map((n) => ({ input: n, ...predict(n) }))));\n`,
    );
    const n = spawnSync(process.execPath, ["run.mjs"], { cwd: work, encoding: "utf8" });
    expect(n.stderr).toBe("");
    nodeRun = JSON.parse(n.stdout) as unknown[];
    expect(nodeRun).toEqual(preds);
  }, 120_000);

  test("adding: numbers in, the sum out", () => {
    const t = gated([
      "train",
      ...["--cell", "lstm", "--task", "adding", "--seq-len", "6", "--steps", "10"],
      ...["--hidden", "4", "--batch", "4", "--eval-size", "8", "--save", "add.safetensors"],
      ...["-o", "a.html", ...QUIET],
    ]);
    expect(t.code).toBe(0);
    const seq = "0.1,0 0.5,1 0.2,0 0.9,0 0.3,1 0.7,0";
    const p = gated(["predict", "--model", "add.safetensors", seq]);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^0\.1,0 0\.5,1 .*\t-?\d+(\.\d+)?(e-?\d+)?\n$/);
    const j = gated(["predict", "--model", "add.safetensors", "--json", seq]);
    const value = (JSON.parse(j.out) as { values: number[] }).values[0]!;
    expect(Number(p.out.split("\t")[1])).toBeCloseTo(value, 5);
    expect(gated(["export-model", "add.safetensors", "-o", "add.mjs"]).code).toBe(0);
    writeFileSync(
      join(work, "runAdd.mjs"),
      `import { predict } from "./add.mjs";\nconsole.log(JSON.stringify(predict(${JSON.stringify(seq.split(/[ ,]/).map(Number))}).values[0]));\n`,
    );
    const n = spawnSync(process.execPath, ["runAdd.mjs"], { cwd: work, encoding: "utf8" });
    expect(JSON.parse(n.stdout)).toBe(value);
  }, 120_000);

  test.skipIf(skipWithoutChromium("the exported model module in a browser"))(
    "the exported module runs in headless Chromium",
    async () => {
      const src = readFileSync(join(work, "gender.mjs"), "utf8");
      const browser = await launchChromium();
      try {
        // served as a file beside a page; a string, not a function: the test runner rewrites import()
        const got = await withPage(
          browser,
          { "index.html": modulePage("none.js"), "gender.mjs": src },
          (page) =>
            page.evaluate(`import("/gender.mjs").then((m) =>
          ${JSON.stringify(NAMES)}.map((n) => ({ input: n, ...m.predict(n) })))`),
        );
        expect(got).toEqual(nodeRun);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  const errors: [string[], string | RegExp][] = [
    [["predict"], "gated predict: --model FILE is required"],
    [
      ["predict", "--model", "nope.safetensors", "x"],
      "gated predict: cannot read nope.safetensors: ENOENT",
    ],
    [["predict", "--model", "r.html", "x"], /^gated predict: r\.html: safetensors: /],
    [
      ["predict", "--model", "add.safetensors", "1,x"],
      'gated predict: "x" in "1,x" is not a number',
    ],
    [
      ["predict", "--model", "add.safetensors", "1,0,2"],
      "gated predict: predict: expected a non-empty sequence of steps of 2 features, got 3 values",
    ],
    [
      ["predict", "--model", "gender.safetensors", "añ7"],
      /^gated predict: predict: character "ñ" in "añ7" is not in the model's vocabulary/,
    ],
    [["export-model", "gender.safetensors"], "gated export-model: -o/--out FILE is required"],
    [["export-model", "-o", "m.mjs"], "gated export-model: expected one MODEL file, got 0"],
    [
      ["export-model", "gender.safetensors", "-o", "m.txt"],
      'gated export-model: --out must end in .mjs or .js, got "m.txt"',
    ],
    [
      ["train", "--cell", "lstm", "--task", "adding", "--save", "m.bin"],
      'gated train: --save must end in .safetensors, got "m.bin"',
    ],
  ];
  test.each(errors)("usage error %j is one line, exit 2", (args, message) => {
    const r = gated(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const line = r.err.replace(/\n$/, "");
    expect(line).not.toContain("\n");
    if (typeof message === "string") expect(line).toBe(message);
    else expect(line).toMatch(message);
  });
});
