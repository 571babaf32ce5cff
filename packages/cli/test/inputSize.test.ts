/**
 * A cell whose input is sized by H (x[H]) cannot take another input size: `--input` (or a
 * task's input) that differs from `--hidden` is a usage error naming the input, not a crash.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "./capture.js";

let work: string;
let cell: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "gated-input-size-"));
  cell = join(work, "residual.cell");
  writeFileSync(cell, "cell residual(x[H]; h[H]) {\n  h' = tanh(W h + U x + b) + x\n}\n");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("x[H] with an input size other than --hidden", () => {
  const line =
    /^gated \w+: cell "residual": its input x\[H\] has 4 values per step, but inputSize is \d+\n$/;
  const at = (f: string) => join(work, f);
  // the adding task's input has 2 features
  const commands: [string, () => string[]][] = [
    ["compile", () => ["compile", cell, "-o", at("r.mjs"), "--input", "3", "--hidden", "4"]],
    [
      "export",
      () => ["export", cell, "--to", "onnx", "-o", at("r.onnx"), "--input", "3", "--hidden", "4"],
    ],
    [
      "train",
      () => [
        "train",
        "--cell",
        cell,
        "--task",
        "adding",
        "--steps",
        "1",
        "--hidden",
        "4",
        "-o",
        at("r.html"),
        "--checkpoint-dir",
        at("ck"),
        "--quiet",
      ],
    ],
  ];
  test.each(commands)("%s", async (_name, args) => {
    const r = await cli(...args());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(line);
  });
  test("equal sizes compile", async () => {
    const r = await cli("compile", cell, "-o", at("r.mjs"), "--input", "4", "--hidden", "4");
    expect(r.code).toBe(0);
  });
});
