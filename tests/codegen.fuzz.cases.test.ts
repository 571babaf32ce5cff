/**
 * Cells the wasm fuzz (tests/codegen.wasm.fuzz.prop.test.ts) found wrong, each as its smallest
 * form, on every backend against the interpreter.
 */
import { compileCell } from "@gated/codegen";
import { parseCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, compareWithReference, rand } from "./codegenCompare.js";

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

// a float32 map that loads a constant table (cumsum(1[H])) ran in JavaScript (the module could
// not read the table), and the taped and inference sweeps fuse such maps differently (the taped
// forward's tanh(U x) is a module map before the loop; inference fuses it into the step's map,
// which loads the table): Math.tanh in one, the module's tanh in the other, so inference and
// step() were not bitwise the taped forward
describe.skipIf(!BACKENDS.includes("wasm"))("wasm float32: a map loading a constant table", () => {
  test("inference and step() are bitwise the taped forward", () => {
    const cell = parseCell(`cell c(x[I]; h[H]) {
  h' = sigmoid(cumsum(1[H]) * W h) * h + tanh(U x)
}`);
    const k = compileCell(cell, { inputSize: 1, hiddenSize: 7, dtype: "float32", backend: "wasm" });
    const p = k.initParams({ seed: 3 });
    const [T, B] = [3, 2];
    const x = rand(T * B, 2);
    const initial = { h: rand(7 * B, 10) };
    const a = k.forward(p, x, { batch: B, initial });
    const b = k.forward(p, x, { batch: B, initial, tape: false });
    expect(Array.from(b.output)).toEqual(Array.from(a.output));
    const st = k.initialState(p, { batch: B });
    st.values.h!.set(initial.h);
    for (let t = 0; t < T; t++)
      expect(Array.from(k.step(st, x.subarray(t * B, (t + 1) * B)))).toEqual(
        Array.from(a.output.subarray(t * B * 7, (t + 1) * B * 7)),
      );
  });
});
