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
  options: {
    settle: {
      enabled: boolean;
      linux: boolean;
      maxMs: number;
      waits: number;
      capped: number;
      waitedMs: number;
    };
    gcMode: string;
  };
  results: {
    cell: string;
    impl: string;
    dtype: string;
    mode: string;
    medianMs: number;
    wallMedianMs: number;
    helperMs: number | null;
    helperMaxMs: number | null;
    helperSamplesMs: (number | null)[];
    leftMB: number;
    reps: number;
    samplesMs: number[];
    wallSamplesMs: number[];
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
        expect(Number.isFinite(r.wallMedianMs)).toBe(true);
        expect(r.samplesMs).toHaveLength(r.reps);
        expect(r.wallSamplesMs).toHaveLength(r.reps);
        expect(r.helperSamplesMs).toHaveLength(r.reps);
        expect(r.leftMB).toBeGreaterThanOrEqual(0);
        // the CPU time of V8's helper threads in each run (and its tail) is recorded on Linux
        if (process.platform === "linux") {
          expect(r.helperMs).not.toBeNull();
          expect(r.helperMs!).toBeGreaterThanOrEqual(0);
          expect(r.helperMaxMs!).toBeGreaterThanOrEqual(r.helperMs!);
        }
      }
      // how runs were separated: a gc() and a wait for the helper threads around every run
      // (two waits per run on Linux), recorded with the results
      const settle = out.options.settle;
      expect(settle.enabled).toBe(true);
      expect(settle.linux).toBe(process.platform === "linux");
      expect(out.options.gcMode).toMatch(/gc\(\) before every run/);
      if (settle.linux) {
        const runs = out.results.reduce((n, r) => n + r.reps, 0);
        expect(settle.waits).toBeGreaterThanOrEqual(2 * runs);
        expect(settle.capped).toBeLessThanOrEqual(settle.waits);
        expect(out.options.gcMode).toMatch(/wait until V8's helper threads are idle/);
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
