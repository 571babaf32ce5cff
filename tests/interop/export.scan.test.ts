/**
 * Cells with cumsum, cumprod and scan, exported: PyTorch (eager and TorchScript, float64)
 * reproduces gated's outputs and BPTT gradients within 1e-10, onnxruntime its forward (float64
 * within 1e-12, float32 within 1e-5).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCell } from "gated";
import { afterAll, describe, expect, test } from "vitest";
import { SCAN_CELLS } from "../scanCells.js";
import { type GatedCase, gatedCase } from "./cases.js";
import { expectOnnxEqualsGated, loadOrt } from "./ort.js";
import { hasTorch, warnSkip } from "./tools.js";
import { expectTorchEqualsGated, runTorchCheck } from "./torchCheck.js";

const torch = hasTorch();
const ort = await loadOrt();
if (!torch)
  warnSkip(
    "scan cells exported to PyTorch (tests/interop/export.scan.test.ts)",
    "python3 with torch",
  );
if (!ort)
  warnSkip("scan cells exported to ONNX (tests/interop/export.scan.test.ts)", "onnxruntime-node");

const cases: GatedCase[] = Object.entries(SCAN_CELLS).flatMap(([name, text], k) => [
  gatedCase(name, parseCell(text), { seed: 61 + k, H: 5, masked: true }),
  gatedCase(`${name} (unmasked)`, parseCell(text), { seed: 71 + k, H: 5, masked: false }),
]);

describe.skipIf(!torch)("scan cells: PyTorch's forward and gradients equal gated's", () => {
  const dir = mkdtempSync(join(tmpdir(), "gated-scan-torch-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test("every case", () => {
    const results = runTorchCheck(dir, cases) as Record<string, unknown>[];
    cases.forEach((c, i) => {
      expect(results[i]!["error"], c.name).toBeUndefined();
      expectTorchEqualsGated(results[i]!, c, { tol: 1e-10, label: `${c.name} ` });
    });
  }, 320_000);
});

describe.skipIf(!ort)("scan cells: onnxruntime's forward equals gated's", () => {
  const runs = cases.flatMap((c, i) =>
    (["float64", "float32"] as const).map((dtype) => [`${c.name} ${dtype}`, i, dtype] as const),
  );
  test.each(runs)("%s", (_name, i, dtype) => expectOnnxEqualsGated(ort!, cases[i]!, dtype));
});
