/**
 * Export to ONNX, differentially: every catalogue cell and random cells become an ONNX model
 * (a Scan over the step body), run by onnxruntime-node in float32 (and float64 for a few);
 * outputs and final states equal gated's forward within 1e-5 relative (float32), with and
 * without the optional lengths input (gated's masking).
 */
import { CATALOGUE_NAMES, parseCell } from "gated";
import { describe, test } from "vitest";
import { exportCells, gatedCase, OUTPUT_CELLS } from "./cases.js";
import { expectOnnxEqualsGated, loadOrt } from "./ort.js";
import { warnSkip } from "./tools.js";

const ort = await loadOrt();
if (!ort) warnSkip("export to ONNX (tests/interop/export.onnx.test.ts)", "onnxruntime-node");

describe.skipIf(!ort)("export to ONNX: onnxruntime's forward equals gated's", () => {
  // with per-step outputs no state carries (output y = …)
  const cells = [
    ...exportCells(CATALOGUE_NAMES, 8),
    ...OUTPUT_CELLS.map((t) => ({ name: `${parseCell(t).name} (output y)`, cell: parseCell(t) })),
  ];
  // float32 for every cell; float64 for some; with the lengths input (masked) for every other cell
  const runs = cells.flatMap((c, i) => [
    ...(i % 8 === 0 ? (["float32", "float64"] as const) : (["float32"] as const)).map((dtype) => ({
      name: `${c.name} ${dtype}`,
      i,
      dtype,
      masked: false,
    })),
    ...(i % 2 === 0
      ? [{ name: `${c.name} float32, lengths`, i, dtype: "float32" as const, masked: true }]
      : []),
  ]);
  test.each(runs)("$name", async ({ i, dtype, masked }) => {
    const { name, cell } = cells[i]!;
    const c = gatedCase(name, cell, { seed: 21 + i, masked, sizes: { O: 3 } });
    await expectOnnxEqualsGated(ort!, c, dtype);
  });
});
