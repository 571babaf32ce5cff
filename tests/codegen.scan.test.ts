/**
 * Cells that use cumsum, cumprod and scan, compiled on every backend, equal the interpreter
 * forward and backward (float64 and float32, masked batches); the schedule has a scan statement.
 */
import { printSchedule } from "@gated/codegen";
import { parseCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, compareWithReference } from "./codegenCompare.js";
import { SCAN_CELLS as CELLS } from "./scanCells.js";

describe.each(BACKENDS)("%s: cells with scans: compiled = reference", (backend) => {
  for (const [name, text] of Object.entries(CELLS)) {
    test(`${name} (float64)`, () => {
      const k = compareWithReference(parseCell(text), {
        backend,
        I: 3,
        H: 5,
        T: 4,
        B: 3,
        lengths: [4, 2, 3],
      });
      expect(printSchedule(k.schedule)).toMatch(/scan (B|TB|one) × \d+ by 5/);
    });
    test(`${name} (float32)`, () => {
      compareWithReference(parseCell(text), { backend, I: 3, H: 5, T: 3, B: 2, dtype: "float32" });
    });
  }
});
