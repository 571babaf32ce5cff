/**
 * Cells the wasm fuzz (tests/codegen.wasm.fuzz.prop.test.ts) found wrong, each as its smallest
 * form, on every backend against the interpreter.
 */
import { parseCell } from "@gated/rnn";
import { describe, test } from "vitest";
import { BACKENDS, compareWithReference } from "./codegenCompare.js";

// a next state that reads no state is written every step (forced into the loop): an output
// reading it must run after it, not before the loop with the other per-row work
const NO_RECURRENCE = {
  own: `cell c(x[I]; h[H]) {
  h' = tanh(U x + b)
  output y = 2 * h'
}`,
  readout: `cell c(x[I]; h[H]) {
  h' = tanh(U x + b)
  output y = W_y[O, H] h' + b_y[O]
}`,
  other: `cell c(x[I]; h[H], s[H]) {
  h' = tanh(U x + b)
  s' = tanh(W s + U_s x) * h'
}`,
};

describe.each(BACKENDS)("%s: cells found by the wasm fuzz = reference", (backend) => {
  for (const [name, text] of Object.entries(NO_RECURRENCE))
    for (const dtype of ["float64", "float32"] as const)
      test(`a next state reading no state, read by the output (${name}, ${dtype})`, () => {
        compareWithReference(parseCell(text), {
          backend,
          dtype,
          I: 2,
          H: 3,
          T: 3,
          B: 2,
          lengths: [3, 1],
          sizes: { O: 4 },
        });
      });
});
