/**
 * Emitted code is deterministic and readable: the schedule and the module of a small LSTM are
 * snapshot-tested, so reviewers read changes to the generated code in diffs.
 */

import { compileCell, emitModule, printSchedule } from "@gated/codegen";
import { mgu } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { gru, lstm } from "./codegenCells.js";

describe("snapshots", () => {
  test("lstm schedule", () => {
    expect(
      printSchedule(compileCell(lstm(), { inputSize: 2, hiddenSize: 3, backend: "js" }).schedule),
    ).toMatchSnapshot();
  });
  test("lstm module (float32)", () => {
    expect(
      emitModule(
        compileCell(lstm(), { inputSize: 2, hiddenSize: 3, dtype: "float32", backend: "js" }),
      ),
    ).toMatchSnapshot();
  });
  test("gru schedule", () => {
    expect(
      printSchedule(compileCell(gru(), { inputSize: 2, hiddenSize: 3, backend: "js" }).schedule),
    ).toMatchSnapshot();
  });
  test("the LSTM's products are merged and hoisted", () => {
    const s = printSchedule(
      compileCell(lstm(), { inputSize: 2, hiddenSize: 3, backend: "js" }).schedule,
    );
    // forward: one [T·B × 4H] input product before the loop, one [B × 4H] recurrent product inside
    expect(s).toMatch(/gemm x_proj\[t, b\] = x\[t, b\] · P\[0…\]ᵀ {2}\[T·B × 12, k = 2\]/);
    expect(s).toMatch(/ {4}gemm h_proj\[b\] = h_hist\[t, b\] · P\[24…\]ᵀ {2}\[B × 12, k = 3\]/);
    // backward: parameter gradients as single products over all T·B rows, after the sweep
    expect(s.match(/gemm dP\[\d+…\] \+= .* {2}\[12 × \d, k = T·B\]/g)?.length).toBe(2);
  });
  test("the deferred gradients read each per-row buffer transposed once, blocks by column", () => {
    // MGU: ∂U reads delta whole, ∂W_f and ∂W_h its column blocks (no second and third transpose)
    const transposes = (cell: Parameters<typeof compileCell>[0]) =>
      printSchedule(compileCell(cell, { inputSize: 2, hiddenSize: 3, backend: "js" }).schedule)
        .split("\n")
        .filter((l) => /^ {2}transpose \S+\[:, rows\]/.test(l))
        .map((l) => l.match(/= (\w+)\[/)![1]);
    expect(transposes(mgu())).toEqual(["x", "delta", "h_hist", "mul"]);
    expect(transposes(lstm())).toEqual(["x", "delta", "h_hist"]);
  });
});
