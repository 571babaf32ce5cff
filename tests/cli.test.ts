/**
 * The bundled `gated` CLI, run in child processes: help, one-line usage errors (exact text,
 * exit 2), show, train with its report, Ctrl-C (partial report, exit 130) and --resume.
 */

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { compileCell } from "@gated/codegen";
import { getCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { cliBundle } from "./cliBundle.js";

const root = resolve(__dirname, "..");
const { bundle, work, run } = cliBundle("cli");
const gated = (...args: string[]) => run(args);

const SMALL = [
  "--task",
  "adding",
  "--seq-len",
  "6",
  "--steps",
  "8",
  "--batch",
  "4",
  "--hidden",
  "4",
  "--eval-every",
  "4",
  "--eval-size",
  "16",
  "--quiet",
];

describe("gated CLI", () => {
  test("--help and per-command help", () => {
    const h = gated("--help");
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^usage: gated \[COMMAND\]/);
    for (const cmd of ["compile", "train", "compare", "show", "bench"]) {
      const r = gated(cmd, "--help");
      expect(r.code, cmd).toBe(0);
      expect(r.out, cmd).toMatch(new RegExp(`^usage: gated ${cmd}`));
    }
  });

  const errors: [string[], string | RegExp][] = [
    [
      ["frob"],
      'gated: unknown command "frob" (commands: compile, train, compare, show, inspect, predict, export-model, export, import, parity, bench, study; see gated --help)',
    ],
    [
      ["train", "--cell", "lstm", "--task", "adding", "--steps", "abc"],
      'gated train: --steps expects an integer, got "abc"',
    ],
    [
      ["train", "--cell", "lstm", "--task", "adding", "--steps", "0"],
      "gated train: --steps must be at least 1, got 0",
    ],
    [["train", "--cell", "lstm", "--task", "adding", "--lr"], "gated train: --lr needs a value"],
    [["train", "--task", "adding"], "gated train: --cell is required"],
    [["train", "--cell", "lstm"], /^gated train: --task is required \(tasks: adding/],
    [
      ["train", "--cell", "no_such_cell", "--task", "adding"],
      'unknown cell "no_such_cell": not a catalogue name nor a cell file (see gated show --list)',
    ],
    [["train", "--cell", "lstm", "--task", "juggling"], /^unknown task "juggling" \(tasks: adding/],
    [
      ["compare", "--cells", "lstm,gru", "--task", "adding", "--bogus"],
      "gated compare: unknown flag --bogus (see gated compare --help)",
    ],
    [
      ["compare", "--cells", "lstm,lstm", "--task", "adding"],
      'gated compare: cell "lstm" is listed twice',
    ],
    [
      ["compare", "--cells", "lstm", "--task", "adding", "--dtype", "float16"],
      'gated compare: --dtype must be one of float32, float64, got "float16"',
    ],
    [["show", "missing/dir/cell.cell"], "cannot read cell file missing/dir/cell.cell: ENOENT"],
    [["show"], "gated show: expected one CELL (catalogue name or cell file), got 0"],
    [
      ["train", "--cell", "gru", "--task", "copy", "--pool", "mean"],
      "gated train: --pool does not apply to copy (its targets are per step)",
    ],
    [["compile", "lstm"], "gated compile: -o/--out FILE is required"],
    [
      ["compile", "lstm", "-o", "x.txt"],
      'gated compile: --out must end in .mjs or .js, got "x.txt"',
    ],
  ];
  test.each(errors)("usage error %j is one line, exit 2", (args, message) => {
    const r = gated(...args);
    expect(r.code).toBe(2);
    expect(r.err.endsWith("\n")).toBe(true);
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    if (typeof message === "string") expect(lines[0]).toBe(message);
    else expect(lines[0]).toMatch(message);
    expect(r.out).toBe("");
  });

  test("show prints equations, gradient equations, parameters and the DOT graph", () => {
    const r = gated("show", "gru");
    expect(r.code).toBe(0);
    // Unicode math in the terminal, no LaTeX source (that is --latex, and the report)
    expect(r.out).toContain("== step equations ==\nr = σ(");
    expect(r.out).toMatch(/^h′ = .*z ⊙ h$/m);
    expect(r.out).toMatch(/^∂h = .*W_zᵀ δ[₀-₉]+$/m);
    expect(r.out).toMatch(/^∂U_z \+= δ[₀-₉]+ ⊗ x$/m);
    expect(r.out).not.toMatch(/\\(bar|sigma|odot|begin|left)\b/);
    const tex = gated("show", "gru", "--latex");
    expect(tex.out).toContain("== equations (LaTeX) ==");
    expect(tex.out).toContain("\\bar{h}^{(t-1)} &=");
    expect(r.out).toMatch(/== parameters ==\nparameter\s+shape\s+role\s+init\n/);
    expect(r.out).toMatch(/digraph "gru" \{/);
    const dot = gated("show", "gru", "--dot");
    expect(dot.out.trim().startsWith("== step graph (DOT) ==\ndigraph")).toBe(true);
  });

  test("train writes a report with curves and KaTeX equations, and a checkpoint", () => {
    const r = gated("train", "--cell", "elman", ...SMALL, "--out", "r/train.html");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cell\s+val mse\s+test mse/);
    expect(r.out).toContain("report: r/train.html");
    const html = readFileSync(join(work, "r/train.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain('class="katex"');
    expect(html).not.toContain("Partial report");
    expect(existsSync(join(work, "reports/checkpoints/adding-elman-seed0.safetensors"))).toBe(true);
    const json = JSON.parse(readFileSync(join(work, "r/train.json"), "utf8"));
    expect(json.runs[0].steps).toBe(8);
    // a look inside the trained cell: in the report (plots) and the JSON (numbers)
    expect(html).toContain("<h2>A look inside</h2>");
    expect(html).toContain("h′ over time, example 1");
    expect(json.inspections[0].cell).toBe("elman");
    expect(json.inspections[0].gates.map((g: { name: string }) => g.name)).toContain("h′");
    expect(json.inspections[0].states[0].values[0]).toHaveLength(4);
  });

  test("inspect a saved model: gate saturation, confusion matrix, report and JSON", () => {
    const t = gated(
      "train",
      "--cell",
      "lstm",
      "--task",
      "names-gender",
      "--steps",
      "4",
      "--batch",
      "8",
      "--hidden",
      "4",
      "--eval-every",
      "4",
      "--no-checkpoint",
      "--quiet",
      "--out",
      "r/gender.html",
      "--save",
      "r/gender.safetensors",
      "--pool",
      "attention",
    );
    expect(t.code).toBe(0);
    const r = gated(
      "inspect",
      "--model",
      "r/gender.safetensors",
      "--examples",
      "8",
      "-o",
      "r/inspect.html",
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^f\s+σ gate\s/m);
    expect(r.out).toContain("confusion matrix (rows: true class");
    // attention pooling: which character of each name weighed most
    expect(r.out).toMatch(
      /^attention, example 1 “[a-z' -]+”: most on “.” \(step \d+, weight [\d.]+\)/m,
    );
    expect(r.out).toMatch(/^female\s+\d+\s+\d+\s+[\d.]+$/m);
    const json = JSON.parse(readFileSync(join(work, "r/inspect.json"), "utf8"));
    expect(json.task).toBe("names-gender");
    const f = json.gates.find((g: { name: string }) => g.name === "f");
    expect(f.below01 + f.above09).toBeLessThanOrEqual(1);
    expect(json.confusion.classes).toEqual(["female", "male"]);
    const html = readFileSync(join(work, "r/inspect.html"), "utf8");
    expect(html).toContain("saturation of the σ gates");
    expect(html).toContain("Attention over the input");
    const gender = readFileSync(join(work, "r/gender.html"), "utf8");
    expect(gender).toContain("pooling attention (A = 4)");
    expect(gender).toContain("Attention over the input");
    expect(gated("inspect").err).toBe("gated inspect: --model FILE is required\n");
  });

  test("compare over seeds prints mean ± std per cell", () => {
    const r = gated(
      "compare",
      "--cells",
      "elman,gru",
      "--seeds",
      "2",
      ...SMALL,
      "--out",
      "r/cmp.html",
      "--no-checkpoint",
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^elman\s+\S+ ± /m);
    expect(r.out).toMatch(/^gru\s+\S+ ± /m);
  });

  test("compare --jobs 2 runs in worker threads and gives the same results as one thread", () => {
    const args = [
      "compare",
      "--cells",
      "elman,mgu-eq",
      "--seeds",
      "2",
      ...SMALL,
      "--no-checkpoint",
    ];
    const one = gated(...args, "--jobs", "1", "--out", "r/j1.html");
    const two = gated(...args, "--jobs", "2", "--out", "r/j2.html");
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    const strip = (f: string) =>
      JSON.parse(readFileSync(join(work, f), "utf8")).runs.map((r: { seconds?: number }) => ({
        ...r,
        seconds: 0,
      }));
    expect(strip("r/j2.json")).toEqual(strip("r/j1.json"));
  });

  test("an equation-syntax cell file is accepted wherever a cell is", () => {
    mkdirSync(join(work, "cells"), { recursive: true });
    writeFileSync(
      join(work, "cells/mini.cell"),
      "cell mini(x[I]; h[H]) {\n  h' = tanh(U x + W h + b)\n}\n",
    );
    const r = gated("show", "cells/mini.cell", "--params");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^U\s+\[H,I\]/m);
  });

  test("compile writes a standalone module (and types) that imports and runs like the in-memory kernel", async () => {
    for (const minify of [false, true]) {
      const out = `mod/lstm${minify ? ".min" : ""}.mjs`;
      const r = gated(
        "compile",
        "lstm",
        "-o",
        out,
        "--dtype",
        "float64",
        "--input",
        "3",
        "--hidden",
        "4",
        ...(minify ? ["--minify"] : []),
      );
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /^wrote mod\/lstm(\.min)?\.mjs \(\d+ bytes\) and mod\/lstm(\.min)?\.d\.ts, mod\/lstm(\.min)?\.d\.mts\n$/,
      );
      const src = readFileSync(join(work, out), "utf8");
      expect(src).not.toMatch(/^\s*import\s/m);
      expect(readFileSync(join(work, out.replace(".mjs", ".d.ts")), "utf8")).toContain(
        "export declare function forward(",
      );
      const mod = await import(pathToFileURL(join(work, out)).href);
      const k = compileCell(getCell("lstm"), { inputSize: 3, hiddenSize: 4, dtype: "float64" });
      const p = k.initParams({ seed: 5 });
      const T = 5,
        B = 2;
      const x = Float64Array.from({ length: T * B * 3 }, (_, i) => Math.sin(i));
      const want = k.forward(p, x, { batch: B });
      const got = mod.forward(mod.params(p.data), x, { batch: B });
      expect(Array.from(got.output)).toEqual(Array.from(want.output));
      // the streaming API: step by step equals the sequence
      const st = mod.initialState(mod.params(p.data), { batch: B });
      let last: Float64Array = new Float64Array();
      for (let t = 0; t < T; t++) last = mod.step(st, x.subarray(t * B * 3, (t + 1) * B * 3));
      expect(Array.from(last)).toEqual(Array.from(want.output.subarray((T - 1) * B * 4)));
    }
  });

  test("compile rejects an unknown cell and an unreadable cell file in one line", () => {
    expect(gated("compile", "nope", "-o", "a.mjs").err).toBe(
      'unknown cell "nope": not a catalogue name nor a cell file (see gated show --list)\n',
    );
    expect(gated("compile", "cells/none.cell", "-o", "a.mjs").err).toBe(
      "cannot read cell file cells/none.cell: ENOENT\n",
    );
  });

  test("parity checks a PyTorch fixture (exit 0) and bench is wired", () => {
    const r = gated("parity", join(root, "tests/fixtures/torch/gru_i3_h4_t5_b2.json"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS: all \d+ tensors within tolerance/m);
    expect(gated("parity", "no/such.json").code).toBe(2);
  });

  test("Ctrl-C writes a partial report and exits 130; --resume finishes the run", async () => {
    const args = [
      "train",
      "--cell",
      "gru",
      "--task",
      "adding",
      "--seq-len",
      "8",
      "--steps",
      "100000",
      "--batch",
      "4",
      "--hidden",
      "4",
      "--eval-every",
      "5",
      "--eval-size",
      "16",
      "--checkpoint-every",
      "5",
      "--out",
      "r/int.html",
    ];
    const child = spawn(process.execPath, [bundle, ...args], { cwd: work });
    let err = "";
    const code = await new Promise<number | null>((done) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("adding gru seed 0") && !child.killed)
          setTimeout(() => child.kill("SIGINT"), 300);
      });
      child.on("exit", (c) => done(c));
    });
    expect(code).toBe(130);
    expect(err).toContain("interrupted: finishing the current step");
    const html = readFileSync(join(work, "r/int.html"), "utf8");
    expect(html).toContain("Partial report");
    const ck = join(work, "reports/checkpoints/adding-gru-seed0.safetensors");
    expect(existsSync(ck)).toBe(true);
    const json = JSON.parse(readFileSync(join(work, "r/int.json"), "utf8"));
    expect(json.interrupted).toBe(true);
    const done = json.runs[0].steps as number;
    expect(done).toBeGreaterThan(0);
    // resume with a budget just past the interruption: it continues and completes
    const r = gated(
      ...args.map((a) => (a === "100000" ? String(done + 3) : a)),
      "--resume",
      "--quiet",
    );
    expect(r.code).toBe(0);
    const after = JSON.parse(readFileSync(join(work, "r/int.json"), "utf8"));
    expect(after.interrupted).toBe(false);
    expect(after.runs[0].steps).toBe(done + 3);
    expect(after.runs[0].completed).toBe(true);
    // a different setting (here the learning rate) is refused with one line
    const bad = gated(...args, "--lr", "0.5", "--resume", "--quiet");
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe(
      "reports/checkpoints/adding-gru-seed0.safetensors was written by a run with a different configuration; delete it or change --checkpoint-dir",
    );
  }, 60_000);
});
