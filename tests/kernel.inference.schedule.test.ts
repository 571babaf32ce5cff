/**
 * The inference sweep's shape (issue 15): for the standard LSTM and the bench's custom cells,
 * `schedule.infer` has every input product hoisted into one [T·B × G·H] product before the
 * loop, the recurrent products merged into as few [B × ·] products per step as the cell's
 * dependences allow (one with N = G·H where every gate reads h; MGU and the coupled-output cell
 * need a second, on a gate-scaled h), and one fused map after each product: the custom cells
 * get the same per-step structure as the LSTM, so they cost what their products and
 * elementwise terms cost (bench/README.md, inference).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileCell, type Stmt } from "@gated/codegen";
import { CATALOGUE, parseCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";

// the bench's equation-syntax cell, read from the bench (outside this project's rootDir)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { EQUATION_CELL: COUPLED_OG } = (await import(
  /* @vite-ignore */ path.join(root, "bench", "inferenceCustom.ts")
)) as { EQUATION_CELL: string };

const I = 5;
const H = 8;

/** cell, its gate blocks G (the hoisted product's width / H), the step products' widths / H. */
const CASES = [
  ["lstm", () => CATALOGUE.lstm(), 4, [4]],
  ["peephole_lstm", () => CATALOGUE.peephole_lstm(), 4, [4]],
  ["lstm_cifg", () => CATALOGUE.lstm_cifg(), 3, [3]],
  ["gru", () => CATALOGUE.gru(), 3, [3]],
  ["mgu", () => CATALOGUE.mgu(), 2, [1, 1]],
  ["coupled_og (syntax)", () => parseCell(COUPLED_OG), 3, [2, 1]],
] as const;

const kinds = (body: readonly Stmt[]) =>
  body.filter((s) => s.kind === "gemm" || s.kind === "map").map((s) => s.kind);

describe.each(["js", "wasm"] as const)("%s: inference schedule", (backend) => {
  test.each(CASES)("%s: hoisted, merged, one map per product", (_, cell, G, step) => {
    const k = compileCell(cell(), { inputSize: I, hiddenSize: H, dtype: "float32", backend });
    const body = k.schedule.infer.body;
    const at = body.findIndex((s) => s.kind === "loop");
    const loop = body[at];
    if (loop?.kind !== "loop") throw new Error("no time loop");
    // before the loop: one product over every row, all gates' input products side by side
    const pre = body.slice(0, at).filter((s) => s.kind === "gemm");
    expect(pre.map((s) => [s.m, s.n, s.k])).toEqual([["TB", G * H, I]]);
    // per step: the merged recurrent products, each followed by one fused map
    const gemms = loop.body.filter((s) => s.kind === "gemm");
    expect(gemms.map((s) => [s.m, s.n, s.k])).toEqual(step.map((n) => ["B", n * H, H]));
    expect(kinds(loop.body)).toEqual(step.flatMap(() => ["gemm", "map"]));
    // nothing after the loop but the output's length mask
    expect(kinds(body.slice(at + 1))).toEqual([]);
  });
});
