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
  test("the emitted code reads like the cell: its names, its order, its equations", () => {
    const k = compileCell(lstm(), { inputSize: 2, hiddenSize: 3, backend: "js" });
    const lets = (sweep: "forward" | "backward") =>
      k.schedule[sweep].body
        .flatMap((st) => (st.kind === "loop" ? st.body : [st]))
        .flatMap((st) => (st.kind === "map" ? st.lets : []));
    // the gates in the cell's order (i, f, g, o), each stored value with its equation
    const docs = lets("forward").flatMap((l) => (l.doc ? [l.doc] : []));
    expect(docs).toEqual([
      "i = σ(U_i x + W_i h + b_i)",
      "f = σ(U_f x + W_f h + b_f)",
      "g = tanh(U_g x + W_g h + b_g)",
      "o = σ(U_o x + W_o h + b_o)",
      "c_next = f * c + i * g",
      "tanh = tanh(c_next)",
      "h_next = o * tanh(c_next)",
    ]);
    // backward: cotangents named after the locals, pre-activations (what delta holds) d_<local>_pre
    const names = lets("backward").map((l) => l.name);
    for (const g of ["i", "f", "g", "o"]) expect(names).toContain(`d_${g}_pre`);
    expect(names.filter((n) => /^d_[ifgo]_pre$/.test(n))).toEqual([
      "d_i_pre",
      "d_f_pre",
      "d_g_pre",
      "d_o_pre",
    ]);
    expect(k.schedule.backward.buffers.find((b) => b.name === "delta")?.doc).toBe(
      "[d_i_pre, d_f_pre, d_g_pre, d_o_pre] side by side",
    );
  });
});
