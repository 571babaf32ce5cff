/**
 * The PyTorch side of the export suites: every case's cell exported to a module, one
 * torch_check.py process over them all (JSON in, JSON out), and its eager and TorchScript results
 * checked against gated's.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportPytorch } from "gated";
import { expect } from "vitest";
import { type GatedCase, maxRelDiff } from "./cases.js";
import { PYTHON } from "./tools.js";

/**
 * Exports each case to `dir/cell_<i>.py`, runs torch_check.py once over them (with `extra(c, i)`'s
 * fields added to case i) and returns its per-case results; a failed run fails the test.
 */
export function runTorchCheck(
  dir: string,
  cases: readonly GatedCase[],
  extra: (c: GatedCase, i: number) => Record<string, string> = () => ({}),
): unknown[] {
  const input = cases.map((c, i) => {
    const module = join(dir, `cell_${i}.py`);
    writeFileSync(
      module,
      exportPytorch(c.cell, { inputSize: c.I, hiddenSize: c.H, sizes: c.sizes }),
    );
    const { params, x, T, B, initial, lengths, R, Rf } = c;
    return { ...extra(c, i), module, params, x, T, B, initial, lengths, R, Rf };
  });
  writeFileSync(join(dir, "cases.json"), JSON.stringify(input));
  const r = spawnSync(
    PYTHON,
    [join(import.meta.dirname, "torch_check.py"), join(dir, "cases.json"), join(dir, "out.json")],
    { encoding: "utf8", timeout: 300_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as unknown[];
}

/**
 * PyTorch's eager and TorchScript output, final states, ∂params and ∂x (and ∂initial states
 * with `initial`) each within `tol` of gated's; messages start with `label`.
 */
export function expectTorchEqualsGated(
  res: Record<string, unknown>,
  c: GatedCase,
  o: { tol: number; label?: string; initial?: boolean },
): void {
  for (const mode of ["eager", "script"] as const) {
    const got = res[mode] as {
      output: number[];
      final: Record<string, number[]>;
      grads: Record<string, number[]>;
      x: number[];
      initial: Record<string, number[]>;
    };
    const check = (what: string, a: number[] | undefined, b: number[]) =>
      expect(maxRelDiff(a ?? [], b), `${o.label ?? ""}${mode} ${what}`).toBeLessThanOrEqual(o.tol);
    check("output", got.output, c.output);
    for (const s of Object.keys(c.final)) check(`final ${s}`, got.final[s], c.final[s]!);
    for (const p of Object.keys(c.grads)) check(`dL/d${p}`, got.grads[p], c.grads[p]!);
    check("dL/dx", got.x, c.gx);
    if (o.initial)
      for (const s of Object.keys(c.ginitial)) check(`dL/d${s}0`, got.initial[s], c.ginitial[s]!);
  }
}
