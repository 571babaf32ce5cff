/**
 * Export to ONNX, differentially: every catalogue cell and random cells become an ONNX model
 * (a Scan over the step body), run by onnxruntime-node in float32 (and float64 for a few);
 * outputs and final states equal gated's forward within 1e-5 relative (float32), with and
 * without the optional lengths input (gated's masking).
 */
import { CATALOGUE_NAMES, exportOnnx, parseCell } from "gated";
import { describe, expect, test } from "vitest";
import { exportCells, gatedCase, maxRelDiff, OUTPUT_CELLS } from "./cases.js";
import { loadOrt, runOnnx } from "./ort.js";
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
    const params = new Map(Object.entries(c.params).map(([k, v]) => [k, v.data]));
    const bytes = exportOnnx(cell, {
      inputSize: c.I,
      hiddenSize: c.H,
      sizes: c.sizes,
      dtype,
      params,
      lengths: masked,
    });
    const feeds: Record<string, { data: number[]; dims: number[]; int64?: boolean }> = {
      x: { data: c.x, dims: [c.T, c.B, c.I] },
    };
    for (const [s, v] of Object.entries(c.initial))
      feeds[`init_${s}`] = { data: v, dims: [c.B, v.length / c.B] };
    if (masked) feeds["lengths"] = { data: c.lengths!, dims: [c.B], int64: true };
    const out = await runOnnx(ort!, bytes, feeds, dtype);
    const tol = dtype === "float32" ? 1e-5 : 1e-12;
    expect(maxRelDiff(out["output"]!, c.output), "output").toBeLessThanOrEqual(tol);
    for (const s of Object.keys(c.final))
      expect(maxRelDiff(out[`final_${s}`]!, c.final[s]!), `final ${s}`).toBeLessThanOrEqual(tol);
  });
});
