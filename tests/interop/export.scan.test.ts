/**
 * Cells with cumsum, cumprod and scan, exported: PyTorch (eager and TorchScript, float64)
 * reproduces gated's outputs and BPTT gradients within 1e-10, onnxruntime its forward (float64
 * within 1e-12, float32 within 1e-5).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportPytorch, parseCell } from "gated";
import { afterAll, describe, expect, test } from "vitest";
import { SCAN_CELLS } from "../scanCells.js";
import { type GatedCase, gatedCase, maxRelDiff } from "./cases.js";
import { expectOnnxEqualsGated, loadOrt } from "./ort.js";
import { hasTorch, PYTHON, warnSkip } from "./tools.js";

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
    const input = cases.map((c, i) => {
      const module = join(dir, `cell_${i}.py`);
      writeFileSync(
        module,
        exportPytorch(c.cell, { inputSize: c.I, hiddenSize: c.H, sizes: c.sizes }),
      );
      const { params, x, T, B, initial, lengths, R, Rf } = c;
      return { module, params, x, T, B, initial, lengths, R, Rf };
    });
    writeFileSync(join(dir, "cases.json"), JSON.stringify(input));
    const r = spawnSync(
      PYTHON,
      [join(import.meta.dirname, "torch_check.py"), join(dir, "cases.json"), join(dir, "out.json")],
      { encoding: "utf8", timeout: 300_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as Record<
      string,
      unknown
    >[];
    cases.forEach((c, i) => {
      expect(results[i]!["error"], c.name).toBeUndefined();
      for (const mode of ["eager", "script"] as const) {
        const got = results[i]![mode] as {
          output: number[];
          final: Record<string, number[]>;
          grads: Record<string, number[]>;
          x: number[];
        };
        const check = (what: string, a: number[] | undefined, b: number[]) =>
          expect(maxRelDiff(a ?? [], b), `${c.name} ${mode} ${what}`).toBeLessThanOrEqual(1e-10);
        check("output", got.output, c.output);
        for (const s of Object.keys(c.final)) check(`final ${s}`, got.final[s], c.final[s]!);
        for (const p of Object.keys(c.grads)) check(`dL/d${p}`, got.grads[p], c.grads[p]!);
        check("dL/dx", got.x, c.gx);
      }
    });
  }, 320_000);
});

describe.skipIf(!ort)("scan cells: onnxruntime's forward equals gated's", () => {
  const runs = cases.flatMap((c, i) =>
    (["float64", "float32"] as const).map((dtype) => [`${c.name} ${dtype}`, i, dtype] as const),
  );
  test.each(runs)("%s", (_name, i, dtype) => expectOnnxEqualsGated(ort!, cases[i]!, dtype));
});
