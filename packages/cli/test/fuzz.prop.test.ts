/**
 * Fuzzing the equation syntax and the command line: random bytes and random mutations of every
 * catalogue cell's equations either parse to a valid cell or fail with one clean line — a
 * `CellSyntaxError` starting with line:col from `parseCell`, exit code 2 and one stderr line
 * from `gated show FILE`. Never a stack trace, a TypeError or a hang.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { CATALOGUE_NAMES, CellSyntaxError, getCell, parseCell, printCell } from "@gated/rnn";
import { afterAll, describe, expect } from "vitest";
import { editOf, mutate } from "../../../tests/helpers/mutate.js";
import { cli } from "./capture.js";

/** The catalogue's cells as equation text (those the syntax can print). */
const SOURCES = CATALOGUE_NAMES.flatMap((n) => {
  try {
    return [printCell(getCell(n))];
  } catch {
    return [];
  }
});

const ALPHABET = [..."()[]{},;=+-*/:~'#\n _.0123456789hxcWUbfσ"].concat([
  "tanh(",
  "sigmoid(",
  "sum(",
  "cumsum(",
  "cumprod(",
  "scan(",
  "; reverse=true",
  "; axis=",
  "param ",
  "output ",
  "\n  output y = W_y h'\n",
  "project ",
  "\n  project x = P x\n",
  "def ",
  "__proto__",
  "constructor",
  "-".repeat(50),
  "(".repeat(40),
  "1e999",
]);

const edit = editOf(ALPHABET);

/** parseCell either gives a cell or a CellSyntaxError with a one-line `line:col:` message. */
function cleanOrValid(text: string): void {
  try {
    const c = parseCell(text);
    expect(c.state.length).toBeGreaterThan(0);
  } catch (e) {
    if (!(e instanceof CellSyntaxError)) throw e;
    expect(e.message).toMatch(/^\d+:\d+: \S/);
    expect(e.message).not.toContain("\n");
    // a builder's TypeError wrapped at the call is not a clean error
    expect(e.message).not.toMatch(/Cannot read prop|is not a function|is not iterable/);
  }
}

describe("parseCell on hostile text", () => {
  test.prop(
    [
      fc.integer({ min: 0, max: SOURCES.length - 1 }),
      fc.array(edit, { minLength: 1, maxLength: 4 }),
    ],
    {
      seed: 1201,
      numRuns: 1500,
    },
  )("mutations of catalogue cells: a valid cell or one clean error", (k, edits) => {
    cleanOrValid(mutate(SOURCES[k]!, edits));
  });
  test.prop([fc.uint8Array({ maxLength: 200 })], { seed: 1202, numRuns: 200 })(
    "random bytes: one clean error",
    (bytes) => cleanOrValid(new TextDecoder().decode(bytes)),
  );
  test.prop([fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 })], {
    seed: 1203,
    numRuns: 200,
  })("random token soup inside a cell body: a valid cell or one clean error", (pieces) =>
    cleanOrValid(`cell c(x[I]; h[H]) {\n${pieces.join("")}\n}`),
  );
});

describe("gated show on hostile cell files", () => {
  const dir = mkdtempSync(join(tmpdir(), "gated-fuzz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test.prop(
    [
      fc.integer({ min: 0, max: SOURCES.length - 1 }),
      fc.array(edit, { minLength: 1, maxLength: 3 }),
    ],
    {
      seed: 1204,
      numRuns: 100,
    },
  )("exit 0 with output, or exit 2 with one line on stderr", async (k, edits) => {
    const file = join(dir, "m.cell");
    writeFileSync(file, mutate(SOURCES[k]!, edits));
    const { code, out, err } = await cli("show", file, "--params");
    if (code === 0) expect(out).toContain("parameter");
    else {
      expect(code).toBe(2);
      expect(err.trimEnd().split("\n")).toHaveLength(1);
    }
  });
});
