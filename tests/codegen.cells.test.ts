import { CATALOGUE, CATALOGUE_NAMES } from "@gated/rnn";
import { describe, test } from "vitest";
import { BACKENDS, compareWithReference } from "./codegenCompare.js";

// every catalogue cell, compiled, equals the interpreter forward and backward (float64, masked)
describe.each(BACKENDS)("%s: catalogue cells: compiled = reference", (backend) => {
  for (const name of CATALOGUE_NAMES) {
    test(name, () => {
      const cell = CATALOGUE[name]();
      compareWithReference(cell, {
        backend,
        // cells whose input is x[H] (mut1, mut2) take I = H: another inputSize is an error
        I: cell.x.shape[0] === "H" ? 4 : 3,
        H: 4,
        T: 4,
        B: 3,
        lengths: [4, 2, 3],
        sizes: { G: 2 },
      });
    });
  }
});
