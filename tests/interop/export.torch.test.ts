/**
 * Export to PyTorch, differentially: every catalogue cell and random cells are exported, run in
 * PyTorch float64 (eager and TorchScript) with masked lengths, and their outputs, final states
 * and autograd gradients (parameters, x, initial states) must equal gated's BPTT within 1e-10.
 * One Python process checks every case (JSON in, JSON out).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CATALOGUE_NAMES, parseCell, readSafetensors, writeSafetensors } from "gated";
import { afterAll, describe, expect, test } from "vitest";
import { exportCells, type GatedCase, gatedCase, OUTPUT_CELLS } from "./cases.js";
import { hasTorch, warnSkip } from "./tools.js";
import { expectTorchEqualsGated, runTorchCheck } from "./torchCheck.js";

const TOL = 1e-10;
const torch = hasTorch();
if (!torch)
  warnSkip("export to PyTorch (tests/interop/export.torch.test.ts)", "python3 with torch");

describe.skipIf(!torch)("export to PyTorch: forward and gradients equal gated's", () => {
  const dir = mkdtempSync(join(tmpdir(), "gated-torch-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cells = exportCells(CATALOGUE_NAMES, 8);
  const cases: GatedCase[] = cells.flatMap(({ name, cell }, k) => [
    gatedCase(name, cell, { seed: 11 + k, masked: true }),
    ...(k % 4 === 0 ? [gatedCase(`${name} (unmasked)`, cell, { seed: 3 + k, masked: false })] : []),
  ]);
  // saturated gates (|pre-activation| ≫ 709): gradients stay finite and equal gated's zeros
  cases.push(
    gatedCase("lstm (x × 2000)", cells[CATALOGUE_NAMES.indexOf("lstm")]!.cell, {
      seed: 5,
      xScale: 2000,
    }),
  );
  // per-step outputs no state carries (output y = …), masked and not
  for (const [k, text] of OUTPUT_CELLS.entries()) {
    const cell = parseCell(text);
    cases.push(gatedCase(`${cell.name} (output y)`, cell, { seed: 40 + k, sizes: { O: 3 } }));
    cases.push(
      gatedCase(`${cell.name} (output y, unmasked)`, cell, {
        seed: 50 + k,
        masked: false,
        sizes: { O: 3 },
      }),
    );
  }
  // a cell non-finite at x = 0 with zeroed padding: padded rows must never be computed
  cases.push(
    gatedCase(
      "log cell (padding x = 0)",
      parseCell("cell logcell(x[I]; h[H]) {\n  h' = tanh(W h + U log(x) + V (1 / x) + b)\n}"),
      { seed: 60, positive: true },
    ),
  );
  let results: unknown[] = [];

  test("one Python process runs every case", () => {
    results = runTorchCheck(dir, cases, (c, i) => {
      if (i !== 0) return {};
      const files = {
        weights_file: join(dir, "w0.safetensors"),
        save_to: join(dir, "w0.back.safetensors"),
      };
      writeFileSync(
        files.weights_file,
        writeSafetensors(
          new Map(
            Object.entries(c.params).map(([k, v]) => [
              k,
              { dtype: "F64" as const, shape: v.shape, data: Float64Array.from(v.data) },
            ]),
          ),
        ),
      );
      return files;
    });
    expect(results).toHaveLength(cases.length);
  }, 320_000);

  test("safetensors round trip: gated's file → load_gated_safetensors → save_gated_safetensors", () => {
    const back = readSafetensors(new Uint8Array(readFileSync(join(dir, "w0.back.safetensors"))));
    expect([...back.keys()].sort()).toEqual(Object.keys(cases[0]!.params).sort());
    for (const [k, v] of Object.entries(cases[0]!.params)) {
      expect(back.get(k)!.shape).toEqual(v.shape);
      expect([...back.get(k)!.data]).toEqual(v.data);
    }
  });

  test.each(cases.map((c, i) => [c.name, i] as const))("%s", (_name, i) => {
    const c = cases[i]!;
    const res = results[i] as Record<string, unknown> | undefined;
    expect(res, "the Python run").toBeDefined();
    expect(res!["error"]).toBeUndefined();
    expectTorchEqualsGated(res!, c, { tol: TOL, initial: true });
  });
});
