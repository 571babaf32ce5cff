/**
 * Bad command lines, run in-process through `run`: each is one line on stderr naming the culprit
 * (exit 2 for usage errors), checked before any work; a diverging run stops with one line and a
 * partial report.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "./capture.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "gated-hard-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = ["--task", "adding", "--steps", "4", "--eval-every", "2", "--seq-len", "4"];
const tiny = (): string[] => [
  ...TINY,
  ...["--eval-size", "4", "--batch", "2", "--hidden", "3", "--quiet"],
  ...["--checkpoint-dir", join(work, "ck"), "-o", join(work, "r.html")],
];

async function usage(args: string[], message: string) {
  const r = await cli(...args);
  expect(r.err).toBe(`${message}\n`);
  expect(r.code).toBe(2);
}

describe("names from Object.prototype are not cells", () => {
  test.each(["constructor", "hasOwnProperty", "toString", "__proto__"])(
    "gated show %s",
    async (n) => {
      const r = await cli("show", n);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        new RegExp(`^unknown cell "${n}": not a catalogue name nor a cell file`),
      );
      expect(r.err.trim().split("\n")).toHaveLength(1);
    },
  );
});

describe("gated bench checks its flags before starting anything", () => {
  test("a misspelled flag", () =>
    usage(["bench", "--quik"], "gated bench: unknown flag --quik (see gated bench --help)"));
  test("an unknown config", () =>
    usage(["bench", "--configs", "Q"], 'gated bench: --configs: unknown "Q" (known: S, M, L)'));
  test("an unknown cell", () =>
    usage(
      ["bench", "--only", "bogus"],
      'gated bench: --only must be one of lstm, gru, got "bogus"',
    ));
  test("help lists the flags", async () => {
    const r = await cli("bench", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("--configs");
  });
});

describe("sizes past the limits are one line with the size and the limit", () => {
  test("--hidden", () =>
    usage(
      ["train", "--cell", "gru", ...tiny(), "--hidden", "100000000"],
      "gated train: --hidden is at most 4096, got 100000000",
    ));
  test("--seq-len", () =>
    usage(
      ["train", "--cell", "gru", ...tiny(), "--seq-len", "1000000000"],
      "gated train: --seq-len is at most 100000, got 1000000000",
    ));
  test("their product", () =>
    usage(
      [
        "train",
        "--cell",
        "gru",
        ...tiny(),
        "--seq-len",
        "100000",
        "--batch",
        "4096",
        "--hidden",
        "64",
      ],
      "gated train: --seq-len 100000 × --batch 4096 × --hidden 64 = 26214400000 values per state, more than the limit 16777216; lower one of them",
    ));
  test("compile --hidden", () =>
    usage(
      ["compile", "gru", "-o", join(work, "g.mjs"), "--hidden", "1000000000"],
      "gated compile: --hidden is at most 65536, got 1000000000",
    ));
});

describe("output paths are checked before work", () => {
  test("-o may not overwrite the cell's own source", async () => {
    const cellFile = join(work, "m.cell");
    const text = "cell m(x[I]; h[H]) {\n  h' = tanh(W h + U x + b)\n}\n";
    writeFileSync(cellFile, text);
    await usage(
      ["train", "--cell", cellFile, ...tiny(), "-o", cellFile],
      `gated train: -o ${cellFile} would overwrite the cell file of m; choose another path`,
    );
    expect(readFileSync(cellFile, "utf8")).toBe(text);
    const jsCell = join(work, "m.js");
    writeFileSync(jsCell, text);
    await usage(
      ["compile", jsCell, "-o", jsCell],
      `gated compile: -o ${jsCell} would overwrite the cell file; choose another path`,
    );
    expect(readFileSync(jsCell, "utf8")).toBe(text);
  });
  test("-o may not overwrite the run's checkpoint", async () => {
    const ck = join(work, "ck2");
    await usage(
      [
        "train",
        "--cell",
        "gru",
        ...tiny(),
        "--checkpoint-dir",
        ck,
        "-o",
        join(ck, "adding-gru-seed0.safetensors"),
      ],
      `gated train: -o ${join(ck, "adding-gru-seed0.safetensors")} would overwrite the checkpoint of gru seed 0; choose another path`,
    );
  });
  test("a --checkpoint-dir that is a file", async () => {
    const f = join(work, "afile");
    writeFileSync(f, "x");
    await usage(
      ["train", "--cell", "gru", ...tiny(), "--checkpoint-dir", f],
      `gated train: --checkpoint-dir ${f} is not a directory`,
    );
  });
  test("an output path that is a directory", async () => {
    const d = join(work, "adir");
    mkdirSync(d, { recursive: true });
    await usage(
      ["train", "--cell", "gru", ...tiny(), "-o", d],
      `gated train: -o ${d} is a directory, expected a file path`,
    );
    const f = join(work, "afile");
    writeFileSync(f, "x");
    await usage(
      ["compile", "gru", "-o", join(f, "k.mjs")],
      `gated compile: -o ${join(f, "k.mjs")}: ${f} is not a directory`,
    );
  });
});

describe("extra dims", () => {
  test("grouped_gate_lstm compiles with a default G and with --dim G=N", async () => {
    const a = await cli(
      "compile",
      "grouped_gate_lstm",
      "-o",
      join(work, "gg.mjs"),
      "--hidden",
      "8",
    );
    expect(a.err).toBe("");
    expect(a.code).toBe(0);
    const b = await cli(
      "compile",
      "grouped_gate_gru",
      "-o",
      join(work, "gg2.mjs"),
      "--hidden",
      "8",
      "--dim",
      "G=2",
    );
    expect(b.code).toBe(0);
  });
  test("grouped_gate_gru trains", async () => {
    const r = await cli(
      "train",
      "--cell",
      "grouped_gate_gru",
      ...tiny(),
      "--dim",
      "G=2",
      "--no-checkpoint",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
  test("a dim no cell uses, or a malformed one", async () => {
    await usage(
      ["compile", "gru", "-o", join(work, "g.mjs"), "--dim", "Q=3"],
      "gated compile: --dim Q: no cell uses a dim Q (the cells use only their input dim and H)",
    );
    await usage(
      ["compile", "gru", "-o", join(work, "g.mjs"), "--dim", "G"],
      'gated compile: --dim expects NAME=N with N a whole number in 1..4096 (e.g. --dim G=4), got "G"',
    );
    await usage(
      ["compile", "grouped_gate_lstm", "-o", join(work, "g.mjs"), "--dim", "H=3"],
      "gated compile: --dim H: H is set by --hidden",
    );
  });
});

describe("a diverging run", () => {
  test("stops with one line naming the step, and writes the partial report", async () => {
    const out = join(work, "div.html");
    const r = await cli(
      "train",
      "--cell",
      "gru",
      ...tiny(),
      "--lr",
      "1e308",
      "--clip",
      "0",
      "-o",
      out,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^gated train: gru seed 0: the loss became non-finite at step \d+ \(lower --lr or set --clip\); partial report: /,
    );
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(true);
  });
});

describe("a typo that creates a new parameter", () => {
  const typo =
    "cell t(x[I]; h[H]) {\n  f = sigmoid(W_f h + U_f x + b_f)\n  n = tanh(W_n h + U_n x + b_n)\n  h' = (1 - f) * q + f * n\n}\n";
  const warning = (file: string) =>
    `${file}:4:18: q is a new parameter [H] (only ever multiplied elementwise: no weight matrix, no bias); declare it with \`param q[H]\` if intended`;
  test("is a warning on show, compile and train", async () => {
    const file = join(work, "typo.cell");
    writeFileSync(file, typo);
    const show = await cli("show", file, "--params");
    expect(show.code).toBe(0);
    expect(show.err).toBe(`gated show: warning: ${warning(file)}\n`);
    const compile = await cli("compile", file, "-o", join(work, "typo.mjs"), "--hidden", "3");
    expect(compile.err).toBe(`gated compile: warning: ${warning(file)}\n`);
    const train = await cli("train", "--cell", file, ...tiny(), "--no-checkpoint");
    expect(train.code).toBe(0);
    expect(train.err).toBe(`gated train: warning: ${warning(file)}\n`);
  });
  test("is an error with --strict", async () => {
    const file = join(work, "typo.cell");
    writeFileSync(file, typo);
    await usage(["show", file, "--strict"], `gated show: ${warning(file)} (--strict)`);
    await usage(
      ["train", "--cell", file, ...tiny(), "--strict"],
      `gated train: ${warning(file)} (--strict)`,
    );
  });
});

test("a cell's own dim default (dim M = 2*H) sizes it on the command line", async () => {
  const file = join(work, "m2.cell");
  writeFileSync(
    file,
    "cell m2(x[I]; h[H]) {\n  dim M = 2*H\n  param P[M, H]\n  h' = tanh(Q tanh(P h) + U x)\n}\n",
  );
  const r = await cli("show", file, "--params");
  expect(r.out).toMatch(/P\s+\[M,H\]/);
  const c = await cli("compile", file, "-o", join(work, "m2.mjs"), "--hidden", "3");
  expect(c.err).toBe("");
  expect(c.code).toBe(0);
});
