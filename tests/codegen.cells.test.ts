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
        I: 3,
        H: 4,
        T: 4,
        B: 3,
        lengths: [4, 2, 3],
        sizes: { G: 2 },
      });
    });
  }
});
