/**
 * Random mutations of a cell using `output y = …` and `project x = …`: each parses to a valid
 * cell or fails with one `line:col:` line (a `CellSyntaxError`), and every valid one prints
 * back to the same next states and the same per-step output.
 */
import { fc, test } from "@fast-check/vitest";
import { afterAll, expect } from "vitest";
import { editOf, mutate } from "../../../tests/helpers/mutate.js";
import { CellSyntaxError, parseCell, printCell } from "../src/index.js";

const SOURCE = `cell readout(x[I]; h[H], c[H]) {
  project x = P x
  f = sigmoid(W_f h + U_f x + b_f)
  c' = f * c + (1 - f) * x
  h' = tanh(c') * f
  output y = V[O, H] h' + b_y
}`;
const PIECES = [
  ...["output ", "output y = ", "output c", "project ", "project x = ", "x", "h'", "y", " = "],
  ...["P x", "\n", "(", ")", "*", "+", "[O]", "[H, I]", "param ", "def f(a) = a * x\n", "f(x)"],
  ...["sum(", "; axis=0)"],
];
const edit = editOf(PIECES);

let valid = 0;
// the mutations must leave some cells valid, or the round trip would go untested
afterAll(() => expect(valid).toBeGreaterThan(50));

test.prop([fc.array(edit, { minLength: 1, maxLength: 3 })], { seed: 1206, numRuns: 1500 })(
  "clean error or valid; valid cells print back to the same states and output",
  (edits) => {
    const text = mutate(SOURCE, edits);
    let c: ReturnType<typeof parseCell>;
    try {
      c = parseCell(text);
    } catch (e) {
      if (!(e instanceof CellSyntaxError)) throw e;
      expect(e.message).toMatch(/^\d+:\d+: \S/);
      expect(e.message).not.toContain("\n");
      return;
    }
    valid++;
    const back = parseCell(printCell(c));
    expect(back.output).toBe(c.output);
    expect(back.state.map((s) => s.next)).toEqual(c.state.map((s) => s.next));
  },
);
