/**
 * Smoke test of the benchmark harness (bench/): bundles it, runs `--smoke` (a tiny config, one
 * run per implementation) in a child process and checks that every implementation ran and
 * agrees with the float64 reference. `--smoke` skips the inference section (it needs PyTorch
 * and ONNX Runtime), so its timing (bench/inference.ts `timeInterleaved`, the fma child of
 * bench/relaxed.ts) is checked on its own, at a tiny size. No timing is asserted: speed is
 * `pnpm bench`'s business.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as codegen from "@gated/codegen";
import { getCell } from "@gated/rnn";
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

/** The parts of bench/inference.ts, bench/relaxed.ts and bench/timing.ts used below. */
interface Run {
  cpu: number;
  wall: number;
  helper: number | null;
  leftMB: number;
}
interface InfContender {
  name: string;
  run(): Promise<ArrayLike<number>> | ArrayLike<number>;
  timeRuns?: (k: number) => Promise<Run>;
}
interface BenchModules {
  inference: {
    timeInterleaved(
      cs: readonly InfContender[],
      budgetMs: number,
    ): Promise<{
      wall: Record<string, number>;
      cpu: Record<string, number>;
      helperMs: Record<string, number | null>;
      helperMaxMs: Record<string, number | null>;
      leftMB: Record<string, number>;
      reps: Record<string, number>;
      runsPerSample: Record<string, number>;
      timings: Record<string, { samplesMs: number[]; helperSamplesMs: (number | null)[] }>;
    }>;
    maxAbsDiff(y: ArrayLike<number>, ref: ArrayLike<number>): number;
  };
  relaxed: {
    relaxedContender(
      k: codegen.CompiledKernel,
      params: ArrayLike<number>,
      x: Float32Array,
      B: number,
    ): Promise<{ contender: InfContender; close(): void } | { why: string }>;
  };
  timing: { settleInfo(): { enabled: boolean; linux: boolean; waits: number } };
}
// bench/ is not part of this TypeScript project: imported by path, typed above
const benchModule = (name: string) => import(/* @vite-ignore */ path.join(root, "bench", name));

describe("inference timing (bench/inference.ts)", () => {
  test("every sample by timing.ts's rule, the fma child's too, with helperMs and leftMB", async () => {
    const m = {
      inference: await benchModule("inference.ts"),
      relaxed: await benchModule("relaxed.ts"),
      timing: await benchModule("timing.ts"),
    } as BenchModules;
    const B = 2;
    const opts = {
      inputSize: 3,
      hiddenSize: 4,
      dtype: "float32" as const,
      backend: "wasm" as const,
    };
    const k = codegen.compileCell(getCell("lstm"), opts);
    const x = new Float32Array(5 * B * 3).map((_, i) => Math.sin(0.37 * i));
    const w = k.initParams({ seed: 7 });
    const p = k.params(w.data);
    const y = k.forward(p, x, { batch: B, tape: false }).output;
    const contenders: InfContender[] = [
      { name: "sync", run: () => k.forward(p, x, { batch: B, tape: false }).output },
      // a promise, like ONNX Runtime's session.run, leaving garbage
      { name: "async", run: async () => Float32Array.from(new Array(1e5).fill(1)) },
    ];
    const fk = codegen.compileCell(getCell("lstm"), { ...opts, fma: true });
    const fma = await m.relaxed.relaxedContender(fk, w.data, x, B);
    // the child runs wherever node has relaxed SIMD behind the flag (Node 20 does)
    expect("why" in fma ? fma.why : "ran").toMatch(/^ran$|has no relaxed SIMD/);
    if ("contender" in fma) contenders.push(fma.contender);
    try {
      if ("contender" in fma)
        expect(m.inference.maxAbsDiff(await fma.contender.run(), y)).toBeLessThan(1e-5);
      const waits0 = m.timing.settleInfo().waits;
      const t = await m.inference.timeInterleaved(contenders, 0);
      const linux = m.timing.settleInfo().linux && m.timing.settleInfo().enabled;
      for (const { name } of contenders) {
        expect(t.reps[name], name).toBe(5); // a zero budget: the 5 rounds at least
        expect(t.runsPerSample[name]!, name).toBeGreaterThanOrEqual(1);
        expect(t.timings[name]!.samplesMs).toHaveLength(5);
        expect(t.timings[name]!.helperSamplesMs).toHaveLength(5);
        expect(Number.isFinite(t.cpu[name]), name).toBe(true);
        expect(Number.isFinite(t.wall[name]), name).toBe(true);
        expect(t.leftMB[name]!, name).toBeGreaterThanOrEqual(0);
        if (linux) {
          expect(t.helperMs[name], name).not.toBeNull();
          expect(t.helperMaxMs[name]!, name).toBeGreaterThanOrEqual(t.helperMs[name]!);
        }
      }
      // a run of microseconds is timed many to a sample (the gc() before it leaves caches cold)
      expect(t.runsPerSample["sync"]!).toBeGreaterThan(1);
      if ("contender" in fma) expect(t.runsPerSample["gated-wasm-fma"]!).toBeGreaterThan(1);
      // what a run allocates is seen (a 1e5-element array and its Float32Array: ~1.2 MB; less
      // where a scavenge ran inside the sample)
      expect(t.leftMB["async"]!).toBeGreaterThan(0.05);
      // two waits around every sample (3 warm-ups + 5 timed) in this process, two more for the
      // child's helpers per fma sample
      if (linux)
        expect(m.timing.settleInfo().waits - waits0).toBeGreaterThanOrEqual(
          2 * 8 * contenders.length + ("contender" in fma ? 2 * 8 : 0),
        );
    } finally {
      if ("close" in fma) fma.close();
    }
  });
});
