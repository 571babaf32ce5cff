/** Compiled LSTM, GRU (PyTorch form) and Elman kernels equal the reference interpreter. */
import { describe, test } from "vitest";
import { elman, gru, lstm } from "./codegenCells.js";
import { BACKENDS, compareWithReference } from "./codegenCompare.js";

describe.each(BACKENDS)(
  "%s: compiled kernels equal the reference (float64 ≤ 1e-12, float32 ≤ 1e-4)",
  (backend) => {
    for (const [name, cell] of [
      ["elman", elman],
      ["lstm", lstm],
      ["gru", gru],
    ] as const) {
      test(name, () => void compareWithReference(cell(), { backend, I: 3, H: 4, T: 5, B: 2 }));
      test(`${name} masked`, () =>
        void compareWithReference(cell(), { backend, I: 3, H: 4, T: 5, B: 3, lengths: [5, 2, 0] }));
      test(`${name} float32`, () =>
        void compareWithReference(cell(), {
          backend,
          I: 3,
          H: 4,
          T: 5,
          B: 3,
          lengths: [5, 4, 1],
          dtype: "float32",
        }));
    }
    // T·B = 300 > 256: the parameter-gradient products run in slices along the rows
    test("gru, T·B > 256", () =>
      void compareWithReference(gru(), {
        backend,
        I: 2,
        H: 3,
        T: 20,
        B: 15,
        lengths: Array.from({ length: 15 }, (_, b) => 20 - b),
      }));
    test("lstm, larger sizes (I ≠ H, odd widths)", () =>
      void compareWithReference(lstm(), {
        backend,
        I: 7,
        H: 9,
        T: 6,
        B: 5,
        lengths: [6, 1, 3, 6, 2],
      }));
  },
);
