/**
 * One sizes function and one step VJP for every kernel: the compiled kernel and the reference
 * kernel bind a cell's dims the same way (a cell whose input dim is "J" runs on both), and the
 * lowering, the reference kernel and the training interpreter differentiate the step alike.
 */

import { cellSizes, compileCell, type Recurrence, referenceKernel, stepVjp } from "@gated/codegen";
import { input, type Node, param } from "@gated/graph";
import { matvec, tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { compareWithReference } from "./codegenCompare.js";

/** An Elman cell whose input dim is named J, not I. */
function elmanJ(): Recurrence {
  const x = input("x", ["J"]);
  const h = input("h", ["H"]);
  const U = param("U", ["H", "J"]);
  const W = param("W", ["H", "H"]);
  const ps: Node[] = [U, W];
  const h2 = tanh(matvec(U, x).add(matvec(W, h)));
  return { name: "elmanJ", x, state: [{ name: "h", node: h, next: h2 }], output: h2, params: ps };
}

describe("sizes and step VJP shared by every kernel", () => {
  test('a cell with input: "J" runs on the reference kernel as on the compiled one', () => {
    const opts = { inputSize: 3, hiddenSize: 2 };
    expect(cellSizes(elmanJ(), opts)).toMatchObject({ J: 3, H: 2 });
    expect(referenceKernel(elmanJ(), opts).inputSize).toBe(3);
    expect(compileCell(elmanJ(), opts).inputSize).toBe(3);
    compareWithReference(elmanJ(), { I: 3, H: 2, T: 3, B: 2, seed: 5 });
  });

  test("stepVjp names its seeds apart from every leaf of the cell", () => {
    const x = input("x", ["H"]);
    const h = input("h", ["H"]);
    const clash = input("d_h__seed", ["H"]);
    const h2 = tanh(x.add(h)).add(clash.mul(0));
    const rec: Recurrence = {
      name: "clash",
      x,
      state: [{ name: "h", node: h, next: h2 }],
      output: h2,
      params: [],
    };
    const { seeds, grads } = stepVjp(rec);
    expect(seeds.map((s) => s.label)).toEqual(["d_h__seed_", "d_output__seed"]);
    expect(grads).toHaveLength(2); // x, h
  });
});
