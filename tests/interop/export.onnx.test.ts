/**
 * Export to ONNX, differentially: every catalogue cell and random cells become an ONNX model
 * (a Scan over the step body), run by onnxruntime-node in float32 (and float64 for a few);
 * outputs and final states equal gated's forward within 1e-5 relative (float32).
 */
import { CATALOGUE_NAMES, exportOnnx } from "gated";
import { describe, expect, test } from "vitest";
import { exportCells, gatedCase, maxRelDiff } from "./cases.js";
import { loadOrt, runOnnx } from "./ort.js";
import { warnSkip } from "./tools.js";

const ort = await loadOrt();
if (!ort) warnSkip("export to ONNX (tests/interop/export.onnx.test.ts)", "onnxruntime-node");

describe.skipIf(!ort)("export to ONNX: onnxruntime's forward equals gated's", () => {
  const cells = exportCells(CATALOGUE_NAMES, 8);
  test.each(cells.map((c, i) => [c.name, i] as const))("%s", async (_name, i) => {
    const { name, cell } = cells[i]!;
    const c = gatedCase(name, cell, { seed: 21 + i, masked: false });
    const params = new Map(Object.entries(c.params).map(([k, v]) => [k, v.data]));
    for (const dtype of i % 8 === 0 ? (["float32", "float64"] as const) : (["float32"] as const)) {
      const bytes = exportOnnx(cell, {
        inputSize: c.I,
        hiddenSize: c.H,
        sizes: c.sizes,
        dtype,
        params,
      });
      const feeds: Record<string, { data: number[]; dims: number[] }> = {
        x: { data: c.x, dims: [c.T, c.B, c.I] },
      };
      for (const [s, v] of Object.entries(c.initial))
        feeds[`init_${s}`] = { data: v, dims: [c.B, v.length / c.B] };
      const out = await runOnnx(ort!, bytes, feeds, dtype);
      const tol = dtype === "float32" ? 1e-5 : 1e-12;
      expect(maxRelDiff(out["output"]!, c.output), `${dtype} output`).toBeLessThanOrEqual(tol);
      for (const s of Object.keys(c.final))
        expect(
          maxRelDiff(out[`final_${s}`]!, c.final[s]!),
          `${dtype} final ${s}`,
        ).toBeLessThanOrEqual(tol);
    }
  });
});
