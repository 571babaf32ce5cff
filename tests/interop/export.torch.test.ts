/**
 * Export to PyTorch, differentially: every catalogue cell and random cells are exported, run in
 * PyTorch float64 (eager and TorchScript) with masked lengths, and their outputs, final states
 * and autograd gradients (parameters, x, initial states) must equal gated's BPTT within 1e-10.
 * One Python process checks every case (JSON in, JSON out).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CATALOGUE_NAMES,
  exportPytorch,
  parseCell,
  readSafetensors,
  writeSafetensors,
} from "gated";
import { afterAll, describe, expect, test } from "vitest";
import { exportCells, type GatedCase, gatedCase, maxRelDiff, OUTPUT_CELLS } from "./cases.js";
import { hasTorch, PYTHON, warnSkip } from "./tools.js";

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
    const input = cases.map((c, i) => {
      const module = join(dir, `cell_${i}.py`);
      writeFileSync(
        module,
        exportPytorch(c.cell, { inputSize: c.I, hiddenSize: c.H, sizes: c.sizes }),
      );
      const files =
        i === 0
          ? { weights_file: join(dir, "w0.safetensors"), save_to: join(dir, "w0.back.safetensors") }
          : {};
      if (files.weights_file)
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
      return {
        ...files,
        module,
        params: c.params,
        x: c.x,
        T: c.T,
        B: c.B,
        initial: c.initial,
        lengths: c.lengths,
        R: c.R,
        Rf: c.Rf,
      };
    });
    writeFileSync(join(dir, "cases.json"), JSON.stringify(input));
    const r = spawnSync(
      PYTHON,
      [join(import.meta.dirname, "torch_check.py"), join(dir, "cases.json"), join(dir, "out.json")],
      {
        encoding: "utf8",
        timeout: 300_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    results = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as unknown[];
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
    for (const mode of ["eager", "script"] as const) {
      const got = res![mode] as {
        output: number[];
        final: Record<string, number[]>;
        grads: Record<string, number[]>;
        x: number[];
        initial: Record<string, number[]>;
      };
      const check = (what: string, a: number[] | undefined, b: number[]) =>
        expect(maxRelDiff(a ?? [], b), `${mode} ${what}`).toBeLessThanOrEqual(TOL);
      check("output", got.output, c.output);
      for (const s of Object.keys(c.final)) check(`final ${s}`, got.final[s], c.final[s]!);
      for (const p of Object.keys(c.grads)) check(`dL/d${p}`, got.grads[p], c.grads[p]!);
      check("dL/dx", got.x, c.gx);
      for (const s of Object.keys(c.ginitial)) check(`dL/d${s}0`, got.initial[s], c.ginitial[s]!);
    }
  });
});
