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
    runsPerSample: number;
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
        // k runs back to back per sample (every contender, torch's server included: it answers
        // how many runs it timed and the bench checks that it did k)
        expect(Number.isInteger(r.runsPerSample), `${r.impl} runsPerSample`).toBe(true);
        expect(r.runsPerSample).toBeGreaterThanOrEqual(1);
        expect(r.runsPerSample).toBeLessThanOrEqual(1000);
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

/** The parts of bench/timing.ts that the forward and forward+backward rows are timed by. */
interface GroupTiming {
  medianMs: number;
  wallMedianMs: number;
  helperMs: number | null;
  reps: number;
  warmup: number;
  runsPerSample: number;
  samplesMs: number[];
}
interface TimingModule {
  SAMPLE_MS: number;
  MAX_WARMUPS: number;
  SHORT_WARMUPS: number;
  WARMING_MS: number;
  runsPerSample(cpuMsPerRun: number): number;
  measureGroup(
    cs: readonly {
      name: string;
      fn: (k: number) => undefined | { cpu: number; wall: number };
      opts: {
        budgetMs: number;
        minReps: number;
        maxReps: number;
        slowMs: number;
        warmups?: number;
      };
    }[],
  ): Map<string, GroupTiming>;
  settleInfo(): { enabled: boolean; linux: boolean; waits: number };
}

describe("training timing (bench/timing.ts measureGroup)", () => {
  test("k runs back to back per sample, k from the warm-ups, a run's time the sample's / k", async () => {
    const m = (await benchModule("timing.ts")) as TimingModule;
    // the k rule itself, shared with bench/inference.ts: SAMPLE_MS of CPU time, at most 1000
    expect(m.SAMPLE_MS).toBe(5);
    expect(m.runsPerSample(0.25)).toBe(20);
    expect(m.runsPerSample(0.3)).toBe(17);
    expect(m.runsPerSample(5)).toBe(1);
    expect(m.runsPerSample(40)).toBe(1);
    expect(m.runsPerSample(0)).toBe(1000);

    expect(m.MAX_WARMUPS).toBe(5);
    expect(m.SHORT_WARMUPS).toBe(3);
    expect(m.WARMING_MS).toBe(100);

    const calls: Record<string, number[]> = {
      js: [],
      own: [],
      warming: [],
      jit: [],
      long: [],
      slow: [],
    };
    let sink = 0;
    const opts = { budgetMs: 0, minReps: 4, maxReps: 4, slowMs: 1e9, warmups: 2 };
    const waits0 = m.settleInfo().waits;
    const t = m.measureGroup([
      {
        name: "js",
        opts,
        fn: (k) => {
          calls["js"]!.push(k);
          for (let i = 0; i < k; i++) for (let j = 0; j < 200; j++) sink += Math.sqrt(j);
          return undefined;
        },
      },
      // timed in its own process, like torch: the sample's totals, 0.25 ms of CPU a run
      {
        name: "own",
        opts,
        fn: (k) => {
          calls["own"]!.push(k);
          return { cpu: 0.25 * k, wall: 0.5 * k };
        },
      },
      // runs that get faster as it warms up (4, 2, 1, 0.5, 0.25 ms): more warm-ups, up to 5
      {
        name: "warming",
        opts,
        fn: (k) => {
          const n = calls["warming"]!.push(k);
          return { cpu: 2 ** (3 - Math.min(n, 5)) * k, wall: 0 };
        },
      },
      // a JIT tiering up: 90, 40, 9, then 2 ms a run: warm-ups go on while it gets faster
      {
        name: "jit",
        opts,
        fn: (k) => {
          const n = calls["jit"]!.push(k);
          return { cpu: ([90, 40, 9][n - 1] ?? 2) * k, wall: 0 };
        },
      },
      // runs that get faster but are long (200, 150, 120 ms): only the configured warm-ups
      {
        name: "long",
        opts,
        fn: (k) => {
          const n = calls["long"]!.push(k);
          return { cpu: ([200, 150][n - 1] ?? 120) * k, wall: 0 };
        },
      },
      // slower than slowMs: its first run is its only sample
      {
        name: "slow",
        opts: { ...opts, slowMs: 0 },
        fn: (k) => {
          calls["slow"]!.push(k);
          return undefined;
        },
      },
    ]);
    expect(sink).toBeGreaterThan(0);
    // own: warm-ups of 1 run (0.25 ms: k = 20) and two of 20 (short runs: SHORT_WARMUPS; not
    // getting faster: no more), then 4 samples of 20 runs
    const own = t.get("own")!;
    expect(calls["own"]).toEqual([1, 20, 20, 20, 20, 20, 20]);
    expect(own.runsPerSample).toBe(20);
    expect(own.reps).toBe(4);
    expect(own.warmup).toBe(3);
    expect(own.medianMs).toBeCloseTo(0.25, 12);
    expect(own.wallMedianMs).toBeCloseTo(0.5, 12);
    for (const s of own.samplesMs) expect(s).toBeCloseTo(0.25, 12);
    // js: a run of microseconds gets many to a sample; every timed sample has the same k, which
    // is never below what a warm-up asked for
    const js = t.get("js")!;
    const warm = calls["js"]!.slice(0, js.warmup);
    expect(warm[0]).toBe(1);
    expect(js.warmup).toBeGreaterThanOrEqual(3);
    expect(js.warmup).toBeLessThanOrEqual(5);
    expect(js.runsPerSample).toBeGreaterThan(1);
    expect(js.runsPerSample).toBeGreaterThanOrEqual(Math.max(...warm));
    expect(calls["js"]!.slice(js.warmup)).toEqual(Array(4).fill(js.runsPerSample));
    expect(js.samplesMs).toHaveLength(4);
    // warming: asks 2 (after 4 ms a run), 3, 5, 10, then 20 (after 0.25 ms): each warm-up more
    // than 10% faster than the ones before, so five (MAX_WARMUPS), then samples of 20
    const warming = t.get("warming")!;
    expect(calls["warming"]).toEqual([1, 2, 3, 5, 10, 20, 20, 20, 20]);
    expect([warming.warmup, warming.runsPerSample, warming.reps]).toEqual([5, 20, 4]);
    expect(warming.medianMs).toBeCloseTo(0.25, 12);
    // jit: 90 → 40 ms (faster, under WARMING_MS: go on) → 9 → 2 (k = 3) → 2 at k = 3 (not
    // faster: stop)
    const jit = t.get("jit")!;
    expect(calls["jit"]).toEqual([1, 1, 1, 1, 3, 3, 3, 3, 3]);
    expect([jit.warmup, jit.runsPerSample, jit.medianMs]).toEqual([5, 3, 2]);
    const long = t.get("long")!;
    expect(calls["long"]).toEqual([1, 1, 1, 1, 1, 1]);
    expect([long.warmup, long.runsPerSample, long.medianMs]).toEqual([2, 1, 120]);
    const slow = t.get("slow")!;
    expect(calls["slow"]).toEqual([1]);
    expect([slow.reps, slow.runsPerSample, slow.warmup]).toEqual([1, 1, 0]);
    // two waits for V8's helper threads around every sample, warm-ups included
    // (js 7 or more, own 7, warming 9, jit 9, long 6, slow 1)
    const s = m.settleInfo();
    if (s.linux && s.enabled) expect(s.waits - waits0).toBeGreaterThanOrEqual(2 * 39);
  });
});
