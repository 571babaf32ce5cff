/**
 * Reshapes between different dims ([K] ↔ [H, H]) in cell text, compiled on every backend, equal
 * the interpreter; sizes that do not agree are one-line errors naming the dims, at compile time.
 */
import { compileCell, referenceKernel } from "@gated/codegen";
import { parseCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, compareWithReference } from "./codegenCompare.js";

// a hypernetwork-style cell: the input writes a recurrent matrix (K = H·H values)
const HYPER = `cell hyper(x[I]; h[H]) {
  param A[K, I]
  M  = reshape(tanh(A x); shape=[H, H])
  h' = tanh(M h + W h + b)
}`;
// and the other way: a matrix of the state flattened into a vector of K values
const FLAT = `cell flat(x[I]; h[H]) {
  param P[H, K]
  v  = reshape(outer(h, tanh(U x) * h); shape=[K])
  h' = tanh(P v + W h + b)
}`;

describe.each(BACKENDS)("%s: reshape [K] ↔ [H, H]: compiled = reference", (backend) => {
  for (const text of [HYPER, FLAT])
    test(text.split("(")[0]!.replace("cell ", ""), () => {
      compareWithReference(parseCell(text), {
        backend,
        I: 3,
        H: 4,
        T: 4,
        B: 3,
        lengths: [4, 2, 3],
        sizes: { K: 16 },
      });
    });
});

describe("reshape [K] ↔ [H, H]: sizes that disagree", () => {
  const msg =
    /reshape\(.*\): cannot reshape \[K\] = \[10\] \(10 values\) to \[H,H\] = \[3,3\] \(9 values\): the sizes must agree/;
  test.each(BACKENDS)("%s: compileCell names the dims and both sizes", (backend) => {
    expect(() =>
      compileCell(parseCell(HYPER), { backend, inputSize: 2, hiddenSize: 3, sizes: { K: 10 } }),
    ).toThrow(msg);
  });
  test("the interpreter too, before it runs", () => {
    expect(() =>
      referenceKernel(parseCell(HYPER), { inputSize: 2, hiddenSize: 3, sizes: { K: 10 } }),
    ).toThrow(msg);
  });
});
