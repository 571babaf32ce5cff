/**
 * Smoke test of the benchmark harness (bench/): bundles it, runs `--smoke` (a tiny config, one
 * run per implementation) in a child process and checks that every implementation ran and
 * agrees with the float64 reference. No timing is asserted: speed is `pnpm bench`'s business.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as codegen from "@gated/codegen";
import { describe, expect, test } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Agreement {
  cell: string;
  dtype: string;
  impl: string;
  output: number;
  grads: number | null;
  input: number | null;
}
interface Out {
  results: {
    cell: string;
    impl: string;
    dtype: string;
    mode: string;
    medianMs: number;
    reps: number;
  }[];
  agreement: Agreement[];
  notes: string[];
}

describe("pnpm bench --smoke", () => {
  test("every implementation runs and agrees with the reference", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gated-bench-"));
    // the project's own build (it bundles bench/bench.ts to bench/dist/bench.mjs, beside its deps)
    const bundle = path.join(root, "bench", "dist", "bench.mjs");
    try {
      execFileSync(process.execPath, [path.join(root, "scripts/build.mjs")], {
        cwd: root,
        stdio: "pipe",
        timeout: 120_000,
      });
      const json = path.join(dir, "smoke.json");
      execFileSync(process.execPath, [bundle, "--smoke", "--out", json], {
        cwd: root,
        stdio: "pipe",
        timeout: 120_000,
      });
      const out = JSON.parse(readFileSync(json, "utf8")) as Out;
      expect(out.notes.filter((n) => n.includes("failed"))).toEqual([]);

      const compiled = typeof (codegen as Record<string, unknown>)["compileCell"] === "function";
      const expected = [
        "reference",
        "unfused",
        "hand",
        "tfjs-cpu",
        "tfjs-wasm",
        ...(compiled ? ["gated"] : []),
      ];
      const ran = new Set(out.results.map((r) => r.impl));
      for (const impl of expected) expect(ran, impl).toContain(impl);
      for (const r of out.results) {
        expect(r.reps).toBeGreaterThanOrEqual(1);
        expect(Number.isFinite(r.medianMs)).toBe(true);
      }
      // every implementation was compared (TF.js's GRU against cho_gru), within the tolerances
      for (const impl of expected)
        expect(
          out.agreement.some((a) => a.impl === impl),
          impl,
        ).toBe(true);
      for (const a of out.agreement) {
        const tol = a.dtype === "float64" ? 1e-12 : 1e-4;
        const where = `${a.impl} ${a.cell} ${a.dtype}`;
        expect(a.output, `${where} output`).toBeLessThanOrEqual(tol);
        if (a.grads !== null) expect(a.grads, `${where} grads`).toBeLessThanOrEqual(tol);
        if (a.input !== null) expect(a.input, `${where} dx`).toBeLessThanOrEqual(tol);
      }
      expect(out.agreement.some((a) => a.impl === "hand" && a.grads !== null)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
